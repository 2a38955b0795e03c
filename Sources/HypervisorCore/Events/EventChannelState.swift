// What one port of one domain is, and what EVTCHNOP_status reports about it.

/// The state of a port (Xen's ECS_*; PIRQ and IPI channels are not implemented).
public enum EventChannelState: Equatable, Sendable {
    /// Not in use: may be allocated.
    case free
    /// Never allocated: port 0 of every domain, as in Xen.
    case reserved
    /// Allocated by alloc_unbound, waiting for `remoteDomain` to bind to it.
    case unbound(remoteDomain: UInt16)
    /// Connected: events sent here go to `remotePort` of `remoteDomain`, whose
    /// state is `.interdomain` pointing back at this port.
    case interdomain(remoteDomain: UInt16, remotePort: UInt32)
    /// Bound to virtual IRQ `virq` on `vcpu` (bind_virq; a global one may be moved by bind_vcpu).
    case virq(UInt32, vcpu: UInt32)

    /// Neither free nor reserved.
    public var isBound: Bool {
        switch self {
        case .free, .reserved: return false
        case .unbound, .interdomain, .virq: return true
        }
    }
}

/// The OUT part of EVTCHNOP_status.
public struct EventChannelStatus: Equatable, Sendable {
    /// The union member that goes with `code`.
    public enum Binding: Equatable, Sendable {
        case none
        case unbound(remoteDomain: UInt16)
        case interdomain(remoteDomain: UInt16, remotePort: UInt32)
        case virq(UInt32)
    }

    public var code: EventChannelStatusCode
    /// The VCPU the channel notifies.
    public var vcpu: UInt32
    public var binding: Binding

    public init(code: EventChannelStatusCode, vcpu: UInt32, binding: Binding) {
        self.code = code
        self.vcpu = vcpu
        self.binding = binding
    }

    /// Status of a port in `state` (free and reserved ports are "closed").
    public init(_ state: EventChannelState) {
        switch state {
        case .free, .reserved:
            self.init(code: .closed, vcpu: 0, binding: .none)
        case .unbound(let remote):
            self.init(code: .unbound, vcpu: 0, binding: .unbound(remoteDomain: remote))
        case .interdomain(let remote, let port):
            self.init(code: .interdomain, vcpu: 0, binding: .interdomain(remoteDomain: remote, remotePort: port))
        case .virq(let virq, let vcpu):
            self.init(code: .virq, vcpu: vcpu, binding: .virq(virq))
        }
    }
}
