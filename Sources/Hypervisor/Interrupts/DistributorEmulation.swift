import HVRegs
import HypervisorCore

/// The guest's GIC distributor (GuestMemoryMap.gicDistributor, a region of
/// every VM's MMIO table): stage 2 leaves it unmapped, so every access faults,
/// GuestMMIO routes it here and the VM's VirtualGIC model answers it.
enum DistributorEmulation {
    /// Accesses the model refused (bad width, reserved or read-only registers).
    nonisolated(unsafe) static var ignoredAccesses: UInt32 = 0

    /// Performs the decoded access (ISV set) at `offset` in the distributor.
    static func access(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, offset: UInt32, access: DataAbortSyndrome) {
        let register = access.register, width = access.width
        // Any register the guest used, SP and LR included (banked by its mode).
        guard let stored = frame.guestRegister(register) else {
            ignoredAccesses &+= 1
            return
        }
        // The VCPU on this CPU: its bank answers for SGIs and PPIs.
        let bank = ThisCPU.record.pointee.currentBank
        if access.isWrite {
            let result = Machines.withVCPUState(of: vm) {
                Machines.table[vm].vgic.write(offset: offset, width: width, value: stored, vcpu: bank)
            }
            if case .ignored = result.status { ignoredAccesses &+= 1 }
            VirtualInterrupts.apply(result.effects, vm: vm)
            // Other VCPUs an SGI or an SPI change reached: wake them or kick their CPUs.
            var reached = result.reached & ~UInt8(truncatingIfNeeded: 1 &<< bank)
            while reached != 0 {
                let other = Int(reached.trailingZeroBitCount)
                reached &= reached &- 1
                VirtualInterrupts.notify(VCPUs.of(vm: vm, other))
            }
        } else {
            let result = Machines.withVCPUState(of: vm) { Machines.table[vm].vgic.read(offset: offset, width: width, vcpu: bank) }
            if case .ignored = result.status { ignoredAccesses &+= 1 }
            _ = frame.setGuestRegister(register, access.loaded(result.value))
        }
    }
}
