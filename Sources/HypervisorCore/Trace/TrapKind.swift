// What a trap or interrupt was, for the census a measuring build keeps
// (make MEASURE=1; `make bench` boots Linux with one: docs/BENCHMARKS.md,
// "Linux's view"). Pure: the shell reads the registers and hands them over.

public enum TrapKind: Int, Sendable {
    case consoleIO, xenVersion, memoryOp, grantTableOp, vcpuOp, schedOp, eventChannelOp, hvmOp, otherXen
    case psci, otherHVC
    case distributor, forwarded, refusedAccess
    case cp15, wfi, wfe, otherTrap
    case hypTimer, maintenance, virtualTimer, device, otherInterrupt

    public static let count = 23

    /// The name `make bench` prints: family/kind, no spaces.
    public var name: StaticString {
        switch self {
        case .consoleIO: "hvc/console_io"
        case .xenVersion: "hvc/xen_version"
        case .memoryOp: "hvc/memory_op"
        case .grantTableOp: "hvc/grant_table_op"
        case .vcpuOp: "hvc/vcpu_op"
        case .schedOp: "hvc/sched_op"
        case .eventChannelOp: "hvc/event_channel_op"
        case .hvmOp: "hvc/hvm_op"
        case .otherXen: "hvc/other_xen"
        case .psci: "hvc/psci"
        case .otherHVC: "hvc/other"
        case .distributor: "abort/gic_distributor"
        case .forwarded: "abort/forwarded_window"
        case .refusedAccess: "abort/refused"
        case .cp15: "cp15"
        case .wfi: "wfi"
        case .wfe: "wfe"
        case .otherTrap: "other_trap"
        case .hypTimer: "irq/hyp_timer"
        case .maintenance: "irq/maintenance"
        case .virtualTimer: "irq/virtual_timer"
        case .device: "irq/device"
        case .otherInterrupt: "irq/other"
        }
    }

    /// A trap from a guest: its syndrome (HSR), r12 (the Xen hypercall
    /// number of an HVC) and, for a stage-2 data abort, the kind of the MMIO
    /// region it hit (nil: none, the guest gets the abort).
    public static func trap(syndrome: UInt32, hypercall: UInt32, region: MMIORegionKind?) -> TrapKind {
        switch ExceptionClass(syndrome: syndrome) {
        case .hvc:
            let immediate = UInt32(HypervisorCallSyndrome(syndrome: syndrome).immediate)
            if immediate == 0 { return .psci }
            if immediate != xenHypercallImmediate { return .otherHVC }
            switch Hypercall(rawValue: hypercall) {
            case .consoleIO: return .consoleIO
            case .xenVersion: return .xenVersion
            case .memoryOp: return .memoryOp
            case .grantTableOp: return .grantTableOp
            case .vcpuOp: return .vcpuOp
            case .schedOp: return .schedOp
            case .eventChannelOp: return .eventChannelOp
            case .hvmOp: return .hvmOp
            default: return .otherXen
            }
        case .dataAbortFromGuest:
            switch region {
            case .distributor: return .distributor
            case .forwarded: return .forwarded
            case nil: return .refusedAccess
            }
        case .cp15Mcr: return .cp15
        case .wfiOrWfe: return syndrome & 1 == 0 ? .wfi : .wfe  // ISS.TI
        default: return .otherTrap
        }
    }

    /// A physical interrupt taken while a guest ran, by its INTID.
    public static func interrupt(_ intid: UInt32, hypTimer: UInt32, maintenance: UInt32, virtualTimer: UInt32) -> TrapKind {
        if intid == hypTimer { return .hypTimer }
        if intid == maintenance { return .maintenance }
        if intid == virtualTimer { return .virtualTimer }
        if intid >= 32 && intid < 1020 { return .device }
        return .otherInterrupt
    }
}
