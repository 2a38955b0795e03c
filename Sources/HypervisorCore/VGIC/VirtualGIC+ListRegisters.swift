// Entry and exit of the VCPU: deriving the list registers from the model, and
// folding what the guest did to them back into it.
//
// Fill policy, on every entry:
//   1. A list register whose interrupt has nothing left to show (completed, cleared,
//      disabled while only pending, distributor off) is freed.
//   2. Candidates are the signallable pending interrupts and the active ones that are
//      not in a list register. In urgency order (priority value, then INTID) each takes
//      a free list register; when none is free it evicts the least urgent pending-only
//      entry if it is strictly more urgent. Active entries are never evicted.
//   3. Each list register is encoded from the model: HW = 1 with PhysicalID = INTID for
//      a hardware-linked instance; pending and active together only when neither
//      instance is hardware-linked (the pending state of a hardware interrupt lives at
//      the physical distributor, so its second instance waits here for the first one's
//      completion).
//   4. GICH_HCR: En always. When candidates are left over ("waiting"): UIE (maintenance
//      once at most one list register is valid), NPIE if some list register is pending
//      (maintenance once the guest has taken them all), and the EOI maintenance bit on
//      every virtual-only entry (maintenance as soon as one completes). The hypervisor
//      answers a maintenance interrupt with sync + fill, which refills and rewrites
//      GICH_HCR. No condition holds right after a fill (all four list registers are
//      valid while interrupts wait, NPIE only when one is pending, EOI status only for
//      invalid entries), so the maintenance interrupt cannot repeat without progress.

extension VirtualGIC {
    /// The GICH list registers and GICH_HCR to load before entering `vcpu`.
    public mutating func fillListRegisters(vcpu: Int = 0) -> ListRegisterLoad {
        checkVCPU(vcpu)
        return banks[vcpu].fillListRegisters()
    }

    /// Folds the list registers read back on exit from `vcpu` into its bank
    /// (VCPUInterruptBank.sync).
    @discardableResult
    public mutating func sync(fromHardware values: InlineArray<4, UInt32>, vcpu: Int = 0) -> ListRegisterSync {
        checkVCPU(vcpu)
        return banks[vcpu].sync(fromHardware: values)
    }

    /// `sync(fromHardware:vcpu:)` without its report, for the hypervisor's exit path,
    /// which has no use for it (the same fold, minus building two interrupt sets).
    public mutating func fold(fromHardware values: InlineArray<4, UInt32>, vcpu: Int = 0) {
        checkVCPU(vcpu)
        banks[vcpu].fold(fromHardware: values)
    }

    /// The list register of `vcpu` holding `intid` after the last fill or sync, if any.
    public func listRegister(holding intid: UInt32, vcpu: Int = 0) -> Int? {
        checkVCPU(vcpu)
        return banks[vcpu].listRegisters.slot(of: intid)
    }
}

extension VCPUInterruptBank {
    /// `VirtualGIC.fillListRegisters` on this bank, for the hypervisor's entry path,
    /// which holds the running VCPU's bank (`VirtualGIC.bankPointer`).
    public mutating func fillListRegisters() -> ListRegisterLoad {
        if anyPendingAgain {  // what the fill shows includes those instances
            pendingAgain = InterruptSet()
            anyPendingAgain = false
        }
        if let load = fillOneIntoEmpty() { return load }
        return fillInGeneral()
    }

