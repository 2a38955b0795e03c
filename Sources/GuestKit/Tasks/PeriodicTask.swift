// The task model of the RT guest: Liu & Layland periodic tasks with implicit
// deadlines. A task releases a job every `period`; each job needs `cost` of
// CPU work and is due one period after its release.
import HypervisorCore

/// A periodic task `(period, cost)`; the relative deadline is the period.
public struct PeriodicTask: Equatable, Sendable {
    public var period: TimeSpan
    public var cost: TimeSpan

    public init(period: TimeSpan, cost: TimeSpan) {
        self.period = period
        self.cost = cost
    }
}

/// How a guest orders its ready jobs.
public enum TaskPolicy: Equatable, Sendable {
    /// Earliest absolute deadline first.
    case earliestDeadlineFirst
    /// Rate monotonic: fixed priority, shorter period first.
    case rateMonotonic
}

/// What happens to a job still unfinished at its deadline (it is counted as a
/// miss exactly once either way).
public enum LateJobPolicy: Equatable, Sendable {
    /// It keeps running until its work is done, so its real response time is
    /// measured; the jobs released meanwhile wait behind it (they may be late too).
    case keepRunning
    /// It is abandoned at its deadline (firm deadlines): no cascade, but its
    /// response time is never known.
    case drop
}

/// Why a task cannot join a task set.
public enum TaskSetError: Error, Equatable, Sendable {
    case full
    case zeroPeriod
    case zeroCost
    case costExceedsPeriod
}

/// The head job of a task: the oldest one released and not yet finished.
public struct TaskJob: Equatable, Sendable {
    public var task: Int
    public var release: Instant
    public var deadline: Instant
    /// Work still to do.
    public var remaining: TimeSpan
}

/// Per-task counters, kept from the start of the run.
public struct TaskStatistics: Equatable, Sendable {
    public var released: UInt64 = 0
    public var completed: UInt64 = 0
    /// Jobs that were unfinished at their deadline (each counted once).
    public var misses: UInt64 = 0
    /// Late jobs abandoned under `LateJobPolicy.drop`.
    public var dropped: UInt64 = 0
    /// Completion minus release, over completed jobs.
    public var worstResponse: TimeSpan = .zero
    public var totalResponse: TimeSpan = .zero

    public init() {}

    /// Jobs released and neither completed nor dropped.
    public var pending: UInt64 { released - completed - dropped }
}
