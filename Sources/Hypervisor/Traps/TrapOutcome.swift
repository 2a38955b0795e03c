/// What a guest-trap handler did, so the dispatcher knows what happens next.
enum TrapOutcome {
    /// Done; the guest resumes at the frame's PC as it stands (an HVC's
    /// return address is already the next instruction).
    case resume
    /// Emulated: the dispatcher steps the guest past the trapped instruction.
    case skipInstruction
    /// An exception was injected: the guest resumes in its own handler.
    case injectedFault
    /// The VCPU's VM was stopped (it could not take the fault, or asked to end).
    case vcpuStopped
}
