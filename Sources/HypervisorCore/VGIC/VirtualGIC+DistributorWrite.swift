// Emulated GICD writes. Bits and bytes of interrupts the VM does not own are
// ignored, so they never change state and never produce effects.
//
// Deliberate simplifications (docs/VGIC.md):
//   - ISPENDR/ICPENDR ignore the SGI bits, as GICv2 does (SPENDSGIR/CPENDSGIR set
//     and clear them).
//   - One pending instance per SGI and VCPU: SGIs from several sources merge, the
//     last sender is the one the list register shows.
//   - ICFGR: SGIs are edge and PPIs level, read-only; SPIs take Int_config[1] only.
//     The value is not mirrored to the physical distributor.
//
// Banks (VCPUInterruptBank.swift): word 0 and bytes 0..31 are the writing VCPU's;
// distributor-wide state is copied into every bank; SPI pending/active state is
// set in the bank of the SPI's target and cleared in all of them.

extension VirtualGIC {
    /// The guest's store of `value` to GICD + `offset` by `vcpu`. For a byte access
    /// only the low eight bits of `value` count.
    public mutating func write(offset: UInt32, width: AccessWidth, value: UInt32, vcpu: Int = 0) -> DistributorWrite {
        checkVCPU(vcpu)
        var effects = DistributorEffects()
        if let fault = VirtualGIC.accessFault(offset: offset, width: width) {
            return DistributorWrite(effects: effects, status: .ignored(fault))
        }
        typealias R = DistributorRegisters
        let index = Int((offset & 0x7F) &>> 2)
        let inBank = index < InterruptSet.wordCount
        let writer = UInt8(truncatingIfNeeded: 1 &<< UInt32(truncatingIfNeeded: vcpu))
        // SPI state can reach any VCPU; the writer's own bank changes in every case.
        var reached = writer
        let everyVCPU = UInt8(truncatingIfNeeded: (1 &<< UInt32(truncatingIfNeeded: vcpuCount)) &- 1)
        if index != 0 || offset == R.ctlr { reached = everyVCPU }
        banks[vcpu].changedSinceFill = true
        switch offset {
        case R.ctlr:
            let on = value & 1 != 0
            distributorEnabled = on
            forEachBank { $0.distributorEnabled = on; $0.changedSinceFill = true }
        case R.typer, R.iidr, R.identification..<R.frameSize:
            return DistributorWrite(effects: effects, status: .ignored(.readOnly))
        case R.igroupr..<R.isenabler, R.nsacr..<R.sgir:
            break
        case R.isenabler..<R.icenabler where inBank:
            let bits = value & owned.word(index)
            effects.enable.setWord(index, bits & ~banks[vcpu].enabled.word(index) & VirtualGIC.spiBits(index))
            updateWord(index, vcpu) { $0.enabled.setWord(index, $0.enabled.word(index) | bits) }
        case R.icenabler..<R.ispendr where inBank:
            let bits = value & owned.word(index) & banks[vcpu].enabled.word(index)
            effects.disable.setWord(index, bits & VirtualGIC.spiBits(index))
            updateWord(index, vcpu) { $0.enabled.setWord(index, $0.enabled.word(index) & ~bits) }
        case R.ispendr..<R.icpendr where inBank:
            let bits = value & owned.word(index) & ~VirtualGIC.sgiBits(index)
            setInTargetBanks(index, bits, vcpu) { $0.pending.setWord(index, $0.pending.word(index) | $1) }
        case R.icpendr..<R.isactiver where inBank:
            let mask = value & owned.word(index) & ~VirtualGIC.sgiBits(index)
            var deactivate: UInt32 = 0
            updateWord(index, vcpu) { bank in
                let bits = mask & bank.pending.word(index)
                deactivate |= bits & bank.pendingFromHardware.word(index)
                bank.pending.setWord(index, bank.pending.word(index) & ~bits)
                bank.pendingFromHardware.setWord(index, bank.pendingFromHardware.word(index) & ~bits)
            }
            effects.deactivate.setWord(index, deactivate)
        case R.isactiver..<R.icactiver where inBank:
            let bits = value & owned.word(index)
            setInTargetBanks(index, bits, vcpu) { $0.active.setWord(index, $0.active.word(index) | $1) }
        case R.icactiver..<R.ipriorityr where inBank:
            let mask = value & owned.word(index)
            var deactivate: UInt32 = 0
            updateWord(index, vcpu) { bank in
                let bits = mask & bank.active.word(index)
                deactivate |= bits & bank.activeFromHardware.word(index)
                bank.active.setWord(index, bank.active.word(index) & ~bits)
                bank.activeFromHardware.setWord(index, bank.activeFromHardware.word(index) & ~bits)
            }
            effects.deactivate.setWord(index, deactivate)
        case R.isenabler..<R.ipriorityr:
            break  // a bank word beyond INTID 159: RAZ/WI
        case R.ipriorityr..<R.itargetsr:
            let first = offset - R.ipriorityr
            writeLanes(first, width, value) { gic, intid, byte in
                guard gic.owned.contains(intid) else { return }
                let priority = byte & DistributorRegisters.priorityMask
                if intid < 32 {
                    gic.banks[vcpu].priorities[Int(intid)] = priority
                } else {
                    gic.forEachBank { $0.priorities[Int(intid)] = priority; $0.changedSinceFill = true }
                }
            }
            if first >= 32 { reached = everyVCPU } else { reached = writer }
        case R.itargetsr..<R.icfgr:
            reached = everyVCPU
            writeLanes(offset - R.itargetsr, width, value) { gic, intid, byte in
                // SGIs and PPIs: read-only. Bits of VCPUs the VM lacks are RAZ/WI; a byte
                // naming none of its VCPUs is ignored, so an SPI always has a target.
                let named = byte & everyVCPU
                guard intid >= 32, gic.owned.contains(intid), named != 0 else { return }
                let before = gic.target(ofSPI: intid)
                gic.spiTargets[Int(intid &- 32)] = named
                let after = gic.target(ofSPI: intid)
                if before != after {
                    gic.movePending(intid, from: before, to: after)
                    effects.retarget.insert(intid)
                }
            }
        case R.icfgr..<0xD00:
            writeConfigWord((offset - R.icfgr) &>> 2, value)
        case R.sgir:
            return sendSGI(value, from: vcpu)
        case R.cpendsgir..<R.spendsgir:
            writeLanes(offset - R.cpendsgir, width, value) { gic, sgi, byte in
                let source = UInt32(gic.banks[vcpu].sgiSources[Int(sgi)])
                if byte & UInt8(truncatingIfNeeded: 1 &<< source) != 0 { gic.banks[vcpu].pending.remove(sgi) }
            }
        case R.spendsgir..<0xF30:
            writeLanes(offset - R.spendsgir, width, value) { gic, sgi, byte in
                let sources = byte & everyVCPU
                guard sources != 0 else { return }
                gic.banks[vcpu].pending.insert(sgi)
                gic.banks[vcpu].sgiSources[Int(sgi)] = UInt8(truncatingIfNeeded: sources.trailingZeroBitCount)
            }
        default:
            return DistributorWrite(effects: effects, status: .ignored(.reserved))
        }
        return DistributorWrite(effects: effects, status: .ok, reached: reached)
    }

