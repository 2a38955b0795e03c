import HVRegs
import HypervisorCore

/// Accesses to device windows smaller than a page (one virtio-mmio transport
/// of the four that share a page), which stage 2 leaves unmapped: the core
/// decides (ForwardedWindows.swift), this performs the access on the physical
/// register through the hypervisor's device mapping and hands a load's value
/// to the guest register. The HYP stage-1 map covers 0-2 GiB as device memory
/// (Boot/start.S), the virtio page included.
enum ForwardedMMIO {
    /// Performs the trapped access if it lies in one of `vm`'s windows and can
    /// be replayed; false when it is refused (the caller injects the abort).
    /// On success the instruction is not yet skipped.
    static func handle(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, address: UInt32, syndrome: UInt32) -> Bool {
        guard Machines.table[vm].forwardedWindows.count > 0 else { return false }
        let access = TrappedAccess(address: GuestPhysicalAddress(address), syndrome: syndrome)
        guard case .forward(let forwarded) = Machines.table[vm].forwardedWindows.decide(access),
              let stored = frame.guestRegister(forwarded.register) else { return false }
        let physical = UInt(truncatingIfNeeded: forwarded.physical.value)
        if forwarded.isWrite {
            let value = forwarded.stored(stored)
            switch forwarded.width {
            case .byte: hv_mmio_write8(physical, UInt8(truncatingIfNeeded: value))
            case .halfword: hv_mmio_write16(physical, UInt16(truncatingIfNeeded: value))
            case .word: hv_mmio_write32(physical, value)
            }
        } else {
            let raw: UInt32
            switch forwarded.width {
            case .byte: raw = UInt32(truncatingIfNeeded: hv_mmio_read8(physical))
            case .halfword: raw = UInt32(truncatingIfNeeded: hv_mmio_read16(physical))
            case .word: raw = hv_mmio_read32(physical)
            }
            _ = frame.setGuestRegister(forwarded.register, forwarded.loaded(raw))
        }
        Machines.table[vm].forwardedAccesses &+= 1
        return true
    }
}
