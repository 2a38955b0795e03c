// Little-endian field access in a guest's hypercall argument bytes. ARM
// hypercall structures are little endian (arch-arm.h); assembling values byte
// by byte is independent of the host's byte order and of alignment, and needs
// no raw-pointer stores (which -no-allocations rejects on armv7). Callers
// check the buffer's length once against the structure's size.

enum EventArgumentBytes {
    @inline(__always)
    static func uint16(_ bytes: UnsafeMutableRawBufferPointer, at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) &<< 8
    }

    @inline(__always)
    static func uint32(_ bytes: UnsafeMutableRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) &<< 8
            | UInt32(bytes[offset + 2]) &<< 16 | UInt32(bytes[offset + 3]) &<< 24
    }

    @inline(__always)
    static func store(_ value: UInt16, _ bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes[offset] = UInt8(truncatingIfNeeded: value)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value &>> 8)
    }

    @inline(__always)
    static func store(_ value: UInt32, _ bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes[offset] = UInt8(truncatingIfNeeded: value)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value &>> 8)
        bytes[offset + 2] = UInt8(truncatingIfNeeded: value &>> 16)
        bytes[offset + 3] = UInt8(truncatingIfNeeded: value &>> 24)
    }
}
