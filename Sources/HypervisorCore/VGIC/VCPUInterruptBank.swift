// What one VCPU's side of a VirtualGIC holds: GICv2 banks SGIs and PPIs per CPU
// interface, each CPU interface has its own list registers, and an SPI is
// delivered to one CPU at a time. A bank is everything a fill or a sync of its
// VCPU reads or writes, so entry and exit touch one bank and nothing shared.
//
// Layout rule: every flag set is 160 bits wide, as in the VM-wide model before
// banking, so the list register code is the same for SGIs, PPIs and SPIs.
//   - banked (word 0 and priorities 0..31): this VCPU's own SGIs and PPIs;
//   - distributor-wide, copied into every bank by the distributor write that changes
//     it (VirtualGIC.forEachBank): `distributorEnabled`, SPI words of `enabled` and
//     `eoiNotification`, SPI priorities;
//   - SPI pending/active state and its hardware flags: only in the bank of the VCPU
//     the SPI is delivered to (VirtualGIC.target(ofSPI:)), zero in the others.

public struct VCPUInterruptBank: Sendable {
    enum FillState: UInt8, Sendable {
        /// Nothing changed since the fill, which showed every interrupt it had to.
        case current
        /// Nothing changed since the fill, which left signallable or active interrupts
        /// out of the list registers (GICH_HCR asks for maintenance, and a freed list
        /// register has a candidate).
        case currentLeftWaiting
        /// Something changed: the next entry fills.
        case changed
    }

    /// GICD_CTLR.Enable (a copy of the VM's).
    public internal(set) var distributorEnabled: Bool
    var enabled: InterruptSet
    var pending: InterruptSet
    var active: InterruptSet
    var pendingFromHardware: InterruptSet
    var activeFromHardware: InterruptSet
    var priorities: InlineArray<160, UInt8>
    var eoiNotification: InterruptSet
    /// Virtual interrupts injected again, since the last fill, while a list register
    /// showed them pending: their CPU may not have folded the guest's acknowledge yet
    /// (VirtualGIC.swift, "one exception"), so the sync keeps them pending.
    var pendingAgain: InterruptSet
    /// Whether `pendingAgain` may be non-empty: the fill and the sync look at
    /// the set only then (it is almost always empty; the trap path stays short).
    var anyPendingAgain: Bool
    /// The VCPU that sent each pending SGI (the CPUID field of its list register).
    /// Sources of one SGI merge: the last sender is shown (docs/VGIC.md).
    var sgiSources: InlineArray<16, UInt8>
    var listRegisters: ListRegisterFile
    /// The list registers against the model since the last fill (one byte: the
    /// fills write it with one store).
    var fillState: FillState
    /// Whether anything changed since the last fill (an injection, a distributor write,
    /// a list register the guest changed): a fill is idempotent, so while this is false
    /// another fill would load exactly what the hardware holds. Set to true by those
    /// changes; only a fill makes it false again.
    public internal(set) var changedSinceFill: Bool {
        @inline(__always) get { fillState == .changed }
        @inline(__always) set { if newValue { fillState = .changed } }
    }
    /// Bit n set: list register n held a nonzero value when last written or read; the
    /// others read as zero or hold an entry the guest completed, which the fold
    /// recorded as zero (an invalid entry without a maintenance request is empty to
    /// the GIC, and the guest cannot change it).
    public internal(set) var liveListRegisters: UInt8
    public internal(set) var counters: VGICCounters

    init() {
        distributorEnabled = false
        enabled = InterruptSet()
        pending = InterruptSet()
        active = InterruptSet()
        pendingFromHardware = InterruptSet()
        activeFromHardware = InterruptSet()
        priorities = InlineArray(repeating: 0)
        eoiNotification = InterruptSet()
        pendingAgain = InterruptSet()
        anyPendingAgain = false
        sgiSources = InlineArray(repeating: 0)
        listRegisters = ListRegisterFile()
        fillState = .changed
        liveListRegisters = 0
        counters = VGICCounters()
    }

    /// Pending interrupts the distributor would signal: pending, enabled, distributor on.
    @inline(__always)
    var signallable: InterruptSet {
        distributorEnabled ? pending.intersection(enabled) : InterruptSet()
    }

    /// The bank's share of the invariants (VirtualGIC.invariantsHold).
    func invariantsHold(owned: InterruptSet) -> Bool {
        let sets = enabled.union(pending).union(active).union(eoiNotification)
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
}
