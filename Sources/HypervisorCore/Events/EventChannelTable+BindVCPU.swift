// EVTCHNOP_bind_vcpu { port @0; vcpu @4 }: which VCPU a port notifies (Xen's
// notify_vcpu_id). Linux asks for it when it sets the affinity of an event IRQ;
// it masks the port around the change and its unmask re-raises a pending port
// on the new VCPU.

extension EventChannelTable {
    public static let bindVCPUArgumentSize = 8

    /// Xen's answers: -ENOENT for a VCPU the domain does not have or a port
    /// beyond its table; -EINVAL for a port that is free or reserved, or bound
    /// to a per-VCPU VIRQ (which stays with its VCPU).
    public mutating func bindVCPU(caller: UInt16, port: UInt32, vcpu: UInt32) -> Result<Void, XenError> {
        guard exists(caller) else { return .failure(.noSuchDomain) }
        guard vcpu < UInt32(vcpuCounts[Int(caller)]), port < Self.portsPerDomain else { return .failure(.noEntry) }
        switch slots[Self.index(caller, port)] {
        case .unbound, .interdomain:
            break
        case .virq(let virq, _):
            guard VirtualIRQ.isGlobal(virq) else { return .failure(.invalid) }
        case .free, .reserved:
            return .failure(.invalid)
        }
        notifiedVCPUs[Self.index(caller, port)] = UInt8(truncatingIfNeeded: vcpu)
        return .success(())
    }
}
