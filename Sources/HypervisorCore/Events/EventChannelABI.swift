// Xen's event-channel ABI numbers (xen/include/public/event_channel.h and
// xen.h): the EVTCHNOP sub-operations of hypercall 32, the status codes of
// EVTCHNOP_status, DOMID_SELF and the virtual IRQ numbers. Values only; the
// argument layouts are in EventChannelArguments.swift.

/// event_channel_op sub-operations (the `cmd` in r0; r1 points at the argument).
public enum EventChannelCommand: UInt32, Sendable {
    case bindInterdomain = 0
    case bindVirq = 1
    case bindPirq = 2
    case close = 3
    case send = 4
    case status = 5
    case allocUnbound = 6
    case bindIPI = 7
    case bindVCPU = 8
    case unmask = 9
    case reset = 10
    case initControl = 11
    case expandArray = 12
    case setPriority = 13

    /// Bytes of the argument structure the hypervisor must hand over for the
    /// sub-operations Apus implements; nil for the others (they answer -ENOSYS
    /// without touching guest memory).
    public var argumentSize: Int? {
        switch self {
        case .allocUnbound: return AllocUnboundArguments.size
        case .bindInterdomain: return BindInterdomainArguments.size
        case .bindVirq: return BindVirqArguments.size
        case .close, .send, .unmask: return PortArgument.size
        case .status: return StatusArguments.size
        case .bindVCPU: return EventChannelTable.bindVCPUArgumentSize
        case .bindPirq, .bindIPI, .reset, .initControl, .expandArray, .setPriority:
            return nil
        }
    }
}

/// Domain ids (domid_t) are UInt16 and ports (evtchn_port_t) UInt32 throughout.
public enum EventChannelABI {
    /// DOMID_SELF: "the calling domain" wherever a domid_t argument is taken.
    public static let domainSelf: UInt16 = 0x7FF0
    /// Bits per xen_ulong_t (64 on ARM, for 32- and 64-bit guests alike): ports
    /// per pending/mask word and words per selector.
    public static let bitsPerWord: UInt32 = 64
    /// Ports the 2-level ABI can name on ARM: 64 words of 64 bits.
    public static let twoLevelPortLimit: UInt32 = 4096
}

/// EVTCHNSTAT_* values written by EVTCHNOP_status.
public enum EventChannelStatusCode: UInt32, Sendable {
    case closed = 0
    case unbound = 1
    case interdomain = 2
    case pirq = 3
    case virq = 4
    case ipi = 5
}

/// Virtual IRQs (xen.h VIRQ_*): NR_VIRQS of them, some per VCPU, the rest global.
public enum VirtualIRQ {
    public static let timer: UInt32 = 0
    public static let debug: UInt32 = 1
    public static let console: UInt32 = 2
    public static let domainException: UInt32 = 3
    public static let xenoprof: UInt32 = 7
    public static let xenPMU: UInt32 = 13
    /// NR_VIRQS.
    public static let count: UInt32 = 24

    /// Whether Apus ever raises `virq`. EVTCHNOP_bind_virq refuses the others
    /// with -EINVAL, as Xen refuses a VIRQ number it does not know, rather than
    /// hand out a port that never fires. VIRQ_CONSOLE is raised when console
    /// input arrives for the VM (only without a console driver domain).
    public static func isRaisedByApus(_ virq: UInt32) -> Bool { virq == console }

    /// Per-VCPU VIRQs ("V." in xen.h) may be bound once per VCPU; every other
    /// number (including the ARM arch VIRQs 16..23) is global and binds on VCPU 0.
    public static func isGlobal(_ virq: UInt32) -> Bool {
        switch virq {
        case timer, debug, xenoprof, xenPMU: return false
        default: return true
        }
    }
}
