// Trapped coprocessor-15 accesses, decoded once from HSR (ARM ARM B3.13.6:
// "ISS encoding for ... MCR or MRC access" and "... MCRR or MRRC access"),
// and which of them the hypervisor emulates.

/// An MCR (write) or MRC (read) of a 32-bit CP15 register.
public struct CP15Access: Equatable, Sendable {
    public var opc1: UInt32
    public var crn: UInt32
    public var crm: UInt32
    public var opc2: UInt32
    /// The general register transferred.
    public var rt: UInt32
    /// MRC (Direction [0] = 1): the guest reads the register into `rt`.
    public var isRead: Bool

    /// Opc2 [19:17], Opc1 [16:14], CRn [13:10], Rt [8:5], CRm [4:1], Direction [0].
    @inlinable @inline(__always)
    public init(syndrome: UInt32) {
        opc2 = (syndrome >> 17) & 7
        opc1 = (syndrome >> 14) & 7
        crn = (syndrome >> 10) & 0xF
        rt = (syndrome >> 5) & 0xF
        crm = (syndrome >> 1) & 0xF
        isRead = syndrome & 1 != 0
    }

    /// The register the hypervisor emulates for this access, or nil (the
    /// guest gets an undefined instruction). Only what HCR.TAC, HCR.TSW and
    /// HCR.TIDCP/HSTR trap reaches here, and only r0-r12 are transferred.
    @inlinable @inline(__always)
    public var emulated: EmulatedCP15Register? {
        guard rt <= 12 else { return nil }
        switch (crn, opc1, crm, opc2) {
        case (1, 0, 0, 1): return .actlr
        case (7, 0, 6, 2): return .dcisw
        case (7, 0, 10, 2): return .dccsw
        case (7, 0, 14, 2): return .dccisw
        default: return nil
        }
    }
}

/// The trapped CP15 registers the hypervisor answers itself.
public enum EmulatedCP15Register: Equatable, Sendable {
    /// Auxiliary Control Register (HCR.TAC): reads see the real value, writes are ignored.
    case actlr
    /// Data cache invalidate / clean / clean and invalidate by set/way (HCR.TSW).
    case dcisw, dccsw, dccisw
}

/// An MCRR (write) or MRRC (read) of a 64-bit CP15 register.
public struct CP15DoubleAccess: Equatable, Sendable {
    public var opc1: UInt32
    public var crm: UInt32
    /// The general registers transferred: low word in `rt`, high word in `rt2`.
    public var rt: UInt32
    public var rt2: UInt32
    /// MRRC (Direction [0] = 1).
    public var isRead: Bool

    /// Opc1 [19:16], Rt2 [13:10], Rt [8:5], CRm [4:1], Direction [0].
    @inlinable @inline(__always)
    public init(syndrome: UInt32) {
        opc1 = (syndrome >> 16) & 0xF
        rt2 = (syndrome >> 10) & 0xF
        rt = (syndrome >> 5) & 0xF
        crm = (syndrome >> 1) & 0xF
        isRead = syndrome & 1 != 0
    }
}
