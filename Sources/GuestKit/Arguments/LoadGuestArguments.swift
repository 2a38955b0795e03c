// Bootargs of the load guest:
//   mode=hog duration=<ms>
//   mode=periodic duration=<ms> block=<run us>:<block us>
// A hog never blocks; a periodic load alternates `run` microseconds of CPU
// work with `block` microseconds asleep.
import HypervisorCore

public struct LoadGuestArguments: Sendable {
    public enum Mode: Equatable, Sendable {
        case hog
        case periodic(run: TimeSpan, block: TimeSpan)
    }

    public var mode: Mode
    public var duration: TimeSpan

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
    }
}
