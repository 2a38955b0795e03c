import HVRegs
import HypervisorCore

/// A handler for one exception class of traps from a guest.
typealias TrapHandler = @convention(c) (UnsafeMutablePointer<apus_trap_frame>) -> Void

/// Traps from guests are dispatched by HSR exception class through this
/// table; subsystems register their handlers at boot. Exceptions taken in
/// HYP mode itself are hypervisor bugs and always panic.
enum Traps {
    nonisolated(unsafe) static var guestHandlers = InlineArray<64, TrapHandler>(repeating: unhandledGuestTrap)
    /// Instructions from entry to the Swift dispatcher until it returns.
    nonisolated(unsafe) static var cost = CostMeter()

    static func register(_ exceptionClass: ExceptionClass, _ handler: TrapHandler) {
        guestHandlers[Int(exceptionClass.rawValue)] = handler
    }
}

/// Called by Boot/vectors.S with the saved frame; returning resumes it.
@c(apus_trap)
func apusTrap(_ frame: UnsafeMutablePointer<apus_trap_frame>) {
    let start = hv_read_pmccntr()
    defer { Traps.cost.record(hv_read_pmccntr() &- start) }
    switch Int32(frame.pointee.kind) {
    case TRAP_KIND_HYP_TRAP:
        VirtualInterrupts.exitGuest(vm: Machines.current!)
        Traps.guestHandlers[Int(frame.pointee.hsr >> 26)](frame)
        Scheduling.resume(frame)
        VirtualInterrupts.enterGuest(vm: Machines.current!)
    case TRAP_KIND_IRQ where frame.pointee.spsr & UInt32(PSR_MODE_MASK) != UInt32(PSR_MODE_HYP):
        VirtualInterrupts.exitGuest(vm: Machines.current!)
        Interrupts.handlePending()
        Scheduling.resume(frame)
        VirtualInterrupts.enterGuest(vm: Machines.current!)
    case TRAP_KIND_UNDEFINED where isSwiftRuntimeTrap(at: frame.pointee.elr):
        Panic.report("Swift runtime trap (precondition, bounds or overflow check) in the hypervisor", frame: frame)
    default:
        Panic.report("exception taken in HYP mode", frame: frame)
    }
}

private func isSwiftRuntimeTrap(at address: UInt32) -> Bool {
    guard UInt(address) >= hv_image_start(), UInt(address) < hv_image_end(), address & 3 == 0 else { return false }
    return hv_peek32(UInt(address)) == swiftTrapInstruction
}

private let unhandledGuestTrap: TrapHandler = { frame in
    Panic.report("guest trap with no handler", frame: frame)
}