    /// Applies `change` to `vcpu`'s bank for word 0 (its SGIs and PPIs), to every
    /// bank for an SPI word.
    @inline(__always)
    mutating func updateWord(_ index: Int, _ vcpu: Int, _ change: (inout VCPUInterruptBank) -> Void) {
        if index == 0 {
            change(&banks[vcpu])
        } else {
            forEachBank { bank in change(&bank); bank.changedSinceFill = true }
        }
    }

    /// Sets `bits` of word `index`: in `vcpu`'s bank for word 0, for SPIs in the bank
    /// of each one's target VCPU.
    mutating func setInTargetBanks(_ index: Int, _ bits: UInt32, _ vcpu: Int,
                                   _ set: (inout VCPUInterruptBank, UInt32) -> Void) {
        if index == 0 {
            set(&banks[vcpu], bits)
            return
        }
        var remaining = bits
        while remaining != 0 {
            let bit = remaining & (~remaining &+ 1)
            remaining &= remaining &- 1
            let intid = UInt32(truncatingIfNeeded: index) &* 32 &+ UInt32(truncatingIfNeeded: bit.trailingZeroBitCount)
            let target = target(ofSPI: intid)
            set(&banks[target], bit)
            banks[target].changedSinceFill = true
        }
    }

    /// An SPI's pending instance follows its new target; an active one stays with the
    /// VCPU that took it until the guest completes it there.
    mutating func movePending(_ intid: UInt32, from old: Int, to new: Int) {
        guard banks[old].pending.contains(intid) else { return }
        let hardware = banks[old].pendingFromHardware.contains(intid)
        banks[old].pending.remove(intid)
        banks[old].pendingFromHardware.remove(intid)
        banks[old].changedSinceFill = true
        banks[new].pending.insert(intid)
        banks[new].pendingFromHardware.update(intid, to: hardware)
        banks[new].changedSinceFill = true
    }

    /// Bits of bank word `index` that are SPIs (physical lines the hypervisor must mirror).
    @inline(__always)
    static func spiBits(_ index: Int) -> UInt32 { index == 0 ? 0 : ~0 }

    /// Bits of bank word `index` that are SGIs.
    @inline(__always)
    static func sgiBits(_ index: Int) -> UInt32 { index == 0 ? 0x0000_FFFF : 0 }

    /// Splits a byte-per-interrupt store into lanes; `first` is the INTID at the access's offset.
    mutating func writeLanes(_ first: UInt32, _ width: AccessWidth, _ value: UInt32,
                             _ apply: (inout VirtualGIC, UInt32, UInt8) -> Void) {
        let lanes: UInt32 = width == .byte ? 1 : 4
        var lane: UInt32 = 0
        while lane < lanes {
            let intid = first &+ lane
            if intid < InterruptSet.capacity {
                apply(&self, intid, UInt8(truncatingIfNeeded: value &>> (8 &* lane)))
            }
            lane &+= 1
        }
    }

    /// GICD_ICFGRn for SPIs: Int_config[1] of each owned SPI; ICFGR0 (SGIs) and
    /// ICFGR1 (PPIs) are read-only.
    mutating func writeConfigWord(_ index: UInt32, _ value: UInt32) {
        guard index >= 2 else { return }
        var k: UInt32 = 0
        while k < 16 {
            let intid = index &* 16 &+ k
            if owned.contains(intid) { edgeTriggered.update(intid, to: value & (2 &<< (2 &* k)) != 0) }
            k &+= 1
        }
    }

    /// GICD_SGIR (SGIRequest decodes it): the SGI becomes pending, from `vcpu`, for
    /// each VCPU it reaches; `reached` names them.
    mutating func sendSGI(_ value: UInt32, from vcpu: Int) -> DistributorWrite {
        guard let request = SGIRequest(value: value, sender: vcpu, vcpuCount: vcpuCount) else {
            return DistributorWrite(effects: DistributorEffects(), status: .ignored(.reserved))
        }
        for target in 0..<vcpuCount where request.reaches(target) {
            _ = banks[target].inject(request.intid, hardware: false, source: vcpu)
            banks[target].counters.sgisReceived &+= 1
        }
        return DistributorWrite(effects: DistributorEffects(), status: .ok, reached: request.targets)
    }
}
