// Bootargs of the load guest:
//   mode=hog duration=<ms>
//   mode=periodic duration=<ms> block=<run us>:<block us>
// A hog never blocks; a periodic load alternates `run` microseconds of CPU
// work with `block` microseconds asleep.
// [reboot=psci|sched reboot-before=<ms>]: at the end, while the machine has
// been up less than `reboot-before` ms, restart the VM (PSCI SYSTEM_RESET or
// SCHEDOP_shutdown(reboot)) instead of powering it off: the restarted run,
// started later, powers off.
import HypervisorCore

public struct LoadGuestArguments: Sendable {
    public enum Mode: Equatable, Sendable {
        case hog
        case periodic(run: TimeSpan, block: TimeSpan)
    }

    public enum Reboot: Equatable, Sendable { case psci, schedOp }

    public var mode: Mode
    public var duration: TimeSpan
    /// How to restart, and until when (time since the machine started).
    public var reboot: (how: Reboot, before: TimeSpan)?

    public static let maximumPhaseMicroseconds: UInt64 = 1_000_000_000

    public init(_ arguments: BootArguments) throws(GuestArgumentError) {
        let milliseconds = try arguments.requiredInteger(
            "duration", limit: RTGuestArguments.maximumDurationMilliseconds, detail: "milliseconds, 1..10000000")
        duration = .milliseconds(milliseconds)

        if arguments.value("mode", equals: "hog") {
            guard arguments.value("block") == nil else {
                throw GuestArgumentError("block", .notAllowedHere, "only with mode=periodic")
            }
            mode = .hog
        } else if arguments.value("mode", equals: "periodic") {
            guard let text = arguments.value("block") else {
                throw GuestArgumentError("block", .missing, "mode=periodic needs block=<run us>:<block us>")
            }
            guard let pair = parseDecimalPair(text) else {
                throw GuestArgumentError("block", .malformed, "expected <run us>:<block us>")
            }
            let (run, block) = pair
            guard run >= 1, run <= Self.maximumPhaseMicroseconds, block >= 1, block <= Self.maximumPhaseMicroseconds else {
                throw GuestArgumentError("block", .outOfRange, "run and block must be 1..1000000000 us")
            }
            mode = .periodic(run: .microseconds(run), block: .microseconds(block))
        } else if arguments.value("mode") == nil {
            throw GuestArgumentError("mode", .missing, "missing (hog or periodic)")
        } else {
            throw GuestArgumentError("mode", .unknownValue, "expected hog or periodic")
        }

        if arguments.value("reboot") == nil {
            guard arguments.value("reboot-before") == nil else {
                throw GuestArgumentError("reboot-before", .notAllowedHere, "only with reboot=psci|sched")
            }
            reboot = nil
        } else {
            let how: Reboot
            if arguments.value("reboot", equals: "psci") {
                how = .psci
            } else if arguments.value("reboot", equals: "sched") {
                how = .schedOp
            } else {
                throw GuestArgumentError("reboot", .unknownValue, "expected psci or sched")
            }
            let before = try arguments.requiredInteger(
                "reboot-before", limit: RTGuestArguments.maximumDurationMilliseconds, detail: "milliseconds, 1..10000000")
            reboot = (how, .milliseconds(before))
        }
    }
}
