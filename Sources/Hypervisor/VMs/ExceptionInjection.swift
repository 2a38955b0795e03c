import HVRegs
import HypervisorCore

/// What happens to a guest that does something it may not: an exception is
/// injected into it (its own handler decides), or, when it cannot handle one
/// (a fault while entering or inside its own exception handler), the VM is
/// stopped (VMStop). The other VMs run on either way. Each returns which of
/// the two happened, as the trap's outcome.
enum ExceptionInjection {
    private static let vectorUndefined: UInt32 = 0x04
    private static let vectorPrefetchAbort: UInt32 = 0x0C
    private static let vectorDataAbort: UInt32 = 0x10
    /// Short-descriptor fault status: synchronous external abort.
    private static let externalAbortStatus: UInt32 = 0x08

    /// Undefined instruction at the trapped instruction (e.g. an HVC with a
    /// foreign immediate or an unknown CP15 access).
    @discardableResult
    static func injectUndefined(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, instructionAddress: UInt32) -> TrapOutcome {
        let thumb = frame.pointee.spsr & (1 << 5) != 0
        hv_write_spsr_und(frame.pointee.spsr)
        hv_write_lr_und(instructionAddress &+ (thumb ? 2 : 4))
        enter(vm: vm, frame: frame, mode: UInt32(PSR_MODE_UND), vector: vectorUndefined, maskAborts: false)
        return .injectedFault
    }

    /// Data abort for an access outside the guest's memory (stage-2 fault).
    static func injectDataAbort(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, address: UInt32, write: Bool) -> TrapOutcome {
        if inOwnHandler(frame) {
            VMStop.stop(vm: vm, frame: frame, reason: .fault("data abort inside its own exception handler"))
            return .vcpuStopped
        }
        hv_write_dfar(address)
        hv_write_dfsr(externalAbortStatus | (write ? 1 << 11 : 0))
        hv_write_spsr_abt(frame.pointee.spsr)
        hv_write_lr_abt(frame.pointee.elr &+ 8)
        enter(vm: vm, frame: frame, mode: UInt32(PSR_MODE_ABT), vector: vectorDataAbort, maskAborts: true)
        return .injectedFault
    }

    /// Instruction fetch outside the guest's memory.
    static func injectPrefetchAbort(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, address: UInt32) -> TrapOutcome {
        if inOwnHandler(frame) || isVector(address) {
            VMStop.stop(vm: vm, frame: frame, reason: .fault("instruction fetch outside its memory while handling an exception"))
            return .vcpuStopped
        }
        hv_write_ifar(address)
        hv_write_ifsr(externalAbortStatus)
        hv_write_spsr_abt(frame.pointee.spsr)
        hv_write_lr_abt(frame.pointee.elr &+ 4)
        enter(vm: vm, frame: frame, mode: UInt32(PSR_MODE_ABT), vector: vectorPrefetchAbort, maskAborts: true)
        return .injectedFault
    }

    /// The guest was already in an abort or undefined handler (its own
    /// exception handling faulted again).
    private static func inOwnHandler(_ frame: UnsafeMutablePointer<apus_trap_frame>) -> Bool {
        let mode = frame.pointee.spsr & UInt32(PSR_MODE_MASK)
        return mode == UInt32(PSR_MODE_ABT) || mode == UInt32(PSR_MODE_UND)
    }

    private static func vectorBase() -> UInt32 {
        hv_read_sctlr() & (1 << 13) != 0 ? 0xFFFF_0000 : hv_read_vbar()
    }

    private static func isVector(_ address: UInt32) -> Bool {
        let base = vectorBase()
        return address >= base && address < base &+ 0x20
    }

    /// Enters the guest's exception handler: new mode, IRQs masked, ARM or
    /// Thumb as SCTLR.TE says, IT state cleared, PC at the vector.
    private static func enter(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, mode: UInt32, vector: UInt32, maskAborts: Bool) {
        Machines.table[vm].injectedFaults &+= 1
        let sctlr = hv_read_sctlr()
        var cpsr = frame.pointee.spsr & ~(UInt32(0x1F) | (1 << 5) | (0x3F << 10) | (0x3 << 25) | (1 << 24))
        cpsr |= mode | UInt32(PSR_I)
        if maskAborts { cpsr |= UInt32(PSR_A) }
        if sctlr & (1 << 30) != 0 { cpsr |= 1 << 5 }  // SCTLR.TE: exceptions in Thumb
        frame.pointee.spsr = cpsr
        frame.pointee.elr = vectorBase() &+ vector
    }
}
