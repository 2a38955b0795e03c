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
//   pendingAgain         virtual interrupts injected again since the fill while a list
//                        register showed their earlier instance pending (see below).
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
// Several VCPUs (1 ..< maximumVCPUs + 1): the per-interrupt state above lives in
// one VCPUInterruptBank per VCPU (VCPUInterruptBank.swift says which part is
// banked, which is copied into every bank and where SPIs live). An SPI is
// delivered to the lowest-numbered VCPU its GICD_ITARGETSR byte names (VCPU 0
// when it names none the VM has): its pending state moves to that bank when
// the guest retargets it, an active instance stays with the VCPU that took it.
//
// Contract with the hypervisor: for a VCPU that was running, call
// `sync(fromHardware:vcpu:)` on exit before anything else touches its bank, and
// `fillListRegisters(vcpu:)` just before entry. With VCPUs on several physical
// CPUs the hypervisor serializes every call on one VM's model (docs/SMP.md), and
// one exception remains: another CPU may inject into the bank of a VCPU that runs,
// whose list registers the guest changes meanwhile. An interrupt injected while its
// list register was filled pending merges with that instance in the model, but the
// guest may already have taken it: such an injection is kept in `pendingAgain`, and
// the sync leaves the interrupt pending when the guest took the listed instance
// (delivered once more rather than lost: GICv2 merges only pending instances).
// The next fill shows the merged instance and clears `pendingAgain`.

public struct VirtualGIC: Sendable {
    /// VCPUs per VM the model can bank (the most physical CPUs Apus runs).
    public static let maximumVCPUs = 4
    /// The event-channel upcall PPI (Xen's ARM convention) and the virtual timer PPI.
    public static let eventChannelPPI: UInt32 = 31
    public static let virtualTimerPPI: UInt32 = 27

    /// Set once, at init; `var` so the injection path can read it in place.
    public internal(set) var owned: InterruptSet
    /// The VM's VCPUs (1...maximumVCPUs): banks beyond it stay unused.
    public let vcpuCount: Int
    public internal(set) var distributorEnabled: Bool
    var edgeTriggered: InterruptSet
    /// GICD_ITARGETSR bytes of SPIs 32..159, as the guest wrote them (bit n: VCPU n).
    var spiTargets: InlineArray<128, UInt8>
    /// Per-VCPU state, VCPU n in `banks[n]`.
    public internal(set) var banks: InlineArray<4, VCPUInterruptBank>

    /// A VM with `vcpuCount` VCPUs that owns all SGIs, `ownedPPIs` (only INTIDs
    /// 16..31 count) and `passthroughSPIs` (only INTIDs 32..159 count). Everything
    /// starts disabled, idle, at priority 0, level-triggered except the SGIs, every
    /// SPI targeting VCPU 0.
    public init(ownedPPIs: InterruptSet, passthroughSPIs: InterruptSet, vcpuCount: Int = 1) {
        precondition(vcpuCount >= 1 && vcpuCount <= VirtualGIC.maximumVCPUs, "VirtualGIC: VCPU count out of range")
        owned = InterruptSet.sgis
            .union(ownedPPIs.intersection(InterruptSet.ppis))
            .union(passthroughSPIs.intersection(InterruptSet.spis))
        self.vcpuCount = vcpuCount
        distributorEnabled = false
        edgeTriggered = InterruptSet.sgis
        spiTargets = InlineArray(repeating: 0x01)
        banks = InlineArray(repeating: VCPUInterruptBank())
    }

    /// The PPIs a guest normally gets: the virtual timer and the event-channel upcall.
    public static var standardPPIs: InterruptSet {
        var set = InterruptSet()
        set.insert(virtualTimerPPI)
        set.insert(eventChannelPPI)
        return set
    }

    // MARK: Queries for the hypervisor, reports and tests

    /// Whether `intid` is enabled for `vcpu` (SPIs: for every VCPU alike).
    public func isEnabled(_ intid: UInt32, vcpu: Int = 0) -> Bool { banks[vcpu].enabled.contains(intid) }
    /// Whether `intid` is pending: in `vcpu`'s bank for an SGI or PPI, in any bank for an SPI.
    public func isPending(_ intid: UInt32, vcpu: Int = 0) -> Bool { anyBank(intid, vcpu) { $0.pending } }
    public func isActive(_ intid: UInt32, vcpu: Int = 0) -> Bool { anyBank(intid, vcpu) { $0.active } }
    public func isEdgeTriggered(_ intid: UInt32) -> Bool { owned.contains(intid) && edgeTriggered.contains(intid) }

    /// The stored priority (0 for interrupts the VM does not own); SGIs and PPIs are `vcpu`'s.
    public func priority(of intid: UInt32, vcpu: Int = 0) -> UInt8 {
        intid < InterruptSet.capacity ? banks[vcpu].priorities[Int(intid)] : 0
    }

    /// Counts of every VCPU together.
    public var counters: VGICCounters {
        var total = VGICCounters()
        for vcpu in 0..<vcpuCount { total.add(banks[vcpu].counters) }
        return total
    }

    /// `vcpu`'s counts.
    public func counters(vcpu: Int) -> VGICCounters { banks[vcpu].counters }

