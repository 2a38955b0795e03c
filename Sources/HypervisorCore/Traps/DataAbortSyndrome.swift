// A stage-2 data abort from a guest, decoded once from HSR (ARM ARM B3.13.6,
// "ISS encoding for a Data Abort exception") and the fault address registers.
// The shell reads the registers; everything it needs to know comes from here.

/// What a guest's faulting load or store was, as the syndrome reports it.
public struct DataAbortSyndrome: Equatable, Sendable {
    /// The HSR of the data abort.
    public var syndrome: UInt32
    /// The faulting intermediate-physical address (HPFAR and HDFAR combined).
    public var address: GuestPhysicalAddress
    /// The faulting virtual address (HDFAR): what the guest's DFAR reports
    /// when the abort is injected.
    public var virtualAddress: UInt32

    @inlinable @inline(__always)
    public init(syndrome: UInt32, address: GuestPhysicalAddress, virtualAddress: UInt32 = 0) {
        self.syndrome = syndrome
        self.address = address
        self.virtualAddress = virtualAddress
    }

    /// From the registers: HPFAR[31:4] holds IPA[39:12] (bits above 31 are
    /// zero with a 32-bit IPA space), HDFAR the offset in the page.
    @inlinable @inline(__always)
    public init(syndrome: UInt32, hpfar: UInt32, hdfar: UInt32) {
        let ipa = ((hpfar & 0xFFFF_FFF0) << 8) | (hdfar & 0xFFF)
        self.init(syndrome: syndrome, address: GuestPhysicalAddress(ipa), virtualAddress: hdfar)
    }

    /// ISV [24]: the fields below describe the instruction (a single load or
    /// store of a general register). Without it the access cannot be replayed.
    @inlinable @inline(__always)
    public var isValid: Bool { syndrome & (1 << 24) != 0 }
    /// SAS [23:22]. A doubleword (3) never comes with ISV on ARMv7; it reads as a word here.
    @inlinable @inline(__always)
    public var width: AccessWidth {
        switch (syndrome >> 22) & 3 {
        case 0: .byte
        case 1: .halfword
        default: .word
        }
    }
    @inlinable @inline(__always)
    public var isDoubleword: Bool { (syndrome >> 22) & 3 == 3 }
    /// SSE [21]: a load sign-extends the value to the register width.
    @inlinable @inline(__always)
    public var signExtends: Bool { syndrome & (1 << 21) != 0 }
    /// SRT [19:16]: the register loaded or stored.
    @inlinable @inline(__always)
    public var register: UInt32 { (syndrome >> 16) & 0xF }
    /// WnR [6].
    @inlinable @inline(__always)
    public var isWrite: Bool { syndrome & (1 << 6) != 0 }

    /// What a load puts in the register when the device answered `value`
    /// (its low `width` bytes): zero- or sign-extended as the syndrome says.
    @inlinable @inline(__always)
    public func loaded(_ value: UInt32) -> UInt32 {
        switch width {
        case .byte:
            signExtends ? UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: value))) : value & 0xFF
        case .halfword:
            signExtends ? UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: value))) : value & 0xFFFF
        case .word:
            value
        }
    }
}
