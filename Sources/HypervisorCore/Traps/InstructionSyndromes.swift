// The small syndromes: WFI/WFE and HVC (ARM ARM B3.13.6), decoded once.

/// A trapped WFI or WFE.
public struct WaitSyndrome: Equatable, Sendable {
    /// TI [0]: WFE (the guest yields) rather than WFI (it waits for an interrupt).
    public var isWFE: Bool
    @inlinable @inline(__always)
    public init(syndrome: UInt32) { isWFE = syndrome & 1 != 0 }
}

/// An HVC from a guest.
public struct HypervisorCallSyndrome: Equatable, Sendable {
    /// imm16 [15:0]: Xen's hypercalls use 0xEA1, PSCI over HVC uses 0.
    public var immediate: UInt16
    @inlinable @inline(__always)
    public init(syndrome: UInt32) { immediate = UInt16(truncatingIfNeeded: syndrome) }
}
