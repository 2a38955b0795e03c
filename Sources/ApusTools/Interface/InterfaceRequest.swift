// What `apus interface` was asked, validated from the raw option strings so that
// every mistake becomes one InputError line (exit status 2), never a trap.
import HypervisorCore
import InterfaceAnalysis

public struct InterfaceRequest: Equatable {
    public enum Periods: Equatable {
        /// `--period P`: the minimal budget for this period.
        case fixed(UInt64)
        /// `--period-range A...B`: the cheapest period in the range.
        case range(ClosedRange<UInt64>)
    }

    public var policy: GuestPolicy
    public var tasks: [AnalysisTask]
    public var periods: Periods
    /// Per-period overhead added to the budget when reserving (default 0).
    public var overhead: UInt64

    public init(policy: GuestPolicy, tasks: [AnalysisTask], periods: Periods, overhead: UInt64 = 0) {
        self.policy = policy
        self.tasks = tasks
        self.periods = periods
        self.overhead = overhead
    }

    /// From the command line's strings; nil means "option not given".
    public init(policy: String?, period: String?, periodRange: String?, tasks: String?, overhead: String?) throws(InputError) {
        self.policy = try Self.parsePolicy(policy ?? "edf")
        guard let tasks else { throw InputError("missing --tasks (period:execution,period:execution,...)") }
        self.tasks = try TaskListParsing.parseTasks(tasks)
        switch (period, periodRange) {
        case (nil, nil):
            throw InputError("missing --period P or --period-range A...B")
        case (_?, _?):
            throw InputError("give either --period or --period-range, not both")
        case (let period?, nil):
            let value = try TaskListParsing.parseWholeNumber(period, what: "--period")
            if value == 0 { throw InputError("--period must be greater than zero") }
            periods = .fixed(value)
        case (nil, let range?):
            let parsed = try TaskListParsing.parsePeriodRange(range)
            if parsed.upperBound - parsed.lowerBound >= AnalysisLimits.maxCandidatePeriods {
                throw InputError("--period-range: at most \(AnalysisLimits.maxCandidatePeriods) periods can be tried; use coarser units")
            }
            periods = .range(parsed)
        }
        self.overhead = try overhead.map { text throws(InputError) in
            try TaskListParsing.parseWholeNumber(text, what: "--overhead")
        } ?? 0
    }

    static func parsePolicy(_ text: String) throws(InputError) -> GuestPolicy {
        switch text.lowercased() {
        case "edf": return .edf
        case "rm": return .rm
        default: throw InputError("--policy: unknown policy '\(text)' (expected edf or rm)")
        }
    }
}

extension GuestPolicy {
    /// "edf" / "rm", as on the command line and in JSON.
    public var name: String {
        switch self {
        case .edf: "edf"
        case .rm: "rm"
        }
    }
}
