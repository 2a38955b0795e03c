import HVRegs
import HypervisorCore

/// Traps from guests other than hypercalls: WFI/WFE, SMC (PSCI), CP15
/// accesses the hypervisor traps, and stage-2 aborts.
enum GuestTraps {
    static func register() {
        Traps.register(.wfiOrWfe, handleWait)
        Traps.register(.smc, handleSMC)
        Traps.register(.cp15Mcr, handleCP15)
        Traps.register(.cp15Mcrr, handleUndefinedAccess)
        Traps.register(.cp14Mcr, handleUndefinedAccess)
        Traps.register(.cp14Ldc, handleUndefinedAccess)
        Traps.register(.cp14Mrrc, handleUndefinedAccess)
        Traps.register(.dataAbortFromGuest, handleDataAbort)
        Traps.register(.prefetchAbortFromGuest, handlePrefetchAbort)
    }

    /// Steps past the trapped instruction (emulated, or its condition failed).
    static func skip(_ frame: UnsafeMutablePointer<apus_trap_frame>) {
        let next = stepPastTrappedInstruction(pc: frame.pointee.elr, cpsr: frame.pointee.spsr, syndrome: frame.pointee.hsr)
        frame.pointee.elr = next.pc
        frame.pointee.spsr = next.cpsr
    }

    static func conditionFailed(_ frame: UnsafeMutablePointer<apus_trap_frame>) -> Bool {
        if trappedInstructionConditionPassed(syndrome: frame.pointee.hsr, cpsr: frame.pointee.spsr) { return false }
        skip(frame)
        return true
    }
}

/// WFI blocks the VCPU until an interrupt is pending for it; WFE yields.
private let handleWait: TrapHandler = { frame in
    guard let vm = Machines.current, !GuestTraps.conditionFailed(frame) else { return }
    GuestTraps.skip(frame)
    if frame.pointee.hsr & 1 != 0 {
        Scheduling.yield(vm)
    } else {
        Blocking.blockUntilInterrupt(vm: vm)
    }
}

/// SMC from a guest: PSCI, or undefined.
private let handleSMC: TrapHandler = { frame in
    guard let vm = Machines.current, !GuestTraps.conditionFailed(frame) else { return }
    let smcAddress = frame.pointee.elr
    GuestTraps.skip(frame)
    if !PSCI.handle(vm: vm, frame: frame) {
        ExceptionInjection.injectUndefined(vm: vm, frame: frame, instructionAddress: smcAddress)
    }
}

/// MCR/MRC to CP15 trapped by HCR.TAC (ACTLR), HCR.TSW (set/way cache
/// maintenance) and HCR.TIDCP/HSTR (implementation-defined registers).
private let handleCP15: TrapHandler = { frame in
    guard let vm = Machines.current, !GuestTraps.conditionFailed(frame) else { return }
    let iss = frame.pointee.hsr
    let opc2 = (iss >> 17) & 7, opc1 = (iss >> 14) & 7, crn = (iss >> 10) & 0xF
    let rt = (iss >> 5) & 0xF, crm = (iss >> 1) & 0xF, isRead = iss & 1 != 0
    guard rt <= 12 else {
        ExceptionInjection.injectUndefined(vm: vm, frame: frame, instructionAddress: frame.pointee.elr)
        return
    }
    switch (crn, opc1, crm, opc2) {
    case (1, 0, 0, 1):  // ACTLR: reads the real value, writes are ignored
        if isRead { frame.setRegister(rt, hv_read_actlr()) }
        GuestTraps.skip(frame)
    case (7, 0, 6, 2), (7, 0, 10, 2), (7, 0, 14, 2):  // DCISW, DCCSW, DCCISW
        // One CPU, caches shared with nobody else: performing the guest's
        // set/way operation itself is exact.
        let operand = frame.register(rt)
        if crm == 6 { hv_write_dcisw(operand) } else if crm == 10 { hv_write_dccsw(operand) } else { hv_write_dccisw(operand) }
        GuestTraps.skip(frame)
    default:
        ExceptionInjection.injectUndefined(vm: vm, frame: frame, instructionAddress: frame.pointee.elr)
    }
}

private let handleUndefinedAccess: TrapHandler = { frame in
    guard let vm = Machines.current, !GuestTraps.conditionFailed(frame) else { return }
    ExceptionInjection.injectUndefined(vm: vm, frame: frame, instructionAddress: frame.pointee.elr)
}

/// A guest access that stage 2 did not map: the emulated GIC distributor, one
/// of the VM's sub-page device windows (forwarded), or a fault.
private let handleDataAbort: TrapHandler = { frame in
    guard let vm = Machines.current else { return }
    let hsr = frame.pointee.hsr
    let ipa = ((hv_read_hpfar() & 0xFFFF_FFF0) << 8) | (hv_read_hdfar() & 0xFFF)
    let isWrite = hsr & (1 << 6) != 0
    if hsr & (1 << 24) != 0, DistributorEmulation.contains(ipa) {
        DistributorEmulation.access(vm: vm, frame: frame, address: ipa, syndrome: hsr)
        GuestTraps.skip(frame)
        return
    }
    if ForwardedMMIO.handle(vm: vm, frame: frame, address: ipa, syndrome: hsr) {
        GuestTraps.skip(frame)
        return
    }
    ExceptionInjection.injectDataAbort(vm: vm, frame: frame, address: hv_read_hdfar(), write: isWrite)
}

private let handlePrefetchAbort: TrapHandler = { frame in
    guard let vm = Machines.current else { return }
    ExceptionInjection.injectPrefetchAbort(vm: vm, frame: frame, address: hv_read_hifar())
}
