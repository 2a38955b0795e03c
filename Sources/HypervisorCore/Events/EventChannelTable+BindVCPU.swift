// EVTCHNOP_bind_vcpu { port @0; vcpu @4 }: which VCPU a port notifies. Apus
// guests have one VCPU, so binding to VCPU 0 is the only binding there is;
// Linux asks for it when it sets the affinity of an event IRQ.

extension EventChannelTable {
    public static let bindVCPUArgumentSize = 8

    /// Xen's answers: -ENOENT for a VCPU the domain does not have or a port
    /// beyond its table, -EINVAL for a port that is free or reserved.
    public mutating func bindVCPU(caller: UInt16, port: UInt32, vcpu: UInt32) -> Result<Void, XenError> {
        guard exists(caller) else { return .failure(.noSuchDomain) }
        guard vcpu == 0, port < Self.portsPerDomain else { return .failure(.noEntry) }
        guard slots[Self.index(caller, port)].isBound else { return .failure(.invalid) }
        return .success(())
    }
}
