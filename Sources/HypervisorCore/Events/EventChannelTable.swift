// EventChannelTable: every domain's event-channel ports, as pure state plus
// each domain's event page (its shared_info bitmaps and vcpu_info). The
// hypervisor decodes an event_channel_op hypercall into one of the operations
// in EventChannelTable+Operations.swift (or lets `perform` do it), and injects
// the upcall PPI into the domain an operation names in its EventNotification.
//
// Capacity (fixed, no allocation): `domainCapacity` (8) domains with ids
// 0..7, each with `portsPerDomain` (64) ports, so one pending word and one
// selector bit per domain; up to `vcpusPerDomain` (4) VCPUs per domain, as the
// vGIC model. A domain exists for event channels while its event page is
// attached; ids of absent domains answer -ESRCH.
//
// Each port notifies one VCPU of its domain (Xen's notify_vcpu_id): VCPU 0,
// a VIRQ's VCPU from bind_virq, or the one EVTCHNOP_bind_vcpu names. Its
// pending bit is in the domain's shared_info, its selector bit and upcall flag
// in that VCPU's vcpu_info: VCPU 0's starts in shared_info, the others' exist
// once the guest registers them (VCPUOP_register_vcpu_info; until then an event
// for such a VCPU only sets the pending bit, as Xen's dummy vcpu_info does, and
// registering raises every selector).
//
// Port states (EventChannelState, Xen's ECS_* without PIRQ and IPI):
//   reserved     port 0 of every domain, never allocated (Xen reserves it too).
//   free         allocatable; its pending bit is clear.
//   unbound(r)   made by alloc_unbound; only domain r may bind_interdomain to it.
//   interdomain(r, q)  connected to port q of domain r.
//   virq(v, c)   bound to virtual IRQ v, delivered to VCPU c.
//
// Rules, following Xen's event_channel.c:
//   - alloc_unbound allocates in the caller only: `dom` must be DOMID_SELF or
//     the caller's id (there is no privileged domain yet: another existing
//     domain is -EPERM, a missing one -ESRCH). remote_dom DOMID_SELF means the
//     caller (loopback); any other id is stored unchecked, as Xen does.
//   - bind_interdomain takes a fresh local port and turns both ends into
//     interdomain; the remote port must be unbound and reserved for the caller
//     (-EINVAL otherwise). Like Xen it then marks the new local port pending,
//     in case the peer sent while unbound (those sends were dropped).
//   - close frees the port and clears its pending bit; an interdomain peer
//     goes back to unbound, reserved for the closer, ready for a new bind.
//   - send on interdomain marks the peer's port pending; on unbound it is
//     silently dropped (success); on free, reserved, virq or out-of-range
//     ports it is -EINVAL. Ports are per domain, so another domain's port
//     number is simply one of the caller's own (usually free: -EINVAL).
//   - unmask clears the mask bit and re-raises the port if it is pending.
//   - status of another domain is -EPERM (-ESRCH if absent), as for an
//     unprivileged Xen domain; free and reserved ports report "closed".
//   - No free port: -ENOSPC.
//
// Invariants (kept by every operation, checked by `invariantViolation`):
//   - port 0 of every domain is reserved; ports of absent domains are free.
//   - interdomain(r, q) at (d, p) implies domain r exists and (r, q) is
//     interdomain(d, p): the two ends point at each other, so no port is the
//     peer of two channels.
//   - virq(v, c) at (d, p) iff virqPorts[d][v] == p: a VIRQ is bound at most once.
//   - a free port is not pending in its domain's page and notifies VCPU 0; every
//     port notifies a VCPU its domain has.
//
// Every method that reads the table is `mutating`, even the pure queries:
// on armv7 a read of an InlineArray element through a borrowed `self` copies
// the whole array to the stack first (6 KB here, measured with Swift 6.3.1
// -Osize), while an inout `self` is read in place. Keep the table in a `var`.
public struct EventChannelTable {
    public static let domainCapacity = 8
    public static let portsPerDomain: UInt32 = 64
    public static let vcpusPerDomain: UInt32 = 4
    static let slotCount = 512
    static let virqSlotCount = 192  // domainCapacity * VirtualIRQ.count

