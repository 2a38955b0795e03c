import HVRegs
import HypervisorCore

/// The guest traps other than hypercalls and data aborts: WFI/WFE, SMC
/// (PSCI) and the CP15 registers the hypervisor traps. Traps.dispatch has
/// already skipped an instruction whose condition failed.
enum GuestTraps {
    /// WFI blocks the VCPU until an interrupt is pending for it; WFE yields.
    @inline(__always)
    static func wait(vm: Int, wait: WaitSyndrome) -> TrapOutcome {
        if wait.isWFE {
            Scheduling.yield(VCPUs.current)
        } else {
            Blocking.blockUntilInterrupt(vm: vm)
        }
        return .skipInstruction
    }

    /// SMC from a guest (trapped by HCR.TSC): PSCI, or undefined.
    static func secureMonitorCall(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) -> TrapOutcome {
        guard PSCI.handle(vm: vm, frame: frame) else {
            return ExceptionInjection.injectUndefined(vm: vm, frame: frame, instructionAddress: frame.pointee.elr)
        }
        return Machines.table[vm].isRunnable ? .skipInstruction : .vcpuStopped
    }

    /// MCR/MRC to CP15 trapped by HCR.TAC (ACTLR), HCR.TSW (set/way cache
    /// maintenance) and HCR.TIDCP/HSTR (implementation-defined registers).
    @inline(__always)
    static func cp15(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, access: CP15Access) -> TrapOutcome {
        switch access.emulated {
        case .actlr:
            // Reads see the real value, writes are ignored.
            if access.isRead { frame.setRegister(access.rt, hv_read_actlr()) }
        // One CPU, caches shared with nobody else: performing the guest's
        // set/way operation itself is exact.
        case .dcisw: hv_write_dcisw(frame.register(access.rt))
        case .dccsw: hv_write_dccsw(frame.register(access.rt))
        case .dccisw: hv_write_dccisw(frame.register(access.rt))
        case nil:
            return ExceptionInjection.injectUndefined(vm: vm, frame: frame, instructionAddress: frame.pointee.elr)
        }
        return .skipInstruction
    }
}
