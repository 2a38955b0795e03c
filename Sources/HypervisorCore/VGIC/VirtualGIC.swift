// VirtualGIC: the GICv2 one VM sees, as pure state. The hypervisor traps the
// guest's distributor accesses into `read`/`write`, turns physical interrupts
// into `inject`, loads the list registers from `fillListRegisters` on every
// entry to the VCPU and hands them back to `sync(fromHardware:)` on every exit.
// The guest's CPU interface is the real GICV, driven by those list registers.
//
// State (every flag is an InterruptSet, a 160-bit bank like the GICD's):
//   owned                the INTIDs this VM may see: all SGIs, the PPIs the hypervisor
//                        grants (virtual timer 27, event-channel upcall 31) and the SPIs
//                        of its passthrough devices. Fixed at creation.
//   distributorEnabled   GICD_CTLR.Enable: when clear, nothing is signalled.
//   enabled              GICD_ISENABLER bits.
//   pending, active      the interrupt's GICv2 state. It is the whole truth between an
//                        exit and the next entry: `sync` folds what the guest did to the
//                        list registers back into it, `fill` derives the list registers
//                        from it. There is no separate queue: pending interrupts that do
//                        not fit the list registers simply stay pending here.
//   pendingFromHardware  the pending instance came from a physical interrupt that is still
//                        active at the physical GIC (hardware-linked: passthrough SPIs, the
//                        virtual timer). It goes to a list register with the HW bit, so the
//                        guest's EOI deactivates the physical interrupt.
//   activeFromHardware   the active instance is such a hardware-linked one.
//   edgeTriggered        GICD_ICFGR Int_config[1]; SGIs are always edge, PPIs level.
//   priorities           GICD_IPRIORITYR bytes, low three bits zero.
//   eoiNotification      INTIDs whose completion the hypervisor wants to hear about.
//   listRegisters        which INTID each of the four list registers holds.
//   changedSinceFill     set by every change to the above, cleared by a fill: the
//                        hypervisor skips the fill (and the GICH writes) while it is clear.
//
// Invariants (kept by every mutating method, checked by the property tests):
//   - enabled, pending, active and both hardware sets are subsets of `owned`;
//     no guest write and no injection can reach an INTID outside it.
//   - pendingFromHardware ⊆ pending, activeFromHardware ⊆ active.
//   - An INTID sits in at most one list register; after `fillListRegisters` every
//     occupied list register has a non-invalid state.
//   - An active interrupt that is in a list register stays there until the guest
//     completes it (it is never evicted); only pending-only entries are evicted
//     for more urgent ones.
//
// Contract with the hypervisor: for the VCPU that was running, call
// `sync(fromHardware:)` on exit before anything else touches this model, and
// `fillListRegisters` just before entry; the model is never changed while the
// guest runs. A VM has one VCPU for now (`vcpuCount`); methods take a VCPU index
// where GICv2 banks state per CPU (SGIs, PPIs, list registers), and a second
// VCPU needs per-VCPU copies of word 0 of each bank, of priorities 0..31 and of
// the list register file.

public struct VirtualGIC: Sendable {
    /// VCPUs per VM the model supports.
    public static let vcpuCount = 1
    /// The event-channel upcall PPI (Xen's ARM convention) and the virtual timer PPI.
    public static let eventChannelPPI: UInt32 = 31
    public static let virtualTimerPPI: UInt32 = 27

    public let owned: InterruptSet
    public internal(set) var distributorEnabled: Bool
    var enabled: InterruptSet
    var pending: InterruptSet
    var active: InterruptSet
    var pendingFromHardware: InterruptSet
    var activeFromHardware: InterruptSet
    var edgeTriggered: InterruptSet
    var priorities: InlineArray<160, UInt8>
    var eoiNotification: InterruptSet
    var listRegisters: ListRegisterFile
    /// Whether anything changed since the last `fillListRegisters` (an injection, a
    /// distributor write, a list register the guest changed): a fill is idempotent,
    /// so while this is false another fill would load exactly what the hardware holds.
    public internal(set) var changedSinceFill: Bool
    /// Bit n set: list register n held a nonzero value when last written or read; the
    /// others still read as zero (the guest cannot change an invalid list register).
    /// Stored, so that the hypervisor reads it without copying the model.
    public internal(set) var liveListRegisters: UInt8
    public internal(set) var counters: VGICCounters

