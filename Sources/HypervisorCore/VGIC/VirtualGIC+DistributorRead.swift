// Emulated GICD reads. Offsets are relative to the distributor base
// (guest-physical 0x2C001000). Bits and bytes of interrupts the VM does not
// own read as zero.

extension VirtualGIC {
    /// The guest's load from GICD + `offset` by `vcpu`: the SGI and PPI words and bytes
    /// are that VCPU's bank, SPI state is the VM's.
    public func read(offset: UInt32, width: AccessWidth, vcpu: Int = 0) -> DistributorRead {
        checkVCPU(vcpu)
        if let fault = VirtualGIC.accessFault(offset: offset, width: width) {
            return DistributorRead(value: 0, status: .ignored(fault))
        }
        typealias R = DistributorRegisters
        let value: UInt32
        switch offset {
        case R.ctlr: value = distributorEnabled ? 1 : 0
        case R.typer: value = R.typerValue | UInt32(truncatingIfNeeded: vcpuCount &- 1) &<< 5
        case R.iidr: value = R.iidrValue
        case R.igroupr..<R.isenabler: value = 0
        case R.isenabler..<R.ispendr: value = bankWord(banks[vcpu].enabled, offset & 0x7F)
        case R.ispendr..<R.isactiver: value = stateWord(offset & 0x7F, vcpu) { $0.pending }
        case R.isactiver..<R.ipriorityr: value = stateWord(offset & 0x7F, vcpu) { $0.active }
        case R.ipriorityr..<R.itargetsr:
            value = readLanes(offset - R.ipriorityr, width) { intid in owned.contains(intid) ? banks[vcpu].priorities[Int(intid)] : 0 }
        case R.itargetsr..<R.icfgr:
            // SGIs and PPIs read as the reading CPU's own bit, as on GICv2.
            value = readLanes(offset - R.itargetsr, width) { intid in
                guard owned.contains(intid) else { return 0 }
                return intid < 32 ? UInt8(truncatingIfNeeded: 1 &<< UInt32(truncatingIfNeeded: vcpu)) : spiTargets[Int(intid &- 32)]
            }
        case R.icfgr..<0xD00: value = configWord((offset - R.icfgr) &>> 2)
        case R.nsacr..<R.sgir: value = 0
        case R.sgir: return DistributorRead(value: 0, status: .ignored(.writeOnly))
        case R.cpendsgir..<0xF30:
            // Byte n, bit c: SGI n pending for this VCPU from VCPU c (one source kept).
            value = readLanes((offset - R.cpendsgir) & 0xF, width) { sgi in
                banks[vcpu].pending.contains(sgi) ? UInt8(truncatingIfNeeded: 1 &<< UInt32(banks[vcpu].sgiSources[Int(sgi)])) : 0
            }
        case R.identification..<R.frameSize: value = offset == R.icpidr2 ? R.icpidr2Value : 0
        default: return DistributorRead(value: 0, status: .ignored(.reserved))
        }
        return DistributorRead(value: value, status: .ok)
    }

    /// Word `relative / 4` of the pending or active bank: word 0 is `vcpu`'s, SPI words
    /// gather every VCPU's (an SPI's state is in the bank of the VCPU it went to).
    func stateWord(_ relative: UInt32, _ vcpu: Int, _ set: (VCPUInterruptBank) -> InterruptSet) -> UInt32 {
        let index = Int(relative &>> 2)
        guard index < InterruptSet.wordCount else { return 0 }
        if index == 0 { return set(banks[vcpu]).word(0) & owned.word(0) }
        var word: UInt32 = 0
        for bank in 0..<vcpuCount { word |= set(banks[bank]).word(index) }
        return word & owned.word(index)
    }

    /// Whether an access of `width` at `offset` is one GICv2 allows: inside the frame,
    /// word-aligned words anywhere, bytes only in the byte-accessible registers.
    static func accessFault(offset: UInt32, width: AccessWidth) -> AccessFault? {
        guard offset < DistributorRegisters.frameSize else { return .outsideFrame }
        switch width {
        case .word: return offset & 3 == 0 ? nil : .badWidth
        case .byte: return isByteAccessible(offset) ? nil : .badWidth
        case .halfword: return .badWidth
        }
    }

    /// IPRIORITYR, ITARGETSR, CPENDSGIR and SPENDSGIR are byte-accessible.
    static func isByteAccessible(_ offset: UInt32) -> Bool {
        typealias R = DistributorRegisters
        return (R.ipriorityr..<R.icfgr).contains(offset) || (R.cpendsgir..<0xF30).contains(offset)
    }

    /// Word `relative / 4` of a bit-per-interrupt bank; banks beyond INTID 159 read as zero.
    func bankWord(_ set: InterruptSet, _ relative: UInt32) -> UInt32 {
        let index = Int(relative &>> 2)
        return index < InterruptSet.wordCount ? set.word(index) & owned.word(index) : 0
    }

    /// Assembles a byte-per-interrupt register: one lane for a byte access, four for a word.
    /// `first` is the INTID of the byte at the access's offset.
    func readLanes(_ first: UInt32, _ width: AccessWidth, _ byte: (UInt32) -> UInt8) -> UInt32 {
        let lanes: UInt32 = width == .byte ? 1 : 4
        var value: UInt32 = 0
        var lane: UInt32 = 0
        while lane < lanes {
            let intid = first &+ lane
            if intid < InterruptSet.capacity { value |= UInt32(byte(intid)) &<< (8 &* lane) }
            lane &+= 1
        }
        return value
    }

    /// GICD_ICFGRn: two bits per interrupt, Int_config[1] (bit 2k+1) set for edge-triggered.
    func configWord(_ index: UInt32) -> UInt32 {
        var value: UInt32 = 0
        var k: UInt32 = 0
        while k < 16 {
            let intid = index &* 16 &+ k
            if owned.contains(intid) && edgeTriggered.contains(intid) { value |= 2 &<< (2 &* k) }
            k &+= 1
        }
        return value
    }
}
