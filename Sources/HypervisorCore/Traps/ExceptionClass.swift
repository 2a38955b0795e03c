// The HSR exception classes of ARMv7 with the Virtualization Extensions
// (ARM ARM B3.13.6): what trapped to HYP, in words for reports, and which
// fields of the syndrome matter. Pure decoding; the hypervisor dispatches on it.

/// HSR.EC, bits [31:26].
public enum ExceptionClass: UInt8, Sendable {
    case unknown = 0x00
    case wfiOrWfe = 0x01
    case cp15Mcr = 0x03
    case cp15Mcrr = 0x04
    case cp14Mcr = 0x05
    case cp14Ldc = 0x06
    case floatingPointAccess = 0x07
    case cp10Vmrs = 0x08
    case cp14Mrrc = 0x0C
    case branchToJazelle = 0x0A
    case illegalState = 0x0E
    case svcFromHyp = 0x11
    case hvc = 0x12
    case smc = 0x13
    case prefetchAbortFromGuest = 0x20
    case prefetchAbortInHyp = 0x21
    case dataAbortFromGuest = 0x24
    case dataAbortInHyp = 0x25

    /// Decodes a syndrome; nil for classes this architecture does not define.
    /// Inlinable, and written out, so that the trap dispatcher's switch over
    /// the class compiles to one jump on EC (no call on the fast path).
    @inlinable @inline(__always)
    public init?(syndrome hsr: UInt32) {
        switch hsr >> 26 {
        case 0x00: self = .unknown
        case 0x01: self = .wfiOrWfe
        case 0x03: self = .cp15Mcr
        case 0x04: self = .cp15Mcrr
        case 0x05: self = .cp14Mcr
        case 0x06: self = .cp14Ldc
        case 0x07: self = .floatingPointAccess
        case 0x08: self = .cp10Vmrs
        case 0x0A: self = .branchToJazelle
        case 0x0C: self = .cp14Mrrc
        case 0x0E: self = .illegalState
        case 0x11: self = .svcFromHyp
        case 0x12: self = .hvc
        case 0x13: self = .smc
        case 0x20: self = .prefetchAbortFromGuest
        case 0x21: self = .prefetchAbortInHyp
        case 0x24: self = .dataAbortFromGuest
        case 0x25: self = .dataAbortInHyp
        default: return nil
        }
    }

    /// The class in words, for panic reports and traces.
    public var name: StaticString {
        switch self {
        case .unknown: return "unknown reason (undefined instruction)"
        case .wfiOrWfe: return "WFI or WFE"
        case .cp15Mcr: return "MCR/MRC to CP15"
        case .cp15Mcrr: return "MCRR/MRRC to CP15"
        case .cp14Mcr: return "MCR/MRC to CP14"
        case .cp14Ldc: return "LDC/STC to CP14"
        case .floatingPointAccess: return "VFP/NEON access (HCPTR)"
        case .cp10Vmrs: return "VMRS to CP10"
        case .cp14Mrrc: return "MRRC to CP14"
        case .branchToJazelle: return "BXJ"
        case .illegalState: return "illegal exception return"
        case .svcFromHyp: return "SVC in HYP mode"
        case .hvc: return "HVC (hypercall)"
        case .smc: return "SMC"
        case .prefetchAbortFromGuest: return "prefetch abort from a guest (stage 2)"
        case .prefetchAbortInHyp: return "prefetch abort in HYP mode"
        case .dataAbortFromGuest: return "data abort from a guest (stage 2)"
        case .dataAbortInHyp: return "data abort in HYP mode"
        }
    }

    /// Whether the syndrome carries CV/COND [24:20] for a conditional
    /// instruction (ARM ARM B3.13.6: the instruction traps EC 0x01-0x0C, and SMC): a trapped one
    /// whose condition failed is skipped, whatever its class, before dispatch.
    @inlinable @inline(__always)
    public var hasConditionField: Bool {
        switch self {
        case .wfiOrWfe, .cp15Mcr, .cp15Mcrr, .cp14Mcr, .cp14Ldc, .floatingPointAccess, .cp10Vmrs,
             .branchToJazelle, .cp14Mrrc, .smc:
            return true
        default:
            return false
        }
    }

    /// Whether HDFAR holds the faulting virtual address.
    public var reportsDataAddress: Bool { self == .dataAbortFromGuest || self == .dataAbortInHyp }
    /// Whether HIFAR holds the faulting virtual address.
    public var reportsInstructionAddress: Bool {
        self == .prefetchAbortFromGuest || self == .prefetchAbortInHyp
    }
}

/// The instruction Swift emits for a runtime trap (precondition failure,
/// bounds check, overflow): `udf #0xfdee` in ARM state.
public let swiftTrapInstruction: UInt32 = 0xE7FF_DEFE

/// Names of the ARM processor modes (CPSR/SPSR M[4:0]).
public func processorModeName(_ mode: UInt32) -> StaticString {
    switch mode & 0x1F {
    case 0x10: return "USR"
    case 0x11: return "FIQ"
    case 0x12: return "IRQ"
    case 0x13: return "SVC"
    case 0x16: return "MON"
    case 0x17: return "ABT"
    case 0x1A: return "HYP"
    case 0x1B: return "UND"
    case 0x1F: return "SYS"
    default: return "invalid"
    }
}
