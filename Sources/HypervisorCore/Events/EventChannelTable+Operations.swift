// The EVTCHNOP operations on the table, one function each, with Xen's checks
// in Xen's order (see the design comment in EventChannelTable.swift). The
// caller is the domain that made the hypercall; a caller without an attached
// page is -ESRCH.

/// A new local port of bind_interdomain, and the upcall Xen's conservative
/// "pending on bind" may need.
public struct InterdomainBinding: Equatable, Sendable {
    public var localPort: UInt32
    public var notification: EventNotification?

    public init(localPort: UInt32, notification: EventNotification?) {
        self.localPort = localPort
        self.notification = notification
    }
}

extension EventChannelTable {
    /// EVTCHNOP_alloc_unbound: a fresh port of the caller that `remoteDomain`
    /// (DOMID_SELF: the caller) may bind to.
    public mutating func allocateUnbound(caller: UInt16, domain: UInt16, remoteDomain: UInt16)
        -> Result<UInt32, XenError>
    {
        guard exists(caller) else { return .failure(.noSuchDomain) }
        let target = domain == EventChannelABI.domainSelf ? caller : domain
        guard target == caller else { return .failure(exists(target) ? .permissionDenied : .noSuchDomain) }
        guard let port = freePort(of: caller) else { return .failure(.noSpace) }
        let remote = remoteDomain == EventChannelABI.domainSelf ? caller : remoteDomain
        slots[Self.index(caller, port)] = .unbound(remoteDomain: remote)
        return .success(port)
    }

    /// EVTCHNOP_bind_interdomain: connects a fresh port of the caller to
    /// `remotePort` of `remoteDomain` (DOMID_SELF: the caller), which must be
    /// unbound and reserved for the caller.
    public mutating func bindInterdomain(caller: UInt16, remoteDomain: UInt16, remotePort: UInt32)
        -> Result<InterdomainBinding, XenError>
    {
        guard exists(caller) else { return .failure(.noSuchDomain) }
        let remote = remoteDomain == EventChannelABI.domainSelf ? caller : remoteDomain
        guard exists(remote) else { return .failure(.noSuchDomain) }
        guard let local = freePort(of: caller) else { return .failure(.noSpace) }
        guard remotePort < Self.portsPerDomain,
              slots[Self.index(remote, remotePort)] == .unbound(remoteDomain: caller)
        else { return .failure(.invalid) }
        slots[Self.index(caller, local)] = .interdomain(remoteDomain: remote, remotePort: remotePort)
        slots[Self.index(remote, remotePort)] = .interdomain(remoteDomain: caller, remotePort: local)
        return .success(InterdomainBinding(localPort: local, notification: deliver(caller, local)))
    }

    /// EVTCHNOP_bind_virq: a fresh port of the caller for VIRQ `virq` on `vcpu`.
    public mutating func bindVirq(caller: UInt16, virq: UInt32, vcpu: UInt32) -> Result<UInt32, XenError> {
        guard exists(caller) else { return .failure(.noSuchDomain) }
        guard virq < VirtualIRQ.count else { return .failure(.invalid) }
        if VirtualIRQ.isGlobal(virq) && vcpu != 0 { return .failure(.invalid) }
        guard vcpu < UInt32(vcpuCounts[Int(caller)]) else { return .failure(.noEntry) }
        guard virqPorts[Self.virqIndex(caller, virq)] == 0 else { return .failure(.exists) }
        guard let port = freePort(of: caller) else { return .failure(.noSpace) }
        slots[Self.index(caller, port)] = .virq(virq, vcpu: vcpu)
        notifiedVCPUs[Self.index(caller, port)] = UInt8(truncatingIfNeeded: vcpu)
        virqPorts[Self.virqIndex(caller, virq)] = UInt8(truncatingIfNeeded: port)
        return .success(port)
    }

    /// EVTCHNOP_close: frees a bound port of the caller.
    public mutating func close(caller: UInt16, port: UInt32) -> Result<Void, XenError> {
        guard exists(caller) else { return .failure(.noSuchDomain) }
        guard port < Self.portsPerDomain else { return .failure(.invalid) }
        switch slots[Self.index(caller, port)] {
        case .free, .reserved:
            return .failure(.invalid)
        case .unbound:
            break
        case .virq(let virq, _):
            virqPorts[Self.virqIndex(caller, virq)] = 0
        case .interdomain(let remote, let remotePort):
            slots[Self.index(remote, remotePort)] = .unbound(remoteDomain: caller)
        }
        slots[Self.index(caller, port)] = .free
        notifiedVCPUs[Self.index(caller, port)] = 0
        pages[Int(caller)]!.clearPending(port)
        return .success(())
    }

