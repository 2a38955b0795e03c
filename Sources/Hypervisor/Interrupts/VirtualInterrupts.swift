import HVRegs
import HypervisorCore

/// Glue between the physical GIC's virtualization interface (GICH) and each
/// VM's pure VirtualGIC model: the model decides, this file moves the values.
/// On every exit from a guest the list registers the guest can have changed
/// are folded back into the model (`exitGuest`); on entry they are derived
/// from it (`enterGuest`) when it changed or another VM's were loaded.
enum VirtualInterrupts {
    /// Which VM owns each physical SPI (from the configuration).
    nonisolated(unsafe) static var routing = InterruptRouting()
    /// The VCPU whose list registers and GICH_HCR this CPU's hardware holds, as its
    /// bank's last fill wrote them (nil: cleared, VCPUContext.save).
    static var loaded: Int? {
        @inline(__always) get { ThisCPU.record.pointee.listRegistersOf }
        set { ThisCPU.record.pointee.listRegistersOf = newValue }
    }

    static func owner(of intid: UInt32) -> Int? { routing.ownerInPlace(of: intid) }

    /// Makes `intid` pending for `vm`: an SGI or PPI for its VCPU `vcpu`, an SPI for
    /// the VCPU its virtual ITARGETSR names; wakes that VCPU if it waits for an
    /// interrupt. An event upcall for a VM with one VCPU, on another CPU, is posted
    /// to that CPU (CrossCPU), which injects it; with several VCPUs the vGIC is
    /// shared under LOCK_VCPUS, so any CPU injects and then kicks the VCPU's CPU.
    static func inject(vm: Int, vcpu: Int = 0, intid: UInt32, hardware: Bool) {
        if !Machines.table[vm].isSMP {
            if !hardware, CrossCPU.owner(of: vm) != ThisCPU.index {
                CrossCPU.postUpcall(vcpu: VCPUs.of(vm: vm, 0))
                return
            }
            Scheduling.record(.interrupt(vcpu: UInt32(truncatingIfNeeded: VCPUs.of(vm: vm, 0)), intid: intid), at: Clock.now)
            Machines.table[vm].interrupts &+= 1
            if Machines.table[vm].vgic.inject(intid, hardware: hardware) == .notOwned, hardware {
                GIC.deactivate(intid)  // never reaches a guest: release the physical interrupt
            }
            wakeIfDeliverable(VCPUs.of(vm: vm, 0))
            return
        }
        let receiver = Machines.withVCPUState(of: vm) { () -> Int in
            let receiver = intid >= 32 ? Machines.table[vm].vgic.target(ofSPI: intid) : vcpu
            Machines.table[vm].interrupts &+= 1
            if Machines.table[vm].vgic.inject(intid, hardware: hardware, vcpu: receiver) == .notOwned, hardware {
                GIC.deactivate(intid)
            }
            return receiver
        }
        notify(VCPUs.of(vm: vm, receiver))
    }

    /// `vcpu`'s vGIC bank may have something new: wake it here, or ask its CPU to look.
    static func notify(_ vcpu: Int) {
        if VCPUs.table[vcpu].physicalCPU == ThisCPU.index {
            wakeIfDeliverable(vcpu)
        } else {
            CrossCPU.kick(vcpu: vcpu)
        }
    }

    /// On `vcpu`'s own CPU, after a kick: a VCPU whose VM stopped leaves the
    /// scheduler; one that CPU_ON started, or that has an interrupt to take, runs.
    static func notice(_ vcpu: Int) {
        let vm = VCPUs.table[vcpu].vm
        guard Machines.table[vm].isRunnable else {
            Scheduling.remove(vcpu)
            return
        }
        wakeIfDeliverable(vcpu)
    }

    /// On `vcpu`'s own CPU: a blocked VCPU that is powered on and has an interrupt to take runs again.
    static func wakeIfDeliverable(_ vcpu: Int) {
        guard Scheduling.isBlocked(vcpu) else { return }
        let vm = VCPUs.table[vcpu].vm, bank = VCPUs.table[vcpu].index
        let ready = Machines.withVCPUState(of: vm) { () -> Bool in
            switch Machines.table[vm].power.state(of: bank) {
            case .off: return false
            case .onPending:  // CPU_ON gave it its context: it runs now
                Machines.table[vm].power.started(bank)
                return true
            case .on: return Machines.table[vm].vgic.hasDeliverable(vcpu: bank)
            }
        }
        if ready { Scheduling.wake(vcpu) }
    }

    /// Exit from `vm`'s VCPU on this CPU: what the guest did with its list registers
    /// goes back into its bank. Only list registers that held something can have
    /// changed; the others read as zero. The check is inlined into the trap path; the fold is not.
    @inline(__always)
    static func exitGuest(vm: Int) {
        let live = ThisCPU.record.pointee.currentInterrupts.unsafelyUnwrapped.pointee.liveListRegisters
        if _slowPath(live != 0) { fold(vm: vm, live: live) }
    }