    /// Bank `vcpu` where it lies, for the hypervisor's trap path to keep while the
    /// VCPU runs (valid as long as this model stays where it is).
    public mutating func bankPointer(vcpu: Int) -> UnsafeMutablePointer<VCPUInterruptBank> {
        checkVCPU(vcpu)
        return withUnsafeMutablePointer(to: &banks[vcpu]) { $0 }
    }

    /// `vcpu`'s list registers changed since the last fill (hot path: read in place).
    @inline(__always)
    public mutating func changedSinceFill(vcpu: Int) -> Bool { banks[vcpu].changedSinceFill }

    /// Bit n: `vcpu`'s list register n holds something (hot path: read in place).
    @inline(__always)
    public mutating func liveListRegisters(vcpu: Int) -> UInt8 { banks[vcpu].liveListRegisters }

    /// Asks for (or stops asking for) a maintenance interrupt whenever the guest
    /// completes `intid` while it is a virtual-only interrupt (hardware-linked ones
    /// cannot carry the request). `sync` reports completions either way.
    /// An SGI or PPI is `vcpu`'s (nil: every VCPU's); an SPI's request is every VCPU's.
    public mutating func setEOINotification(_ intid: UInt32, _ on: Bool, vcpu: Int? = nil) {
        guard owned.contains(intid) else { return }
        for index in 0..<vcpuCount where intid >= 32 || vcpu == nil || vcpu == index {
            banks[index].eoiNotification.update(intid, to: on)
            banks[index].changedSinceFill = true
        }
    }

    /// The VCPU SPI `intid` is delivered to: the lowest one its ITARGETSR byte names.
    /// `mutating` to read `spiTargets` in place. A VM with one VCPU has one answer,
    /// given in line (every passthrough interrupt asks).
    @inline(__always)
    public mutating func target(ofSPI intid: UInt32) -> Int {
        vcpuCount == 1 ? 0 : namedTarget(ofSPI: intid)
    }

    mutating func namedTarget(ofSPI intid: UInt32) -> Int {
        guard intid >= 32 && intid < InterruptSet.capacity else { return 0 }
        let existing = UInt8(truncatingIfNeeded: (1 &<< UInt32(truncatingIfNeeded: vcpuCount)) &- 1)
        let named = spiTargets[Int(intid &- 32)] & existing
        return named == 0 ? 0 : named.trailingZeroBitCount
    }

    /// The invariants of the design comment; for tests and debug checks in the hypervisor.
    /// Across banks: an SPI is pending in one bank at most and active in one at most,
    /// and the copied distributor-wide state is the same in every bank.
    public var invariantsHold: Bool {
        guard edgeTriggered.subtracting(owned).isEmpty else { return false }
        var pendingSPIs = InterruptSet(), activeSPIs = InterruptSet()
        for vcpu in 0..<VirtualGIC.maximumVCPUs {
            let bank = banks[vcpu]
            guard bank.invariantsHold(owned: owned) else { return false }
            if vcpu >= vcpuCount {
                guard bank.pending.isEmpty, bank.active.isEmpty, bank.listRegisters.occupied.isEmpty else { return false }
                continue
            }
            let spiPending = bank.pending.intersection(InterruptSet.spis)
            let spiActive = bank.active.intersection(InterruptSet.spis)
            guard spiPending.intersection(pendingSPIs).isEmpty, spiActive.intersection(activeSPIs).isEmpty,
                  bank.distributorEnabled == distributorEnabled,
                  bank.enabled.intersection(InterruptSet.spis) == banks[0].enabled.intersection(InterruptSet.spis)
            else { return false }
            for intid in UInt32(32)..<InterruptSet.capacity where bank.priorities[Int(intid)] != banks[0].priorities[Int(intid)] {
                return false
            }
            pendingSPIs.formUnion(spiPending)
            activeSPIs.formUnion(spiActive)
        }
        return true
    }

    /// `vcpu`'s bank for an SGI or PPI; any bank for an SPI.
    func anyBank(_ intid: UInt32, _ vcpu: Int, _ set: (VCPUInterruptBank) -> InterruptSet) -> Bool {
        if intid < 32 { return set(banks[vcpu]).contains(intid) }
        for index in 0..<vcpuCount where set(banks[index]).contains(intid) { return true }
        return false
    }

    /// Applies `change` to the bank of every VCPU (distributor-wide state).
    @inline(__always)
    mutating func forEachBank(_ change: (inout VCPUInterruptBank) -> Void) {
        for index in 0..<vcpuCount { change(&banks[index]) }
    }

    @inline(__always)
    func checkVCPU(_ vcpu: Int) {
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
    /// SGIs another VCPU of the VM (or this one) sent here through GICD_SGIR.
    public var sgisReceived: UInt32 = 0
    /// SGIs the guest acknowledged.
    public var sgisDelivered: UInt32 = 0

    public init() {}

    mutating func add(_ other: VGICCounters) {
        injected &+= other.injected
        delivered &+= other.delivered
        droppedNotOwned &+= other.droppedNotOwned
        sgisReceived &+= other.sgisReceived
        sgisDelivered &+= other.sgisDelivered
    }
}