    /// The fill policy above, for any state.
    mutating func fillInGeneral() -> ListRegisterLoad {
        // What the list registers should show; freeing list registers below does not change it.
        let shown = signallable.union(active)
        if listRegisters.occupied.isEmpty && shown.isEmpty { return emptyLoad() }
        for slot in 0..<ListRegisterFile.count {
            let intid = listRegisters.intids[slot]
            if intid != ListRegisterFile.none && listRegisterState(of: intid).state == .invalid {
                listRegisters.free(slot)
            }
        }

        var candidates = shown.subtracting(listRegisters.occupied)
        while let best = mostUrgent(in: candidates) {
            if let slot = listRegisters.firstFree {
                listRegisters.put(best, in: slot)
            } else if let victim = leastUrgentPendingOnlySlot(),
                      urgency(best) < urgency(listRegisters.intids[victim]) {
                listRegisters.free(victim)
                listRegisters.put(best, in: victim)
            } else {
                break
            }
            candidates.remove(best)
        }
        let waiting = shown.subtracting(listRegisters.occupied).count

        var values = InlineArray<4, UInt32>(repeating: 0)
        var changed: UInt8 = 0
        var somePending = false
        for slot in 0..<ListRegisterFile.count {
            let intid = listRegisters.intids[slot]
            let value = intid == ListRegisterFile.none ? 0 : encode(intid, requestEOI: waiting > 0)
            values[slot] = value
            if value != listRegisters.hardware[slot] { changed |= 1 &<< UInt8(truncatingIfNeeded: slot) }
            recordHardware(value, in: slot)
            if ListRegisterValue(rawValue: value).state.isPending { somePending = true }
        }

        var control = HypervisorControl.enable
        fillState = .current
        if waiting > 0 {
            control |= HypervisorControl.underflowInterrupt
            if somePending { control |= HypervisorControl.noPendingInterrupt }
            fillState = .currentLeftWaiting
        }
        return ListRegisterLoad(values: values, control: control, changed: changed, waiting: waiting)
    }

    /// What the general fill gives in the two usual cases, when no list register holds
    /// anything: nothing to show (a VCPU switch: `emptyLoad`), or exactly one interrupt
    /// (after an injection), which goes to list register 0 with nothing left waiting
    /// (so no maintenance request), the others loaded invalid. nil in every other case. Reads the sets a word at a
    /// time with constant indices: a set read whole into registers is copied to the
    /// stack for every dynamic lookup (Embedded Swift, armv7).
    @inline(__always)
    mutating func fillOneIntoEmpty() -> ListRegisterLoad? {
        let none = ListRegisterFile.none
        guard listRegisters.intids[0] == none, listRegisters.intids[1] == none,
              listRegisters.intids[2] == none, listRegisters.intids[3] == none else { return nil }
        // The five words of signallable ∪ active, in straight-line code.
        let on = distributorEnabled
        let w0 = (on ? pending.word(0) & enabled.word(0) : 0) | active.word(0)
        let w1 = (on ? pending.word(1) & enabled.word(1) : 0) | active.word(1)
        let w2 = (on ? pending.word(2) & enabled.word(2) : 0) | active.word(2)
        let w3 = (on ? pending.word(3) & enabled.word(3) : 0) | active.word(3)
        let w4 = (on ? pending.word(4) & enabled.word(4) : 0) | active.word(4)
        let any = w0 | w1 | w2 | w3 | w4
        if any == 0 { return emptyLoad() }
        // One interrupt: one nonzero word (the OR is that word) with one bit.
        let words = (w0 != 0 ? 1 : 0) + (w1 != 0 ? 1 : 0) + (w2 != 0 ? 1 : 0) + (w3 != 0 ? 1 : 0) + (w4 != 0 ? 1 : 0)
        guard words == 1, any & (any &- 1) == 0 else { return nil }
        let base: UInt32 = w0 != 0 ? 0 : w1 != 0 ? 32 : w2 != 0 ? 64 : w3 != 0 ? 96 : 128
        let intid = base &+ UInt32(truncatingIfNeeded: any.trailingZeroBitCount)
        listRegisters.put(intid, in: 0)
        var values = InlineArray<4, UInt32>(repeating: 0)
        values[0] = encode(intid, requestEOI: false)
        var changed: UInt8 = 0
        for slot in 0..<ListRegisterFile.count {
            if values[slot] != listRegisters.hardware[slot] { changed |= 1 &<< UInt8(truncatingIfNeeded: slot) }
            recordHardware(values[slot], in: slot)
        }
        fillState = .current
        return ListRegisterLoad(values: values, control: HypervisorControl.enable, changed: changed, waiting: 0)
    }

