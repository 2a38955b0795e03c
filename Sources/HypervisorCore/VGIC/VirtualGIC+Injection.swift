// Making interrupts pending (from the hypervisor or another VCPU) and asking
// whether a VCPU has something to take (to wake it from WFI).

/// The answer of `inject`.
public enum InjectionResult: Equatable, Sendable {
    /// The interrupt became pending.
    case pending
    /// It was pending already; GICv2 keeps one pending state, so the two merge.
    case alreadyPending
    /// The VM does not own it; nothing changed. For a hardware interrupt the
    /// caller must deactivate (and should mask) the physical one itself.
    case notOwned
}

extension VirtualGIC {
    /// Marks `intid` pending: an SGI or PPI for `vcpu`, an SPI for the VCPU it
    /// targets (`target(ofSPI:)`). `hardware`: a physical interrupt, acknowledged
    /// and priority-dropped by the hypervisor but still active at the physical GIC,
    /// stands behind it (passthrough SPIs, the virtual timer PPI 27); its list register
    /// then carries HW = 1 and PhysicalID = `intid`, so the guest's EOI deactivates it.
    /// SGIs are never hardware-linked; the flag is ignored for them. `source` is the
    /// sending VCPU of an SGI. Pending interrupts wait until a fill finds them room.
    @discardableResult
    public mutating func inject(_ intid: UInt32, hardware: Bool, vcpu: Int = 0, source: Int = 0) -> InjectionResult {
        checkVCPU(vcpu)
        let receiver = intid >= 32 ? target(ofSPI: intid) : vcpu
        guard owned.containsInPlace(intid) else {
            banks[receiver].counters.droppedNotOwned &+= 1
            return .notOwned
        }
        return banks[receiver].inject(intid, hardware: hardware, source: source)
    }

    /// Whether `vcpu` has an interrupt it could take now: signallable, not active
    /// (an active interrupt's new pending instance waits for its completion), and
    /// more urgent than `priorityMask` (pass the guest's GICV_PMR, i.e.
    /// GICH_VMCR.VMPriMask << 3, or keep 0xFF to ignore the mask).
    /// `mutating` to read the bank in place (a borrowed `self` copies `banks` on armv7).
    public mutating func hasDeliverable(vcpu: Int = 0, priorityMask: UInt8 = 0xFF) -> Bool {
        checkVCPU(vcpu)
        return banks[vcpu].hasDeliverable(priorityMask: priorityMask)
    }
}

extension VCPUInterruptBank {
    mutating func inject(_ intid: UInt32, hardware: Bool, source: Int) -> InjectionResult {
        counters.injected &+= 1
        changedSinceFill = true
        if intid < 16 { sgiSources[Int(intid)] = UInt8(truncatingIfNeeded: source) }
        if hardware && intid >= 16 { pendingFromHardware.insert(intid) }
        if pending.containsInPlace(intid) {
            // Hardware-linked instances come from their VCPU's own CPU after its sync
            // (the physical interrupt stays active until the guest's EOI): only virtual
            // ones can meet a list register the guest is changing.
            if !hardware && listRegisters.occupied.contains(intid) {
                pendingAgain.insert(intid)
                anyPendingAgain = true
            }
            return .alreadyPending
        }
        pending.insert(intid)
        return .pending
    }

    /// Every wake-up and every WFI asks. Signallable and not active, a word at a
    /// time with constant indices: a set read whole into registers is copied to the
    /// stack for every dynamic lookup (Embedded Swift, armv7), as in `fillOneIntoEmpty`.
    mutating func hasDeliverable(priorityMask: UInt8) -> Bool {
        guard distributorEnabled else { return false }  // nothing is signallable
        return anyMoreUrgent(pending.word(0) & enabled.word(0) & ~active.word(0), from: 0, than: priorityMask)
            || anyMoreUrgent(pending.word(1) & enabled.word(1) & ~active.word(1), from: 32, than: priorityMask)
            || anyMoreUrgent(pending.word(2) & enabled.word(2) & ~active.word(2), from: 64, than: priorityMask)
            || anyMoreUrgent(pending.word(3) & enabled.word(3) & ~active.word(3), from: 96, than: priorityMask)
            || anyMoreUrgent(pending.word(4) & enabled.word(4) & ~active.word(4), from: 128, than: priorityMask)
    }

    /// Whether an INTID of `bits` (bit b: INTID `base` + b) has a priority value below `priorityMask`.
    @inline(__always)
    mutating func anyMoreUrgent(_ bits: UInt32, from base: UInt32, than priorityMask: UInt8) -> Bool {
        var bits = bits
        while bits != 0 {
            if priorities[Int(base &+ UInt32(truncatingIfNeeded: bits.trailingZeroBitCount))] < priorityMask { return true }
            bits &= bits &- 1
        }
        return false
    }

    // The fill's helpers below are `mutating` although they only read: on armv7 a
    // read of an InlineArray element (`priorities`) through a borrowed `self` copies
    // the whole array first (Swift 6.3.1 -Osize), while an inout `self` is read in place.

    /// Orders interrupts for delivery: lower priority value first, then lower INTID.
    @inline(__always)
    mutating func urgency(_ intid: UInt32) -> UInt32 {
        UInt32(priorities[Int(intid)]) &<< 8 | intid
    }

    /// The most urgent INTID of `set`.
    @inline(__always)
    mutating func mostUrgent(in set: InterruptSet) -> UInt32? {
        var best = UInt32.max
        for index in 0..<InterruptSet.wordCount {
            var bits = set.word(index)
            while bits != 0 {
                let intid = UInt32(truncatingIfNeeded: index) &* 32 &+ UInt32(truncatingIfNeeded: bits.trailingZeroBitCount)
                best = min(best, urgency(intid))
                bits &= bits &- 1
            }
        }
        return best == UInt32.max ? nil : best & 0xFF
    }
}