    /// The running VCPU's bank is reached through the CPU record (not the VM table).
    @inline(never)
    private static func fold(vm: Int, live: UInt8) {
        let bank = ThisCPU.record.pointee.currentInterrupts.unsafelyUnwrapped
        let gich = GIC.hypInterface
        var values = InlineArray<4, UInt32>(repeating: 0)
        for index in 0..<4 where live & (1 &<< UInt8(index)) != 0 {
            values[index] = hv_mmio_read32(gich + 0x100 + UInt(index) * 4)
        }
        Machines.withVCPUState(of: vm) { bank.pointee.fold(fromHardware: values) }
    }

    /// Entry into `vm`'s VCPU on this CPU: list registers and GICH_HCR from its bank.
    /// Nothing to do when the hardware holds this VCPU's and its bank has not changed
    /// since it filled them (a model replaced by a restart starts changed).
    @inline(__always)
    static func enterGuest(vm: Int) {
        let record = ThisCPU.record
        if _slowPath(record.pointee.listRegistersOf != record.pointee.currentVCPU
            || record.pointee.currentInterrupts.unsafelyUnwrapped.pointee.changedSinceFill) {
            refill(vm: vm, vcpu: record.pointee.currentVCPU)
        }
    }

    /// The running VCPU's bank is reached through the CPU record (not the VM table).
    @inline(never)
    private static func refill(vm: Int, vcpu: Int) {
        let bank = ThisCPU.record.pointee.currentInterrupts.unsafelyUnwrapped
        let load = Machines.withVCPUState(of: vm) { bank.pointee.fillListRegisters() }
        let gich = GIC.hypInterface
        for index in 0..<4 { hv_mmio_write32(gich + 0x100 + UInt(index) * 4, load.values[index]) }
        hv_mmio_write32(gich + 0x000, load.control)
        loaded = vcpu
    }

    /// Whether the running VCPU of `vm` has an interrupt its virtual CPU interface would signal.
    static func hasDeliverable(vm: Int) -> Bool {
        let vmcr = hv_mmio_read32(GIC.hypInterface + 0x008)
        let priorityMask = UInt8(truncatingIfNeeded: (vmcr &>> 27) &<< 3)
        let bank = ThisCPU.record.pointee.currentBank
        return Machines.withVCPUState(of: vm) {
            Machines.table[vm].vgic.hasDeliverable(vcpu: bank, priorityMask: priorityMask == 0 ? 0 : priorityMask)
        }
    }

    /// The physical side of a VM's passthrough interrupts: routed to CPU `cpu` (the one
    /// its VCPU runs on, which must take it: `inject` touches the VM's vGIC on that CPU
    /// only), masked until the guest enables them in its virtual distributor.
    static func assign(_ intid: UInt32, to vm: Int, cpu: Int) throws(RoutingError) {
        try routing.assign(intid, to: vm)
        GIC.disable(intid)
        GIC.route(intid, priority: 0xA0, to: cpu)
    }

    /// Whether one of `vm`'s passthrough interrupts is enabled (it could wake it).
    static func hasEnabledDevice(vm: Int) -> Bool {
        let owned = routing.spis(ownedBy: vm)
        for intid in UInt32(32)..<InterruptSet.capacity where owned.contains(intid) {
            if Machines.table[vm].vgic.isEnabled(intid) { return true }
        }
        return false
    }

    /// A stopped VM's physical interrupts are masked and released.
    static func release(vm: Int) {
        let owned = routing.spis(ownedBy: vm)
        for intid in UInt32(32)..<InterruptSet.capacity where owned.contains(intid) {
            GIC.disable(intid)
            if GIC.isActive(intid) { GIC.setActive(intid, false) }
        }
    }

    /// Applies what a guest's distributor write changed for physical interrupts it
    /// owns; a retargeted SPI goes to the CPU of the VCPU it now targets.
    static func apply(_ effects: DistributorEffects, vm: Int) {
        guard !effects.isEmpty else { return }
        // From 16: a guest clearing its hardware-linked timer PPI deactivates the physical one.
        for intid in UInt32(16)..<InterruptSet.capacity {
            if effects.enable.contains(intid) { GIC.enable(intid) }
            if effects.disable.contains(intid) { GIC.disable(intid) }
            if effects.deactivate.contains(intid) { GIC.setActive(intid, false) }
            if effects.retarget.contains(intid) {
                let target = Machines.withVCPUState(of: vm) { Machines.table[vm].vgic.target(ofSPI: intid) }
                GIC.route(intid, priority: 0xA0, to: VCPUs.table[VCPUs.of(vm: vm, target)].physicalCPU)
            }
        }
    }
}
