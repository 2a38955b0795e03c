// The header every guest image carries at its start, so that the configuration
// check and the boot know how much memory the image takes once it runs (its
// BSS and stacks are not in the file) and where it was linked to run.
// Boot/Guest/start.S writes it from LinkerScripts/guest.ld's symbols:
//
//   offset 0   one instruction (a branch over the header; the image may be entered here)
//   offset 4   magic "APUSIMAG" (8 bytes)
//   offset 12  version u32 = 1
//   offset 16  load address u32: the guest-physical address the image is linked for
//   offset 20  footprint u32: bytes from the load address that the running image
//              uses (code, data, BSS, stacks: guest.ld's __image_end - start)
//
// Little-endian, like the CPU.

public struct GuestImageHeader: Equatable, Sendable {
    public static let size = 24
    public static let magic: StaticString = "APUSIMAG"
    public static let magicOffset = 4
    public static let version: UInt32 = 1

    public var loadAddress: UInt32
    public var footprint: UInt32

    public init(loadAddress: UInt32, footprint: UInt32) {
        self.loadAddress = loadAddress
        self.footprint = footprint
    }

    /// The header at the start of `image`; nil when there is none (too short,
    /// no magic) or its version is not 1.
    public init?(_ image: UnsafeRawBufferPointer) {
        guard image.count >= GuestImageHeader.size else { return nil }
        let magicMatches = GuestImageHeader.magic.withUTF8Buffer { magic in
            for i in 0..<magic.count where image[GuestImageHeader.magicOffset + i] != magic[i] { return false }
            return true
        }
        guard magicMatches, image.littleEndianWord(at: 12) == GuestImageHeader.version,
              let load = image.littleEndianWord(at: 16), let footprint = image.littleEndianWord(at: 20) else { return nil }
        self.init(loadAddress: load, footprint: footprint)
    }

    /// Writes the header (after a zero first word) into the first 24 bytes of
    /// `image`, as start.S does: for tools and tests that make images.
    public func write(to image: UnsafeMutableRawBufferPointer) {
        guard image.count >= GuestImageHeader.size else { return }
        for i in 0..<GuestImageHeader.magicOffset { image[i] = 0 }
        GuestImageHeader.magic.withUTF8Buffer { magic in
            for i in 0..<magic.count { image[GuestImageHeader.magicOffset + i] = magic[i] }
        }
        func store(_ word: UInt32, at offset: Int) {
            for byte in 0..<4 { image[offset + byte] = UInt8(truncatingIfNeeded: word &>> UInt32(8 * byte)) }
        }
        store(GuestImageHeader.version, at: 12)
        store(loadAddress, at: 16)
        store(footprint, at: 20)
    }
}
