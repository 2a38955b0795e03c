import GuestSupport
import HypervisorCore

/// Guest console output through the console_io hypercall, one line per call
/// (the hypervisor prefixes each line with the VM's name).
public struct GuestConsole: TextSink {
    nonisolated(unsafe) static var line = InlineArray<160, UInt8>(repeating: 0)
    nonisolated(unsafe) static var length = 0

    public init() {}

    public mutating func write(byte: UInt8) {
        GuestConsole.line[GuestConsole.length] = byte
        GuestConsole.length += 1
        if byte == 0x0A || GuestConsole.length == 160 { GuestConsole.flush() }
    }

    public static func flush() {
        guard length > 0 else { return }
        withUnsafeBytes(of: &line) { bytes in
            _ = Hypervisor.consoleWrite(
                address: UInt32(UInt(bitPattern: bytes.baseAddress!)), count: UInt32(length))
        }
        length = 0
    }
}

/// One tagged result line, the format the QEMU tests read:
/// `CHECK <name> passed` or `CHECK <name> FAILED`.
public func check(_ name: StaticString, _ passed: Bool) {
    var out = GuestConsole()
    out.write("CHECK ")
    out.write(name)
    out.write(passed ? " passed" : " FAILED")
    out.newline()
}
