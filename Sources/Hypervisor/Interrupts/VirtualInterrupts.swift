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
    /// The VM whose list registers and GICH_HCR this CPU's hardware holds, as its
    /// model's last fill wrote them (nil: cleared, VCPUContext.save).
    static var loaded: Int? {
        @inline(__always) get { ThisCPU.record.pointee.listRegistersOf }
        set { ThisCPU.record.pointee.listRegistersOf = newValue }
    }

    static func owner(of intid: UInt32) -> Int? { routing.owner(of: intid) }

    /// Makes `intid` pending for `vm` and wakes it if it waits for an interrupt.
    /// A VM on another CPU gets an event upcall through that CPU (CrossCPU); its
    /// hardware interrupts are routed to its CPU and never arrive here.
    static func inject(vm: Int, intid: UInt32, hardware: Bool) {
        if !hardware, CrossCPU.owner(of: vm) != ThisCPU.index {
            CrossCPU.postUpcall(vm: vm)
            return
        }
        Scheduling.record(.interrupt(vcpu: UInt32(truncatingIfNeeded: vm), intid: intid), at: Clock.now)
        Machines.table[vm].interrupts &+= 1
        if Machines.table[vm].vgic.inject(intid, hardware: hardware) == .notOwned, hardware {
            GIC.deactivate(intid)  // never reaches a guest: release the physical interrupt
        }
        if Scheduling.isBlocked(vm), Machines.table[vm].vgic.hasDeliverable() {
            Scheduling.wake(vm)
        }
    }

    /// Exit from `vm`: what the guest did with its list registers goes back into its model.
    /// Only list registers that held something can have changed; the others read as zero.
    /// The check is inlined into the trap path; the fold is not.
    @inline(__always)
    static func exitGuest(vm: Int) {
        let live = Machines.table[vm].vgic.liveListRegisters(vcpu: 0)
        if live != 0 { fold(vm: vm, live: live) }
    }

    @inline(never)
    private static func fold(vm: Int, live: UInt8) {
        let gich = GIC.hypInterface
        var values = InlineArray<4, UInt32>(repeating: 0)
        for index in 0..<4 where live & (1 &<< UInt8(index)) != 0 {
            values[index] = hv_mmio_read32(gich + 0x100 + UInt(index) * 4)
        }
        Machines.table[vm].vgic.sync(fromHardware: values)
    }

    /// Entry into `vm`: list registers and GICH_HCR from its model. Nothing to do when
    /// the hardware holds `vm`'s and its model has not changed since it filled them
    /// (a model replaced by a restart starts changed).
    @inline(__always)
    static func enterGuest(vm: Int) {
        if loaded != vm || Machines.table[vm].vgic.changedSinceFill(vcpu: 0) { refill(vm: vm) }
    }

    @inline(never)
    private static func refill(vm: Int) {
        let load = Machines.table[vm].vgic.fillListRegisters()
        let gich = GIC.hypInterface
        for index in 0..<4 { hv_mmio_write32(gich + 0x100 + UInt(index) * 4, load.values[index]) }
        hv_mmio_write32(gich + 0x000, load.control)
        loaded = vm
    }

    /// Whether the running VM has an interrupt its virtual CPU interface would signal.
    static func hasDeliverable(vm: Int) -> Bool {
        let vmcr = hv_mmio_read32(GIC.hypInterface + 0x008)
        let priorityMask = UInt8(truncatingIfNeeded: (vmcr &>> 27) &<< 3)
        return Machines.table[vm].vgic.hasDeliverable(priorityMask: priorityMask == 0 ? 0 : priorityMask)
    }

    /// The physical side of a VM's passthrough interrupts: routed to this CPU,
    /// masked until the guest enables them in its virtual distributor.
    static func assign(_ intid: UInt32, to vm: Int) throws(RoutingError) {
        try routing.assign(intid, to: vm)
        GIC.disable(intid)
        GIC.route(intid, priority: 0xA0, to: CrossCPU.owner(of: vm))
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

    /// Applies what a guest's distributor write changed for physical interrupts it owns.
    static func apply(_ effects: DistributorEffects) {
        guard !effects.isEmpty else { return }
        // From 16: a guest clearing its hardware-linked timer PPI deactivates the physical one.
        for intid in UInt32(16)..<InterruptSet.capacity {
            if effects.enable.contains(intid) { GIC.enable(intid) }
            if effects.disable.contains(intid) { GIC.disable(intid) }
            if effects.deactivate.contains(intid) { GIC.setActive(intid, false) }
        }
    }
}
