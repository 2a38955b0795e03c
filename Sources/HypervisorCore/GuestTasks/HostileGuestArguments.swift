// Bootargs of the hostile guest:
//   duration=<ms> [victim=0x<guest-physical address>] [crash=none|undef|vector|block]
// `victim` names memory the guest must not reach (another VM's guest-physical
// placement, say); `crash` ends the run with a deliberate fault.

public struct HostileGuestArguments: Sendable {
    public enum Crash: Equatable, Sendable {
        case none
        /// An undefined instruction with no handler expecting it.
        case undefinedInstruction
        /// A fault while the exception vectors point at unmapped memory.
        case brokenVectors
        /// Blocks for good: interrupts masked, no timer armed (the hypervisor
        /// must notice that nothing can wake it rather than idle forever).
        case blockForever
    }

    public var duration: TimeSpan
    public var victim: UInt32?
    public var crash: Crash

    public init(_ arguments: BootArguments) throws(GuestArgumentError) {
        let milliseconds = try arguments.requiredInteger(
            "duration", limit: RTGuestArguments.maximumDurationMilliseconds, detail: "milliseconds, 1..10000000")
        duration = .milliseconds(milliseconds)

        if let text = arguments.value("victim") {
            guard let address = parseHex32(text) else {
                throw GuestArgumentError("victim", .malformed, "expected 0x and up to 8 hex digits")
            }
            guard address & 3 == 0 else { throw GuestArgumentError("victim", .outOfRange, "must be 4-byte aligned") }
            victim = address
        } else {
            victim = nil
        }

        if arguments.value("crash") == nil || arguments.value("crash", equals: "none") {
            crash = .none
        } else if arguments.value("crash", equals: "undef") {
            crash = .undefinedInstruction
        } else if arguments.value("crash", equals: "vector") {
            crash = .brokenVectors
        } else if arguments.value("crash", equals: "block") {
            crash = .blockForever
        } else {
            throw GuestArgumentError("crash", .unknownValue, "expected none, undef, vector or block")
        }
    }
}