    var slots: InlineArray<512, EventChannelState>
    var pages: InlineArray<8, EventPage?>
    /// Domain d's port for VIRQ v at d * 24 + v; 0 when unbound.
    var virqPorts: InlineArray<192, UInt8>
    /// The VCPU each port notifies, at the port's slot.
    var notifiedVCPUs: InlineArray<512, UInt8>
    /// How many VCPUs each domain has (set by `attach`).
    var vcpuCounts: InlineArray<8, UInt8>
    /// Domain d's VCPU v's registered vcpu_info at d * 4 + v, for v >= 1 (VCPU 0's
    /// is the one in `pages[d]`); nil until the guest registers it.
    var secondaryVCPUInfos: InlineArray<32, UnsafeMutableRawPointer?>

    /// No domains; every port free except the reserved port 0.
    public init() {
        slots = InlineArray(repeating: .free)
        pages = InlineArray(repeating: nil)
        virqPorts = InlineArray(repeating: 0)
        notifiedVCPUs = InlineArray(repeating: 0)
        vcpuCounts = InlineArray(repeating: 1)
        secondaryVCPUInfos = InlineArray(repeating: nil)
        var domain = 0
        while domain < Self.domainCapacity {
            slots[domain &* Int(Self.portsPerDomain)] = .reserved
            domain &+= 1
        }
    }

    /// Makes `domain` exist, with `vcpus` VCPUs (1...vcpusPerDomain) and `page` as
    /// its shared_info and VCPU 0's vcpu_info. The hypervisor attaches every VM's
    /// page at boot, and again when the guest moves its shared_info. False if the
    /// id or the VCPU count is out of range.
    public mutating func attach(domain: UInt16, page: EventPage, vcpus: Int = 1) -> Bool {
        guard Int(domain) < Self.domainCapacity, vcpus >= 1, vcpus <= Int(Self.vcpusPerDomain) else { return false }
        pages[Int(domain)] = page
        vcpuCounts[Int(domain)] = UInt8(truncatingIfNeeded: vcpus)
        return true
    }

    /// VCPUOP_register_vcpu_info: `vcpu`'s events go through the vcpu_info at
    /// `vcpuInfo` from now on (the caller copies the old one over and raises it).
    /// False for a domain or VCPU that does not exist.
    public mutating func registerVCPUInfo(domain: UInt16, vcpu: UInt32, at vcpuInfo: UnsafeMutableRawPointer) -> Bool {
        guard exists(domain), vcpu < UInt32(vcpuCounts[Int(domain)]) else { return false }
        if vcpu == 0 {
            pages[Int(domain)] = EventPage(sharedInfo: pages[Int(domain)]!.sharedInfo, vcpuInfo: vcpuInfo)
        } else {
            secondaryVCPUInfos[Self.vcpuSlot(domain, Int(vcpu))] = vcpuInfo
        }
        return true
    }

    /// The event page `vcpu` of `domain` sees: the shared_info with that VCPU's
    /// vcpu_info; nil when the domain is absent or the VCPU has none yet.
    @inline(__always)  // every notification asks
    public mutating func page(of domain: UInt16, vcpu: UInt32) -> EventPage? {
        guard exists(domain), vcpu < UInt32(vcpuCounts[Int(domain)]) else { return nil }
        guard vcpu != 0 else { return pages[Int(domain)] }
        guard let info = secondaryVCPUInfos[Self.vcpuSlot(domain, Int(vcpu))] else { return nil }
        return EventPage(sharedInfo: pages[Int(domain)]!.sharedInfo, vcpuInfo: info)
    }

    /// Where `domain`'s VCPU `vcpu` keeps its registered vcpu_info in `secondaryVCPUInfos`.
    @inline(__always)
    static func vcpuSlot(_ domain: UInt16, _ vcpu: Int) -> Int { Int(domain) &* Int(vcpusPerDomain) &+ vcpu }

