// The argument structures of the EVTCHNOP sub-operations Apus implements, at
// Xen's offsets (event_channel.h, laid out by the AAPCS: domid_t is 2 bytes,
// evtchn_port_t and uint32_t are 4-byte aligned). `decode` reads the IN fields
// from the guest's bytes and `encode` writes only the OUT fields back, so the
// guest sees what Xen's copy-in/copy-out would leave. A buffer shorter than
// the structure is -EFAULT (Xen's answer to a failed copy_from_guest).

/// EVTCHNOP_alloc_unbound: { domid_t dom @0, remote_dom @2; OUT port @4 }.
public struct AllocUnboundArguments: Equatable, Sendable {
    public static let size = 8
    public var domain: UInt16
    public var remoteDomain: UInt16
    public var port: UInt32

    public init(domain: UInt16, remoteDomain: UInt16, port: UInt32 = 0) {
        self.domain = domain
        self.remoteDomain = remoteDomain
        self.port = port
    }

    public static func decode(_ bytes: UnsafeMutableRawBufferPointer) -> Result<Self, XenError> {
        guard bytes.count >= size else { return .failure(.fault) }
        return .success(Self(domain: EventArgumentBytes.uint16(bytes, at: 0),
                             remoteDomain: EventArgumentBytes.uint16(bytes, at: 2),
                             port: EventArgumentBytes.uint32(bytes, at: 4)))
    }

    /// Writes `port`.
    public func encode(into bytes: UnsafeMutableRawBufferPointer) -> Result<Void, XenError> {
        guard bytes.count >= Self.size else { return .failure(.fault) }
        EventArgumentBytes.store(port, bytes, at: 4)
        return .success(())
    }
}

/// EVTCHNOP_bind_interdomain: { domid_t remote_dom @0; port remote_port @4; OUT local_port @8 }.
public struct BindInterdomainArguments: Equatable, Sendable {
    public static let size = 12
    public var remoteDomain: UInt16
    public var remotePort: UInt32
    public var localPort: UInt32

    public init(remoteDomain: UInt16, remotePort: UInt32, localPort: UInt32 = 0) {
        self.remoteDomain = remoteDomain
        self.remotePort = remotePort
        self.localPort = localPort
    }

    public static func decode(_ bytes: UnsafeMutableRawBufferPointer) -> Result<Self, XenError> {
        guard bytes.count >= size else { return .failure(.fault) }
        return .success(Self(remoteDomain: EventArgumentBytes.uint16(bytes, at: 0),
                             remotePort: EventArgumentBytes.uint32(bytes, at: 4),
                             localPort: EventArgumentBytes.uint32(bytes, at: 8)))
    }

    /// Writes `localPort`.
    public func encode(into bytes: UnsafeMutableRawBufferPointer) -> Result<Void, XenError> {
        guard bytes.count >= Self.size else { return .failure(.fault) }
        EventArgumentBytes.store(localPort, bytes, at: 8)
        return .success(())
    }
}

/// EVTCHNOP_bind_virq: { uint32 virq @0, vcpu @4; OUT port @8 }.
public struct BindVirqArguments: Equatable, Sendable {
    public static let size = 12
    public var virq: UInt32
    public var vcpu: UInt32
    public var port: UInt32

    public init(virq: UInt32, vcpu: UInt32, port: UInt32 = 0) {
        self.virq = virq
        self.vcpu = vcpu
        self.port = port
    }

    public static func decode(_ bytes: UnsafeMutableRawBufferPointer) -> Result<Self, XenError> {
        guard bytes.count >= size else { return .failure(.fault) }
        return .success(Self(virq: EventArgumentBytes.uint32(bytes, at: 0),
                             vcpu: EventArgumentBytes.uint32(bytes, at: 4),
                             port: EventArgumentBytes.uint32(bytes, at: 8)))
    }

    /// Writes `port`.
    public func encode(into bytes: UnsafeMutableRawBufferPointer) -> Result<Void, XenError> {
        guard bytes.count >= Self.size else { return .failure(.fault) }
        EventArgumentBytes.store(port, bytes, at: 8)
        return .success(())
    }
}

/// EVTCHNOP_close, EVTCHNOP_send and EVTCHNOP_unmask: { port @0 }, IN only.
public struct PortArgument: Equatable, Sendable {
    public static let size = 4
    public var port: UInt32

    public init(port: UInt32) { self.port = port }

    public static func decode(_ bytes: UnsafeMutableRawBufferPointer) -> Result<Self, XenError> {
        guard bytes.count >= size else { return .failure(.fault) }
        return .success(Self(port: EventArgumentBytes.uint32(bytes, at: 0)))
    }
}

/// EVTCHNOP_status: { domid_t dom @0; port @4; OUT status @8, vcpu @12, union u @16 }
/// where u is unbound { domid_t dom @16 }, interdomain { domid_t dom @16; port @20 }
/// or virq { uint32 @16 }; the union is 8 bytes, the structure 24.
public struct StatusArguments: Equatable, Sendable {
    public static let size = 24
    public var domain: UInt16
    public var port: UInt32

    public init(domain: UInt16, port: UInt32) {
        self.domain = domain
        self.port = port
    }

    public static func decode(_ bytes: UnsafeMutableRawBufferPointer) -> Result<Self, XenError> {
        guard bytes.count >= size else { return .failure(.fault) }
        return .success(Self(domain: EventArgumentBytes.uint16(bytes, at: 0),
                             port: EventArgumentBytes.uint32(bytes, at: 4)))
    }

    /// Writes `status`, `vcpu` and the union member of that status (the other
    /// union bytes keep what the guest had there, as with Xen's copy-back).
    public static func encode(_ status: EventChannelStatus, into bytes: UnsafeMutableRawBufferPointer)
        -> Result<Void, XenError>
    {
        guard bytes.count >= size else { return .failure(.fault) }
        EventArgumentBytes.store(status.code.rawValue, bytes, at: 8)
        EventArgumentBytes.store(status.vcpu, bytes, at: 12)
        switch status.binding {
        case .none:
            break
        case .unbound(let remoteDomain):
            EventArgumentBytes.store(remoteDomain, bytes, at: 16)
        case .interdomain(let remoteDomain, let remotePort):
            EventArgumentBytes.store(remoteDomain, bytes, at: 16)
            EventArgumentBytes.store(remotePort, bytes, at: 20)
        case .virq(let virq):
            EventArgumentBytes.store(virq, bytes, at: 16)
        }
        return .success(())
    }
}
