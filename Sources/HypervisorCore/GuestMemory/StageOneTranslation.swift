// Hypercall pointers are guest virtual addresses (as in Xen on ARM): the
// hypervisor asks the CPU to translate them through the guest's own stage 1
// (ATS1CPR / ATS1CPW from HYP mode) and reads the result from PAR. This is
// the pure part: what a PAR value says, and how a buffer that may cross pages
// is made of page pieces. A guest with its MMU off gets VA = IPA.
//
// PAR formats (ARM ARM B4.1.112): bit 0 F (the translation faulted); bit 11
// says which format: 0 short (32-bit: PA[31:12], or for a supersection
// PA[31:24] with PA[39:32] in bits [23:16]; SS is bit 1), 1 long (64-bit:
// PA[39:12] in bits [39:12]).

public enum StageOneTranslation {
    /// The intermediate physical address of `virtual`, or nil when PAR reports
    /// a fault or an address above 4 GiB (no guest RAM is there).
    public static func address(par: UInt64, virtual: UInt32) -> GuestPhysicalAddress? {
        if par & 1 != 0 { return nil }
        let offset = UInt64(widening: virtual & 0xFFF)
        if par & 0x800 != 0 {
            let frame = par & 0x00FF_FFFF_F000
            return frame > 0xFFFF_F000 ? nil : GuestPhysicalAddress(frame | offset)
        }
        let low = UInt32(truncatingIfNeeded: par)
        if low & 0x2 != 0 {  // supersection: 16 MiB, extended address bits must be zero
            guard (low >> 16) & 0xFF == 0 else { return nil }
            return GuestPhysicalAddress((low & 0xFF00_0000) | (virtual & 0x00FF_FFFF))
        }
        return GuestPhysicalAddress((low & 0xFFFF_F000) | (virtual & 0xFFF))
    }

    /// The page pieces of the buffer [virtual, virtual + length): the virtual
    /// address and byte count of piece `index` (a buffer of n bytes crossing
    /// page boundaries has one piece per page it touches).
    public static func piece(_ index: Int, of virtual: UInt32, length: Int) -> (virtual: UInt32, count: Int) {
        let firstPageRoom = 4096 - Int(truncatingIfNeeded: virtual & 0xFFF)
        if index == 0 { return (virtual, min(length, firstPageRoom)) }
        let start = firstPageRoom + (index - 1) * 4096
        return (virtual &+ UInt32(truncatingIfNeeded: start), min(4096, length - start))
    }

    /// How many pages the buffer touches (0 for an empty one).
    public static func pieceCount(of virtual: UInt32, length: Int) -> Int {
        guard length > 0 else { return 0 }
        let firstPageRoom = 4096 - Int(truncatingIfNeeded: virtual & 0xFFF)
        if length <= firstPageRoom { return 1 }
        return 1 + (length - firstPageRoom + 4095) / 4096
    }
}