    /// Closes every port of `domain` (interdomain peers become unbound, as in
    /// Xen's domain destruction) and forgets its page. For a VM that is stopped.
    public mutating func detach(domain: UInt16) {
        guard exists(domain) else { return }
        var port: UInt32 = 1
        while port < Self.portsPerDomain {
            if slots[Self.index(domain, port)].isBound { _ = close(caller: domain, port: port) }
            port &+= 1
        }
        pages[Int(domain)] = nil
        vcpuCounts[Int(domain)] = 1
        for vcpu in 0..<Int(Self.vcpusPerDomain) { secondaryVCPUInfos[Self.vcpuSlot(domain, vcpu)] = nil }
    }

    /// The state of `port` of `domain`; nil when either is out of range.
    public mutating func state(domain: UInt16, port: UInt32) -> EventChannelState? {
        guard Int(domain) < Self.domainCapacity, port < Self.portsPerDomain else { return nil }
        return slots[Self.index(domain, port)]
    }

    /// The event page attached for `domain`.
    public mutating func page(of domain: UInt16) -> EventPage? {
        Int(domain) < Self.domainCapacity ? pages[Int(domain)] : nil
    }

    @inline(__always)
    mutating func exists(_ domain: UInt16) -> Bool {
        Int(domain) < Self.domainCapacity && pages[Int(domain)] != nil
    }

    @inline(__always)
    static func index(_ domain: UInt16, _ port: UInt32) -> Int {
        Int(domain) &* Int(portsPerDomain) &+ Int(port)
    }

    @inline(__always)
    static func virqIndex(_ domain: UInt16, _ virq: UInt32) -> Int {
        Int(domain) &* Int(VirtualIRQ.count) &+ Int(virq)
    }

    /// The lowest free port of `domain`.
    mutating func freePort(of domain: UInt16) -> UInt32? {
        var port: UInt32 = 1
        while port < Self.portsPerDomain {
            if slots[Self.index(domain, port)] == .free { return port }
            port &+= 1
        }
        return nil
    }

    /// The first broken invariant, or nil. For tests and debug checks.
    public mutating func invariantViolation() -> StaticString? {
        var d: UInt16 = 0
        while Int(d) < Self.domainCapacity {
            if slots[Self.index(d, 0)] != .reserved { return "port 0 is not reserved" }
            var p: UInt32 = 1
            while p < Self.portsPerDomain {
                if let problem = violation(at: d, p) { return problem }
                p &+= 1
            }
            var v: UInt32 = 0
            while v < VirtualIRQ.count {
                let port = UInt32(virqPorts[Self.virqIndex(d, v)])
                if port != 0 {
                    guard port < Self.portsPerDomain, case .virq(v, _) = slots[Self.index(d, port)] else {
                        return "VIRQ map names a port not bound to that VIRQ"
                    }
                }
                v &+= 1
            }
            d &+= 1
        }
        return nil
    }

    private mutating func violation(at d: UInt16, _ p: UInt32) -> StaticString? {
        let state = slots[Self.index(d, p)]
        let notified = notifiedVCPUs[Self.index(d, p)]
        if !exists(d) { return state == .free ? nil : "a port of an absent domain is in use" }
        if notified >= vcpuCounts[Int(d)] { return "a port notifies a VCPU its domain does not have" }
        switch state {
        case .reserved:
            return "a port other than 0 is reserved"
        case .free:
            if notified != 0 { return "a free port notifies a VCPU other than 0" }
            return pages[Int(d)]!.isPending(p) ? "a free port is pending" : nil
        case .unbound:
            return nil
        case .interdomain(let r, let q):
            guard exists(r), q < Self.portsPerDomain,
                  slots[Self.index(r, q)] == .interdomain(remoteDomain: d, remotePort: p)
            else { return "interdomain ends do not point at each other" }
            return nil
        case .virq(let v, let c):
            guard v < VirtualIRQ.count, c < UInt32(vcpuCounts[Int(d)]),
                  UInt32(virqPorts[Self.virqIndex(d, v)]) == p
            else { return "a VIRQ port is missing from the VIRQ map" }
            return nil
        }
    }
}

/// "Inject the event upcall (virtual PPI 31) into this VCPU of this domain."
public struct EventNotification: Equatable, Sendable {
    public var domain: UInt16
    public var vcpu: UInt32

    public init(domain: UInt16, vcpu: UInt32) {
        self.domain = domain
        self.vcpu = vcpu
    }
}