    /// What the general fill gives when no list register holds anything and nothing is
    /// active or signallable (the common case on a VCPU switch): four invalid list
    /// registers, GICH_HCR with only En; without its set arithmetic.
    mutating func emptyLoad() -> ListRegisterLoad {
        var changed: UInt8 = 0
        for slot in 0..<ListRegisterFile.count {
            if listRegisters.hardware[slot] != 0 { changed |= 1 &<< UInt8(truncatingIfNeeded: slot) }
            recordHardware(0, in: slot)
        }
        fillState = .current
        return ListRegisterLoad(values: InlineArray(repeating: 0), control: HypervisorControl.enable, changed: changed, waiting: 0)
    }

    /// `VirtualGIC.fold` on this bank, for the hypervisor's exit path (as `fillListRegisters`).
    public mutating func fold(fromHardware values: InlineArray<4, UInt32>) {
        var ignored = ListRegisterSync()
        sync(fromHardware: values, reporting: false, into: &ignored)
    }

    /// Folds the list registers read back on exit from `vcpu` into the model:
    /// a pending entry the guest took becomes active (and is counted delivered; it stays
    /// pending too when it was injected again since the fill: `pendingAgain`), an
    /// entry that went invalid was completed and frees its list register, one still
    /// pending or active stays where it is. Entries whose VirtualID is not the INTID
    /// the model put there are ignored (and rewritten by the next fill). An entry read
    /// back unchanged changes nothing (the fill that wrote it made it agree with the model).
    mutating func sync(fromHardware values: InlineArray<4, UInt32>) -> ListRegisterSync {
        var report = ListRegisterSync()
        sync(fromHardware: values, reporting: true, into: &report)
        return report
    }

    /// The fold itself; the report is built only when `reporting` (a constant at each caller).
    @inline(__always)
    mutating func sync(fromHardware values: InlineArray<4, UInt32>, reporting: Bool, into report: inout ListRegisterSync) {
        // The list registers that changed, compared at constant indices: every dynamic read
        // of `values` copies it to the stack (Embedded Swift, armv7); usually one changed.
        var changed: UInt8 = values[0] != listRegisters.hardware[0] ? 1 : 0
        if values[1] != listRegisters.hardware[1] { changed |= 2 }
        if values[2] != listRegisters.hardware[2] { changed |= 4 }
        if values[3] != listRegisters.hardware[3] { changed |= 8 }
        while changed != 0 {
            let slot = changed.trailingZeroBitCount
            changed &= changed &- 1
            let written = ListRegisterValue(rawValue: listRegisters.hardware[slot])
            let read = ListRegisterValue(rawValue: values[slot])
            let intid = listRegisters.intids[slot]
            guard intid != ListRegisterFile.none, read.virtualID == intid else {
                recordHardware(read.rawValue, in: slot)
                changedSinceFill = true
                continue
            }

            let before = written.state
            let after = read.state
            if before == .pending && after == .invalid && !anyPendingAgain {
                foldHandled(intid, in: slot, written: written, read: read, reporting: reporting, into: &report)
                continue
            }
            recordHardware(read.rawValue, in: slot)
            changedSinceFill = true
            let taken = before.isPending && !after.isPending
            if taken {
                if reporting { report.acknowledged.insert(intid) }
                counters.delivered &+= 1
                if intid < 16 { counters.sgisDelivered &+= 1 }
                if anyPendingAgain && pendingAgain.containsInPlace(intid) {
                    pendingAgain.remove(intid)  // the later instance is still to be taken
                } else {
                    pending.remove(intid)
                }
                pendingFromHardware.remove(intid)
                if !before.isActive { activeFromHardware.update(intid, to: written.isHardware) }
            }
            if after.isActive {
                active.insert(intid)
            } else {
                if reporting, before.isActive || taken { report.completed.insert(intid) }
                active.remove(intid)
                activeFromHardware.remove(intid)
            }
            if after == .invalid { listRegisters.free(slot) }
        }
    }

