// The guest's workload: Liu & Layland tasks t(p, e), released synchronously
// at 0 and then every p, each job due at its next release (implicit deadline).
//
// Times in the analysis are plain UInt64 in any one unit the caller chooses
// (ns, us, ticks, ms in the CLI). They are deliberately not TimeSpan: TimeSpan
// means nanoseconds, and the analysis is unit-agnostic; the conversion to the
// hypervisor's nanoseconds happens once, in `ComponentInterface.sedfParameters`.
import HypervisorCore

/// A periodic task with implicit deadline: `execution` units of work every `period`.
/// (Named apart from the RT guest's `PeriodicTask`, whose times are TimeSpans.)
public struct AnalysisTask: Equatable, Hashable, Sendable {
    public var period: UInt64
    public var execution: UInt64

    @inline(__always)
    public init(period: UInt64, execution: UInt64) {
        self.period = period
        self.execution = execution
    }
}

extension AnalysisTask {
    /// Checks 0 < e <= p for every task; names the first bad task (0-based).
    static func validate(_ tasks: Span<AnalysisTask>) throws(AnalysisError) {
        for i in tasks.indices {
            let task = tasks[i]
            if task.period == 0 { throw .zeroTaskPeriod(task: i) }
            if task.execution == 0 { throw .zeroExecution(task: i) }
            if task.execution > task.period { throw .executionExceedsPeriod(task: i) }
        }
    }
}
