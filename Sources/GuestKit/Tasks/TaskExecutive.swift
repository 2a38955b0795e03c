// The RT guest's task executive: up to eight periodic tasks scheduled by EDF
// or RM on the one VCPU the guest has. Pure and allocation-free: the guest
// passes the time in (`release(now:)`, `complete(_:at:)`) and does the work
// itself; the executive only decides which job runs and keeps the books.
//
// The jobs of one task run in release order, so a task's pending jobs are
// described by the oldest one (release, work left) and a count: the k-th
// pending job was released k periods after the oldest. That keeps a backlog
// of late jobs (keepRunning) without storing each job.
//
// Reads of `slots` through a borrowed `self` copy the whole array on armv7
// Embedded (-Osize), which costs thousands of instructions per call, so the
// two answers the guest asks for on every chunk, `pick()` and `nextRelease`,
// are computed by the mutating operations and stored.
import HypervisorCore

public struct TaskExecutive {
    public static let capacity = 8

    struct Slot {
        var task = PeriodicTask(period: .zero, cost: .zero)
        /// Release instant of the next job not yet released.
        var nextRelease = Instant.zero
        /// Jobs released and not yet completed or dropped.
        var pending: UInt64 = 0
        /// Release instant of the oldest pending job.
        var headRelease = Instant.zero
        /// Work left of the oldest pending job.
        var remaining = TimeSpan.zero
        /// How many of the oldest pending jobs were already counted as misses
        /// (deadlines grow with release order, so they are always a prefix).
        var missedPending: UInt64 = 0
        var statistics = TaskStatistics()

        var headDeadline: Instant { headRelease + task.period }

        /// Deadline of the pending job `index` places behind the oldest.
        func deadline(ofPending index: UInt64) -> Instant {
            headRelease + TimeSpan(nanoseconds: task.period.nanoseconds &* (index &+ 1))
        }
    }

    public let policy: TaskPolicy
    public let lateJobs: LateJobPolicy
    var slots: InlineArray<8, Slot>  // 8 = capacity
    public private(set) var count = 0
    /// The job `pick()` returns, kept current by every mutating operation.
    var selected: TaskJob? = nil
    /// The earliest release still to come: when the guest must look again.
    public private(set) var nextRelease = Instant.never

    public init(policy: TaskPolicy, lateJobs: LateJobPolicy = .keepRunning) {
        self.policy = policy
        self.lateJobs = lateJobs
        slots = InlineArray(repeating: Slot())
    }

    /// Adds a task; its index (the RM/EDF tie-breaker: lower wins) is returned.
    @discardableResult
    public mutating func add(_ task: PeriodicTask) throws(TaskSetError) -> Int {
        guard count < Self.capacity else { throw .full }
        guard task.period > .zero else { throw .zeroPeriod }
        guard task.cost > .zero else { throw .zeroCost }
        guard task.cost <= task.period else { throw .costExceedsPeriod }
        slots[count] = Slot(task: task)
        count += 1
        return count - 1
    }

    public func task(_ index: Int) -> PeriodicTask { slots[index].task }
    public func statistics(_ index: Int) -> TaskStatistics { slots[index].statistics }

    /// Misses over all tasks.
    public var totalMisses: UInt64 {
        var sum: UInt64 = 0
        for index in 0..<count { sum += slots[index].statistics.misses }
        return sum
    }

    /// Sets every task's first release to `instant` (a synchronous release);
    /// `release(now:)` then releases those jobs.
    public mutating func start(at instant: Instant) {
        for index in 0..<count { slots[index].nextRelease = instant }
        refresh()
    }

    /// Releases every job due at or before `now` and records misses of jobs
    /// unfinished at a deadline at or before `now` (a job that can still finish
    /// exactly at its deadline is completed before this is called).
    public mutating func release(now: Instant) {
        for index in 0..<count {
            releaseDueJobs(of: index, now: now)
            switch lateJobs {
            case .keepRunning: recordMisses(of: index, now: now)
            case .drop: dropLateJobs(of: index, now: now)
            }
        }
        refresh()
    }

    /// The job to run now, or nil when none is ready. Ties go to the lower index.
    public func pick() -> TaskJob? { selected }

    /// Charges `executed` work to the oldest pending job of `task`; true when
    /// that job's work is done (the guest then calls `complete`).
    public mutating func account(_ task: Int, executed: TimeSpan) -> Bool {
        precondition(slots[task].pending > 0, "account: task has no pending job")
        slots[task].remaining -= executed
        refresh()
        return slots[task].remaining == .zero
    }

    /// Records that the oldest pending job of `task` finished at `instant`:
    /// its response time, and a miss when it finished after its deadline and
    /// was not counted yet. Finishing exactly at the deadline is on time.
    public mutating func complete(_ task: Int, at instant: Instant) {
        precondition(slots[task].pending > 0, "complete: task has no pending job")
        let response = instant.since(slots[task].headRelease)
        if slots[task].missedPending > 0 {
            slots[task].missedPending -= 1
        } else if instant > slots[task].headDeadline {
            slots[task].statistics.misses += 1
        }
        slots[task].statistics.completed += 1
        slots[task].statistics.totalResponse += response
        slots[task].statistics.worstResponse = max(slots[task].statistics.worstResponse, response)
        advanceHead(of: task)
        refresh()
    }

    // MARK: - Internals

    /// Recomputes `selected` and `nextRelease` (mutating, so no array copy).
    private mutating func refresh() {
        var best: Int? = nil
        var earliest = Instant.never
        for index in 0..<count {
            earliest = min(earliest, slots[index].nextRelease)
            guard slots[index].pending > 0 else { continue }
            guard let current = best else { best = index; continue }
            let before: Bool
            switch policy {
            case .earliestDeadlineFirst: before = slots[index].headDeadline < slots[current].headDeadline
            case .rateMonotonic: before = slots[index].task.period < slots[current].task.period
            }
            if before { best = index }
        }
        nextRelease = earliest
        if let chosen = best {
            selected = TaskJob(task: chosen, release: slots[chosen].headRelease,
                               deadline: slots[chosen].headDeadline, remaining: slots[chosen].remaining)
        } else {
            selected = nil
        }
    }

    private mutating func releaseDueJobs(of index: Int, now: Instant) {
        while slots[index].nextRelease <= now {
            if slots[index].pending == 0 {
                slots[index].headRelease = slots[index].nextRelease
                slots[index].remaining = slots[index].task.cost
            }
            slots[index].pending += 1
            slots[index].statistics.released += 1
            slots[index].nextRelease += slots[index].task.period
        }
    }

    private mutating func recordMisses(of index: Int, now: Instant) {
        while slots[index].missedPending < slots[index].pending,
              slots[index].deadline(ofPending: slots[index].missedPending) <= now {
            slots[index].missedPending += 1
            slots[index].statistics.misses += 1
        }
    }

    private mutating func dropLateJobs(of index: Int, now: Instant) {
        // Only keepRunning counts misses ahead of time, so none is counted yet.
        while slots[index].pending > 0, slots[index].headDeadline <= now {
            slots[index].statistics.misses += 1
            slots[index].statistics.dropped += 1
            advanceHead(of: index)
        }
    }

    /// The oldest pending job is gone; the next one (released a period later)
    /// becomes the oldest, with all its work still to do.
    private mutating func advanceHead(of index: Int) {
        slots[index].pending -= 1
        slots[index].headRelease += slots[index].task.period
        slots[index].remaining = slots[index].task.cost
    }
}
