// The guest level of the hierarchy: each VCPU's periodic tasks release jobs,
// and the guest runs the most urgent pending job (EDF or RM) whenever its VCPU
// has the CPU. Jobs that miss their deadline keep running (the miss is
// recorded once, at the deadline), so response times show how late they were.
import HypervisorCore

struct Job {
    var task: Int
    var index: UInt64
    var release: Instant
    var deadline: Instant
    var remaining: TimeSpan
    var missed = false
}

/// Per-task counters.
struct TaskCounters {
    var released: UInt64 = 0
    var completed: UInt64 = 0
    var misses: UInt64 = 0
    var worstResponse: TimeSpan?
}

/// One guest's task set and pending jobs.
struct GuestJobs {
    let tasks: [ScenarioTask]
    let scheduling: GuestScheduling
    private(set) var pending: [Job] = []
    private(set) var nextRelease: [Instant]
    private(set) var nextJobIndex: [UInt64]
    var counters: [TaskCounters]

    init(tasks: [ScenarioTask], scheduling: GuestScheduling) {
        self.tasks = tasks
        self.scheduling = scheduling
        nextRelease = tasks.map { Instant.zero + $0.offset }
        nextJobIndex = Array(repeating: 0, count: tasks.count)
        counters = Array(repeating: TaskCounters(), count: tasks.count)
    }

    var hasPendingJob: Bool { !pending.isEmpty }

    /// The earliest future release of any task.
    var earliestRelease: Instant { nextRelease.min() ?? .never }

    /// The earliest deadline of a pending job not yet recorded as missed.
    var earliestUnmissedDeadline: Instant {
        pending.lazy.filter { !$0.missed }.map(\.deadline).min() ?? .never
    }

    /// Index in `pending` of the job the guest runs now, if any.
    var current: Int? {
        guard !pending.isEmpty else { return nil }
        var best = 0
        for i in pending.indices.dropFirst() where outranks(pending[i], pending[best]) { best = i }
        return best
    }

    private func outranks(_ a: Job, _ b: Job) -> Bool {
        switch scheduling {
        case .edf:
            return (a.deadline, a.release, a.task) < (b.deadline, b.release, b.task)
        case .rm:
            let pa = tasks[a.task].period, pb = tasks[b.task].period
            return (pa, a.task, a.release) < (pb, b.task, b.release)
        }
    }

    /// Releases every job due at `now`; returns them for the trace.
    mutating func releaseJobs(at now: Instant) -> [Job] {
        var released: [Job] = []
        for t in tasks.indices where nextRelease[t] <= now {
            let job = Job(task: t, index: nextJobIndex[t], release: nextRelease[t],
                          deadline: nextRelease[t] + tasks[t].period, remaining: tasks[t].wcet)
            pending.append(job)
            released.append(job)
            counters[t].released += 1
            nextJobIndex[t] += 1
            nextRelease[t] += tasks[t].period
        }
        return released
    }

    /// Runs the current job for `span` (the VCPU had the CPU that long);
    /// returns the completed job, if it finished exactly at `end`.
    mutating func execute(for span: TimeSpan, endingAt end: Instant) -> Job? {
        guard let c = current else { return nil }
        pending[c].remaining -= span
        guard pending[c].remaining == .zero else { return nil }
        let job = pending.remove(at: c)
        counters[job.task].completed += 1
        let response = end.since(job.release)
        counters[job.task].worstResponse = max(counters[job.task].worstResponse ?? .zero, response)
        return job
    }

    /// Marks jobs whose deadline is `now` and which are unfinished; returns them.
    mutating func recordMisses(at now: Instant) -> [Job] {
        var missed: [Job] = []
        for i in pending.indices where !pending[i].missed && pending[i].deadline <= now {
            pending[i].missed = true
            counters[pending[i].task].misses += 1
            missed.append(pending[i])
        }
        return missed
    }
}