    /// A VM that owns all SGIs, `ownedPPIs` (only INTIDs 16..31 count) and
    /// `passthroughSPIs` (only INTIDs 32..159 count). Everything starts disabled,
    /// idle, at priority 0, level-triggered except the SGIs.
    public init(ownedPPIs: InterruptSet, passthroughSPIs: InterruptSet) {
        owned = InterruptSet.sgis
            .union(ownedPPIs.intersection(InterruptSet.ppis))
            .union(passthroughSPIs.intersection(InterruptSet.spis))
        distributorEnabled = false
        enabled = InterruptSet()
        pending = InterruptSet()
        active = InterruptSet()
        pendingFromHardware = InterruptSet()
        activeFromHardware = InterruptSet()
        edgeTriggered = InterruptSet.sgis
        priorities = InlineArray(repeating: 0)
        eoiNotification = InterruptSet()
        listRegisters = ListRegisterFile()
        changedSinceFill = true
        liveListRegisters = 0
        counters = VGICCounters()
    }

    /// The PPIs a guest normally gets: the virtual timer and the event-channel upcall.
    public static var standardPPIs: InterruptSet {
        var set = InterruptSet()
        set.insert(virtualTimerPPI)
        set.insert(eventChannelPPI)
        return set
    }

    // MARK: Queries for the hypervisor, reports and tests

    public func isEnabled(_ intid: UInt32) -> Bool { enabled.contains(intid) }
    public func isPending(_ intid: UInt32) -> Bool { pending.contains(intid) }
    public func isActive(_ intid: UInt32) -> Bool { active.contains(intid) }
    public func isEdgeTriggered(_ intid: UInt32) -> Bool { owned.contains(intid) && edgeTriggered.contains(intid) }

    /// The stored priority (0 for interrupts the VM does not own).
    public func priority(of intid: UInt32) -> UInt8 {
        intid < InterruptSet.capacity ? priorities[Int(intid)] : 0
    }

    /// Asks for (or stops asking for) a maintenance interrupt whenever the guest
    /// completes `intid` while it is a virtual-only interrupt (hardware-linked ones
    /// cannot carry the request). `sync` reports completions either way.
    public mutating func setEOINotification(_ intid: UInt32, _ on: Bool) {
        guard owned.contains(intid) else { return }
        eoiNotification.update(intid, to: on)
        changedSinceFill = true
    }

    /// The invariants of the design comment; for tests and debug checks in the hypervisor.
    public var invariantsHold: Bool {
        let sets = enabled.union(pending).union(active).union(eoiNotification).union(edgeTriggered)
        guard sets.subtracting(owned).isEmpty,
              pendingFromHardware.subtracting(pending).isEmpty,
              activeFromHardware.subtracting(active).isEmpty,
              listRegisters.occupied.subtracting(owned).isEmpty else { return false }
        var seen = InterruptSet()
        for slot in 0..<ListRegisterFile.count where listRegisters.intids[slot] != ListRegisterFile.none {
            let intid = listRegisters.intids[slot]
            if seen.contains(intid) { return false }
            seen.insert(intid)
        }
        for intid in 0..<InterruptSet.capacity where !owned.contains(intid) && priorities[Int(intid)] != 0 { return false }
        return seen == listRegisters.occupied
    }

    @inline(__always)
    static func checkVCPU(_ vcpu: Int) {
        precondition(vcpu >= 0 && vcpu < vcpuCount, "VirtualGIC: no such VCPU")
    }
}

/// Event counts for reports. They wrap around.
public struct VGICCounters: Equatable, Sendable {
    /// Injections accepted (by `inject` and by the guest's own GICD_SGIR writes).
    public var injected: UInt32 = 0
    /// Pending interrupts the guest acknowledged (observed by `sync`).
    public var delivered: UInt32 = 0
    /// Injections refused because the VM does not own the INTID.
    public var droppedNotOwned: UInt32 = 0

    public init() {}
}
