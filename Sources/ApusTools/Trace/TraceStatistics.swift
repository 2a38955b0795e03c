// Summary numbers for `apus trace FILE`: how much CPU each VCPU got and how its tasks fared.
// All times are exact integer nanoseconds; only the share is a ratio.

public struct TraceHolderStatistics: Equatable, Sendable {
    /// `vcpu N NAME`, or nil for the idle row.
    public var vcpu: TraceVCPU?
    /// Total time holding the CPU within the traced span.
    public var runTime: UInt64
    /// runTime / span, in percent (0 when the span is empty).
    public var sharePercent: Double
    /// How many separate intervals it held the CPU.
    public var timesScheduled: Int
    /// Longest stretch of the traced span during which it did not hold the CPU.
    public var longestGap: UInt64
}

public struct TraceTaskStatistics: Equatable, Sendable {
    public var task: TraceTask
    public var jobs: Int
    public var completed: Int
    public var misses: Int
    /// Largest completion - release over completed jobs; nil if none completed.
    public var worstResponse: UInt64?
}

public struct TraceStatistics: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    /// One entry per VCPU in declaration order.
    public var vcpus: [TraceHolderStatistics]
    public var idle: TraceHolderStatistics
    /// One entry per task, sorted by (vcpu, task).
    public var tasks: [TraceTaskStatistics]

    public var span: UInt64 { end - start }

    public init(_ trace: Trace) {
        start = trace.start
        end = trace.end
        vcpus = trace.vcpus.map { vcpu in
            Self.holder(trace.intervals(of: .vcpu(vcpu.id)), vcpu: vcpu, trace: trace)
        }
        idle = Self.holder(trace.intervals(of: .idle), vcpu: nil, trace: trace)
        tasks = Self.tasks(trace)
    }

    private static func holder(_ runs: [TraceRunInterval], vcpu: TraceVCPU?, trace: Trace) -> TraceHolderStatistics {
        let runTime = runs.reduce(UInt64(0)) { $0 + $1.length }
        // Gaps: before the first run, between runs, after the last one.
        var longestGap: UInt64 = 0
        var freeSince = trace.start
        for run in runs {
            longestGap = max(longestGap, run.start - freeSince)
            freeSince = run.end
        }
        longestGap = max(longestGap, trace.end - freeSince)
        let share = trace.span == 0 ? 0 : Double(runTime) * 100 / Double(trace.span)
        return TraceHolderStatistics(vcpu: vcpu, runTime: runTime, sharePercent: share,
                                timesScheduled: runs.count, longestGap: longestGap)
    }

    private static func tasks(_ trace: Trace) -> [TraceTaskStatistics] {
        var byTask: [TraceTaskKey: TraceTaskStatistics] = [:]
        for task in trace.tasks {
            byTask[task.key] = TraceTaskStatistics(task: task, jobs: 0, completed: 0, misses: 0, worstResponse: nil)
        }
        for job in trace.jobs {
            // Every job's task is in trace.tasks (the reader adds undeclared ones).
            guard var entry = byTask[job.task] else { continue }
            entry.jobs += 1
            if job.miss != nil { entry.misses += 1 }
            if let response = job.responseTime {
                entry.completed += 1
                entry.worstResponse = max(entry.worstResponse ?? 0, response)
            }
            byTask[job.task] = entry
        }
        return byTask.values.sorted { $0.task.key < $1.task.key }
    }
}
