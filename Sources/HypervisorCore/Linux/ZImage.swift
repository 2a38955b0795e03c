// The header of an ARM Linux zImage (arch/arm/boot/compressed/head.S): the
// magic 0x016F2818 at byte 0x24, then the image's start and end addresses.
// A file without it is not a kernel Apus can boot.

public enum ZImage {
    public static let magicOffset = 0x24
    public static let magic: UInt32 = 0x016F_2818

    /// Whether `bytes` start with a zImage header (little-endian, as the CPU).
    public static func hasHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.littleEndianWord(at: magicOffset) == magic
    }
}