    /// EVTCHNOP_send: marks the peer of an interdomain port pending; the
    /// notification names the peer when it needs the upcall.
    @inline(__always)  // every notification: no calls between the hypercall and the page
    public mutating func send(caller: UInt16, port: UInt32) -> Result<EventNotification?, XenError> {
        guard exists(caller) else { return .failure(.noSuchDomain) }
        guard port < Self.portsPerDomain else { return .failure(.invalid) }
        switch slots[Self.index(caller, port)] {
        case .interdomain(let remote, let remotePort):
            return .success(deliver(remote, remotePort))
        case .unbound:
            return .success(nil)
        case .free, .reserved, .virq:
            return .failure(.invalid)
        }
    }

    /// EVTCHNOP_status of `port` of `domain` (DOMID_SELF: the caller).
    public mutating func status(caller: UInt16, domain: UInt16, port: UInt32) -> Result<EventChannelStatus, XenError> {
        guard exists(caller) else { return .failure(.noSuchDomain) }
        let target = domain == EventChannelABI.domainSelf ? caller : domain
        guard target == caller else { return .failure(exists(target) ? .permissionDenied : .noSuchDomain) }
        guard port < Self.portsPerDomain else { return .failure(.invalid) }
        var status = EventChannelStatus(slots[Self.index(caller, port)])
        if status.code != .closed { status.vcpu = notifiedVCPU(caller, port) }
        return .success(status)
    }

    /// EVTCHNOP_unmask: clears the mask bit; a pending port raises the upcall again
    /// (on the VCPU it notifies).
    public mutating func unmask(caller: UInt16, port: UInt32) -> Result<EventNotification?, XenError> {
        guard exists(caller) else { return .failure(.noSuchDomain) }
        guard port < Self.portsPerDomain else { return .failure(.invalid) }
        let vcpu = notifiedVCPU(caller, port)
        guard let page = page(of: caller, vcpu: vcpu) else {
            pages[Int(caller)]!.clearMask(port)  // no vcpu_info yet: registering one raises it
            return .success(nil)
        }
        guard page.unmask(port) else { return .success(nil) }
        return .success(EventNotification(domain: caller, vcpu: vcpu))
    }

    /// A virtual IRQ raised by the hypervisor (e.g. VIRQ_CONSOLE): marks the
    /// domain's port for it pending. Nil when unbound or no upcall is needed.
    public mutating func raiseVirq(domain: UInt16, virq: UInt32) -> EventNotification? {
        guard exists(domain), virq < VirtualIRQ.count else { return nil }
        let port = UInt32(virqPorts[Self.virqIndex(domain, virq)])
        guard port != 0 else { return nil }
        return deliver(domain, port)
    }

    /// Whether `domain` has a port bound to `virq`.
    public mutating func isVirqBound(domain: UInt16, virq: UInt32) -> Bool {
        exists(domain) && virq < VirtualIRQ.count && virqPorts[Self.virqIndex(domain, virq)] != 0
    }

    /// Sets `port` of `domain` pending; the notification when the VCPU it notifies
    /// needs the upcall.
    @inline(__always)
    mutating func deliver(_ domain: UInt16, _ port: UInt32) -> EventNotification? {
        let vcpu = notifiedVCPU(domain, port)
        guard let page = page(of: domain, vcpu: vcpu) else {
            pages[Int(domain)]?.markPending(port)  // no vcpu_info yet: registering one raises it
            return nil
        }
        guard page.setPending(port) else { return nil }
        return EventNotification(domain: domain, vcpu: vcpu)
    }

    /// The VCPU a port notifies (VCPU 0 unless bind_virq or bind_vcpu said otherwise).
    @inline(__always)
    mutating func notifiedVCPU(_ domain: UInt16, _ port: UInt32) -> UInt32 {
        UInt32(notifiedVCPUs[Self.index(domain, port)])
    }
}
