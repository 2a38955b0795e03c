import HVRegs
import HypervisorCore

/// Every exception the hypervisor takes enters here. Traps from a guest are
/// dispatched by exception class in one switch; the syndrome is decoded once
/// into the core's typed views (HypervisorCore/Traps) that the handlers take.
/// Exceptions taken in HYP mode itself are hypervisor bugs and always panic.
enum Traps {
    /// One trap from the guest on `vm`.
    @inline(__always)
    static func dispatch(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let hsr = frame.pointee.hsr
        guard let exceptionClass = ExceptionClass(syndrome: hsr) else {
            Panic.report("guest trap of an exception class ARMv7 does not define", frame: frame)
        }
        // A conditional instruction that failed its check may still trap
        // (implementation defined): it did nothing, so step past it.
        if exceptionClass.hasConditionField, !trappedInstructionConditionPassed(syndrome: hsr, cpsr: frame.pointee.spsr) {
            skip(frame)
            return
        }
        let outcome: TrapOutcome
        switch exceptionClass {
        case .hvc:
            outcome = Hypercalls.handle(vm: vm, frame: frame, call: HypervisorCallSyndrome(syndrome: hsr))
        case .cp15Mcr:
            outcome = GuestTraps.cp15(vm: vm, frame: frame, access: CP15Access(syndrome: hsr))
        case .dataAbortFromGuest:
            outcome = GuestMMIO.handle(vm: vm, frame: frame)
        case .wfiOrWfe:
            outcome = GuestTraps.wait(vm: vm, wait: WaitSyndrome(syndrome: hsr))
        case .smc:
            outcome = GuestTraps.secureMonitorCall(vm: vm, frame: frame)
        case .cp15Mcrr, .cp14Mcr, .cp14Ldc, .cp14Mrrc:
            // No 64-bit CP15 or CP14 register is emulated: the guest may not touch them.
            outcome = ExceptionInjection.injectUndefined(vm: vm, frame: frame, instructionAddress: frame.pointee.elr)
        case .prefetchAbortFromGuest:
            outcome = ExceptionInjection.injectPrefetchAbort(vm: vm, frame: frame, address: hv_read_hifar())
        default:
            Panic.report("guest trap of a class the hypervisor does not trap", frame: frame)
        }
        if case .skipInstruction = outcome { skip(frame) }
    }

    /// Steps past the trapped instruction (emulated, or its condition failed).
    static func skip(_ frame: UnsafeMutablePointer<apus_trap_frame>) {
        let next = stepPastTrappedInstruction(pc: frame.pointee.elr, cpsr: frame.pointee.spsr, syndrome: frame.pointee.hsr)
        frame.pointee.elr = next.pc
        frame.pointee.spsr = next.cpsr
    }

    /// The VM whose VCPU was interrupted. Every exception from a guest comes
    /// from the VCPU on the CPU, so none is a hypervisor bug.
    @inline(__always)
    static func currentVM(_ frame: UnsafeMutablePointer<apus_trap_frame>,
                          _ otherwise: StaticString = "trap from a guest with no current VCPU") -> Int {
        guard let vm = Machines.current else { Panic.report(otherwise, frame: frame) }
        return vm
    }
}

/// Called by Boot/vectors.S with the saved frame; returning resumes it.
@c(apus_trap)
func apusTrap(_ frame: UnsafeMutablePointer<apus_trap_frame>) {
    let start = hv_read_pmccntr()
    #if APUS_MEASURE
    let census = TrapCensus.enter(frame)
    #endif
    switch Int32(frame.pointee.kind) {
    case TRAP_KIND_HYP_TRAP:
        let vm = Traps.currentVM(frame)
        VirtualInterrupts.exitGuest(vm: vm)
        Traps.dispatch(vm: vm, frame: frame)
        Scheduling.resume(frame)
        VirtualInterrupts.enterGuest(vm: Traps.currentVM(frame))
    case TRAP_KIND_IRQ where frame.pointee.spsr & UInt32(PSR_MODE_MASK) != UInt32(PSR_MODE_HYP):
        VirtualInterrupts.exitGuest(vm: Traps.currentVM(frame, "interrupt from a guest with no current VCPU"))
        Interrupts.handlePending()
        Scheduling.resume(frame)
        VirtualInterrupts.enterGuest(vm: Traps.currentVM(frame, "interrupt from a guest with no current VCPU"))
    case TRAP_KIND_UNDEFINED where isSwiftRuntimeTrap(at: frame.pointee.elr):
        Panic.report("Swift runtime trap (precondition, bounds or overflow check) in the hypervisor", frame: frame)
    default:
        Panic.report("exception taken in HYP mode", frame: frame)
    }
    #if APUS_MEASURE
    TrapCensus.leave(census)
    #endif
    // Recorded in line at the one way out (every other path panics): a defer
    // would be an outlined function and a call.
    ThisCPU.record.pointee.trapCost.record(hv_read_pmccntr() &- start)
}

private func isSwiftRuntimeTrap(at address: UInt32) -> Bool {
    guard UInt(address) >= hv_image_start(), UInt(address) < hv_image_end(), address & 3 == 0 else { return false }
    return hv_peek32(UInt(address)) == swiftTrapInstruction
}
