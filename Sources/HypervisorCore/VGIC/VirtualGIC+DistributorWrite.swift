// Emulated GICD writes. Bits and bytes of interrupts the VM does not own are
// ignored, so they never change state and never produce effects.
//
// Deliberate simplifications (docs/VGIC.md):
//   - ISPENDR/ICPENDR ignore the SGI bits, as GICv2 does (SPENDSGIR/CPENDSGIR set
//     and clear them, for source CPU 0, the only one).
//   - ITARGETSR writes are accepted and change nothing: with one VCPU every
//     interrupt targets CPU 0.
//   - ICFGR: SGIs are edge and PPIs level, read-only; SPIs take Int_config[1] only.
//     The value is not mirrored to the physical distributor.

extension VirtualGIC {
    /// The guest's store of `value` to GICD + `offset` by `vcpu`. For a byte access
    /// only the low eight bits of `value` count.
    public mutating func write(offset: UInt32, width: AccessWidth, value: UInt32, vcpu: Int = 0) -> DistributorWrite {
        VirtualGIC.checkVCPU(vcpu)
        changedSinceFill = true
        var effects = DistributorEffects()
        if let fault = VirtualGIC.accessFault(offset: offset, width: width) {
            return DistributorWrite(effects: effects, status: .ignored(fault))
        }
        typealias R = DistributorRegisters
        let index = Int((offset & 0x7F) &>> 2)
        let inBank = index < InterruptSet.wordCount
        switch offset {
        case R.ctlr:
            distributorEnabled = value & 1 != 0
        case R.typer, R.iidr, R.identification..<R.frameSize:
            return DistributorWrite(effects: effects, status: .ignored(.readOnly))
        case R.igroupr..<R.isenabler, R.nsacr..<R.sgir, R.itargetsr..<R.icfgr:
            break
        case R.isenabler..<R.icenabler where inBank:
            let bits = value & owned.word(index)
            effects.enable.setWord(index, bits & ~enabled.word(index) & VirtualGIC.spiBits(index))
            enabled.setWord(index, enabled.word(index) | bits)
        case R.icenabler..<R.ispendr where inBank:
            let bits = value & owned.word(index) & enabled.word(index)
            effects.disable.setWord(index, bits & VirtualGIC.spiBits(index))
            enabled.setWord(index, enabled.word(index) & ~bits)
        case R.ispendr..<R.icpendr where inBank:
            let bits = value & owned.word(index) & ~VirtualGIC.sgiBits(index)
            pending.setWord(index, pending.word(index) | bits)
        case R.icpendr..<R.isactiver where inBank:
            let bits = value & owned.word(index) & pending.word(index) & ~VirtualGIC.sgiBits(index)
            effects.deactivate.setWord(index, bits & pendingFromHardware.word(index))
            pending.setWord(index, pending.word(index) & ~bits)
            pendingFromHardware.setWord(index, pendingFromHardware.word(index) & ~bits)
        case R.isactiver..<R.icactiver where inBank:
            active.setWord(index, active.word(index) | (value & owned.word(index)))
        case R.icactiver..<R.ipriorityr where inBank:
            let bits = value & owned.word(index) & active.word(index)
            effects.deactivate.setWord(index, bits & activeFromHardware.word(index))
            active.setWord(index, active.word(index) & ~bits)
            activeFromHardware.setWord(index, activeFromHardware.word(index) & ~bits)
        case R.isenabler..<R.ipriorityr:
            break  // a bank word beyond INTID 159: RAZ/WI
        case R.ipriorityr..<R.itargetsr:
            writeLanes(offset - R.ipriorityr, width, value) { gic, intid, byte in
                if gic.owned.contains(intid) { gic.priorities[Int(intid)] = byte & DistributorRegisters.priorityMask }
            }
        case R.icfgr..<0xD00:
            writeConfigWord((offset - R.icfgr) &>> 2, value)
        case R.sgir:
            return DistributorWrite(effects: effects, status: sendSGI(value, from: vcpu))
        case R.cpendsgir..<R.spendsgir:
            writeLanes(offset - R.cpendsgir, width, value) { gic, sgi, byte in
                if byte & 1 != 0 { gic.pending.remove(sgi) }
            }
        case R.spendsgir..<0xF30:
            writeLanes(offset - R.spendsgir, width, value) { gic, sgi, byte in
                if byte & 1 != 0 { gic.pending.insert(sgi) }
            }
        default:
            return DistributorWrite(effects: effects, status: .ignored(.reserved))
        }
        return DistributorWrite(effects: effects, status: .ok)
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

    /// GICD_SGIR (SGIRequest decodes it). The SGI becomes pending for each
    /// VCPU it reaches; with one VCPU per VM that is this one or nobody.
    mutating func sendSGI(_ value: UInt32, from vcpu: Int) -> AccessStatus {
        guard let request = SGIRequest(value: value, sender: vcpu, vcpuCount: VirtualGIC.vcpuCount) else {
            return .ignored(.reserved)
        }
        if request.reaches(vcpu) { inject(request.intid, hardware: false, vcpu: vcpu) }
        return .ok
    }
}
