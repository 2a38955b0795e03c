import GuestKit
import HypervisorCore

/// The bootargs the hypervisor hands a guest in r1: a NUL-terminated string
/// copied into the last page of its memory (docs/CONFIG.md, "Guest entry").
extension BootArguments {
    /// Reads up to the NUL, and never past the end of the page holding the
    /// string (that page is the last one of guest memory).
    public init(guestPointer: UnsafePointer<CChar>?) {
        guard let pointer = guestPointer else {
            self.init(UnsafeRawBufferPointer(start: nil, count: 0))
            return
        }
        let start = UnsafeRawPointer(pointer)
        let address = UInt(bitPattern: start)
        let limit = Int(((address | 0xFFF) &+ 1) &- address)
        var length = 0
        while length < limit, start.load(fromByteOffset: length, as: UInt8.self) != 0 { length += 1 }
        self.init(UnsafeRawBufferPointer(start: start, count: length))
    }
}
