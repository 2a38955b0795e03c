// Why an interface analysis was refused. Plain enum, no strings built: the
// host tool turns `reason` (a static string) and the task index into a message.

public enum AnalysisError: Error, Equatable, Sendable {
    /// Task number `task` (0-based) has period 0.
    case zeroTaskPeriod(task: Int)
    /// Task number `task` has execution time 0.
    case zeroExecution(task: Int)
    /// Task number `task` needs more than its whole period (e > p).
    case executionExceedsPeriod(task: Int)
    /// A resource (or candidate) period of 0.
    case zeroResourcePeriod
    /// A resource whose budget exceeds its period.
    case budgetExceedsPeriod
    /// The hyperperiod (LCM of the task periods) plus one period does not fit in 64 bits.
    case hyperperiodOverflow
    /// An exact test would need more than `AnalysisLimits.maxCheckPoints` check points.
    case tooManyCheckPoints
    /// A period range with more than `AnalysisLimits.maxCandidatePeriods` periods.
    case tooManyCandidatePeriods
    /// A demand or budget value does not fit in 64 bits.
    case arithmeticOverflow
    /// A unit scale with a zero numerator or denominator.
    case invalidUnitScale
    /// After converting units the slice would be zero or exceed the period.
    case sliceNotRepresentable
    /// sum(slice_i / period_i) > 1: the interfaces do not fit on one CPU.
    case overloaded
    /// The exact utilization sum needs more bits than the fixed-width arithmetic holds.
    case utilizationNotRepresentable

    public var reason: StaticString {
        switch self {
        case .zeroTaskPeriod: "task period must be greater than zero"
        case .zeroExecution: "task execution time must be greater than zero"
        case .executionExceedsPeriod: "task execution time must not exceed its period"
        case .zeroResourcePeriod: "resource period must be greater than zero"
        case .budgetExceedsPeriod: "resource budget must not exceed its period"
        case .hyperperiodOverflow: "hyperperiod (LCM of the task periods) does not fit in 64 bits"
        case .tooManyCheckPoints: "exact test needs too many check points (more than AnalysisLimits.maxCheckPoints); use coarser units or harmonic periods"
        case .tooManyCandidatePeriods: "period range has too many candidates (more than AnalysisLimits.maxCandidatePeriods)"
        case .arithmeticOverflow: "value does not fit in 64 bits"
        case .invalidUnitScale: "unit scale needs a non-zero numerator and denominator"
        case .sliceNotRepresentable: "after unit conversion the slice is zero or exceeds the period"
        case .overloaded: "interfaces need more than one CPU: sum(slice/period) > 1"
        case .utilizationNotRepresentable: "utilization sum too large to compute exactly"
        }
    }
}

/// Bounds on the work one exact test may do. They keep a boot-time analysis
/// bounded and turn hyperperiod blow-up (non-harmonic periods) into an error
/// instead of a hang.
public enum AnalysisLimits {
    /// Check points of one schedulability test: EDF sum(LCM / p_i), RM
    /// sum over tasks of (1 + sum over higher-priority k of ceil(p_i / p_k)).
    public static let maxCheckPoints: UInt64 = 1_000_000
    /// Periods one `bestInterface` call may try.
    public static let maxCandidatePeriods: UInt64 = 100_000
}