    /// The usual exit after a guest's handler (every event upcall): a list register
    /// shown pending was taken and completed between two exits, and no instance was
    /// injected again meanwhile. The sync's general path for it, with every set's bit
    /// cleared through one word index and mask. When the fill is current (nothing
    /// changed since, nothing left waiting for a list register) and the entry holds no
    /// maintenance request (its EOI status would hold the maintenance interrupt until
    /// rewritten), the next fill would leave this list register invalid and change
    /// nothing else: the entry is recorded as empty and asks for no fill.
    @inline(__always)
    mutating func foldHandled(_ intid: UInt32, in slot: Int, written: ListRegisterValue, read: ListRegisterValue,
                              reporting: Bool, into report: inout ListRegisterSync) {
        if reporting {
            report.acknowledged.insert(intid)
            report.completed.insert(intid)
        }
        counters.delivered &+= 1
        if intid < 16 { counters.sgisDelivered &+= 1 }
        if intid < InterruptSet.capacity {
            let word = Int(intid &>> 5), keep = ~(UInt32(1) &<< (intid & 31))
            pending.words[word] &= keep
            pendingFromHardware.words[word] &= keep
            active.words[word] &= keep
            activeFromHardware.words[word] &= keep
            listRegisters.occupied.words[word] &= keep
        }
        listRegisters.intids[slot] = ListRegisterFile.none
        if fillState == .current && !written.requestsEOIMaintenance {
            recordHardware(0, in: slot)
        } else {
            recordHardware(read.rawValue, in: slot)
            changedSinceFill = true
        }
    }

    /// What the hardware list register `slot` holds now (written by a fill or read by a sync).
    @inline(__always)
    mutating func recordHardware(_ value: UInt32, in slot: Int) {
        listRegisters.hardware[slot] = value
        let bit: UInt8 = 1 &<< UInt8(truncatingIfNeeded: slot)
        liveListRegisters = value != 0 ? liveListRegisters | bit : liveListRegisters & ~bit
    }

    /// The state and HW bit a list register holding `intid` shows. The sets are read in
    /// place (`containsInPlace`): a non-mutating `contains` copies a stored set first.
    @inline(__always)
    mutating func listRegisterState(of intid: UInt32) -> (state: ListRegisterState, hardware: Bool) {
        let signalled = distributorEnabled && enabled.containsInPlace(intid) && pending.containsInPlace(intid)
        if active.containsInPlace(intid) {
            let hardwareActive = activeFromHardware.containsInPlace(intid)
            let showPending = signalled && !hardwareActive && !pendingFromHardware.containsInPlace(intid)
            return (showPending ? .pendingAndActive : .active, hardwareActive)
        }
        return (signalled ? .pending : .invalid, pendingFromHardware.containsInPlace(intid))
    }

    /// `mutating` to read `priorities` in place (VirtualGIC+Injection.swift).
    @inline(__always)
    mutating func encode(_ intid: UInt32, requestEOI: Bool) -> UInt32 {
        let (state, hardware) = listRegisterState(of: intid)
        let priority = priorities[Int(intid)]
        if hardware {
            return ListRegisterValue(hardware: intid, physicalID: intid, priority: priority, state: state).rawValue
        }
        let source = intid < 16 ? UInt32(sgiSources[Int(intid)]) : 0
        return ListRegisterValue(virtual: intid, priority: priority, state: state, sourceCPU: source,
                                 eoiMaintenance: requestEOI || eoiNotification.containsInPlace(intid)).rawValue
    }

    /// The occupied list register whose interrupt is only pending and least urgent.
    @inline(__always)
    mutating func leastUrgentPendingOnlySlot() -> Int? {
        var victim: Int? = nil
        var worst: UInt32 = 0
        for slot in 0..<ListRegisterFile.count {
            let intid = listRegisters.intids[slot]
            guard intid != ListRegisterFile.none, !active.containsInPlace(intid) else { continue }
            let key = urgency(intid)
            if victim == nil || key > worst {
                victim = slot
                worst = key
            }
        }
        return victim
    }
}
