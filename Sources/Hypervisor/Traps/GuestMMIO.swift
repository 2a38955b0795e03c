import HVRegs
import HypervisorCore

/// A guest access that stage 2 did not map, routed by the VM's region table
/// (HypervisorCore MMIORegionTable, built when the VM is created): the
/// emulated GIC distributor, one of the VM's sub-page device windows
/// (forwarded), or a data abort injected into the guest.
enum GuestMMIO {
    /// The stage-2 data abort in `frame` (its view is built here, not by the
    /// dispatcher, so that no 24-byte argument costs every trap a stack frame).
    static func handle(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) -> TrapOutcome {
        let access = DataAbortSyndrome(syndrome: frame.pointee.hsr, hpfar: hv_read_hpfar(), hdfar: hv_read_hdfar())
        switch Machines.table[vm].mmioRegions.route(access) {
        case .distributor(let offset, let access):
            DistributorEmulation.access(vm: vm, frame: frame, offset: offset, access: access)
        case .forward(let forwarded):
            // Any transfer register, SP and LR banked by the guest's mode.
            guard let stored = frame.guestRegister(forwarded.register) else {
                return ExceptionInjection.injectDataAbort(vm: vm, frame: frame, address: access.virtualAddress, write: access.isWrite)
            }
            forward(vm: vm, frame: frame, forwarded, stored: stored)
        case .refuse:
            return ExceptionInjection.injectDataAbort(vm: vm, frame: frame, address: access.virtualAddress, write: access.isWrite)
        }
        return .skipInstruction
    }

    /// Performs the access on the physical register through the hypervisor's
    /// device mapping (the HYP stage-1 map covers 0-2 GiB as device memory,
    /// Boot/start.S) and hands a load's value to the guest register.
    private static func forward(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, _ forwarded: ForwardedAccess, stored: UInt32) {
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
    }
}
