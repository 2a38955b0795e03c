// Bootargs of the RT guest:
//   policy=edf|rm tasks=<p>:<e>[,<p>:<e>...] duration=<ms> [late=keep|drop] [idle=sleep|work]
//   [jobs=none|report] [start=<ms>]
//   and its devices: [output=...] [io=...] (RTGuestIO.swift)
// idle=work runs background work instead of waiting when no job is ready, so the
// VCPU never blocks (the setting of docs/SCHEDULING.md §2's credit example).
// Periods and costs are microseconds (a cost is CPU work: see docs/GUESTS.md),
// the duration is milliseconds of wall time. jobs=report prints every job's
// release and completion after the run (JOBS and DONE lines), for
// `apus trace --jobs` to add to the hypervisor's trace (docs/TRACE.md).
// start=<ms> sleeps that long in WFI before the first release, so the other
// VMs run alone first (credit then accounts a CPU hog before the tasks begin).
import HypervisorCore

public struct RTGuestArguments: Sendable {
    public var policy: TaskPolicy
    public var lateJobs: LateJobPolicy
    /// No job ready: wait in WFI (false) or keep the CPU busy with background work (true).
    public var backgroundWork: Bool
    public var tasks: InlineArray<8, PeriodicTask>
    public var taskCount: Int
    public var duration: TimeSpan
    /// Sleep before the first release (`start=`, default none).
    public var startDelay: TimeSpan
    public var io: RTGuestIO
    /// Print every job's release and completion after the run (`jobs=report`).
    public var reportJobs: Bool

    /// Longest period accepted: 1000 s (keeps every sum far from overflow).
    public static let maximumPeriodMicroseconds: UInt64 = 1_000_000_000
    /// Longest run: about 2.8 hours.
    public static let maximumDurationMilliseconds: UInt64 = 10_000_000

    public init(_ arguments: BootArguments) throws(GuestArgumentError) {
        if arguments.value("policy", equals: "edf") {
            policy = .earliestDeadlineFirst
        } else if arguments.value("policy", equals: "rm") {
            policy = .rateMonotonic
        } else if arguments.value("policy") == nil {
            throw GuestArgumentError("policy", .missing, "missing (edf or rm)")
        } else {
            throw GuestArgumentError("policy", .unknownValue, "expected edf or rm")
        }

        if arguments.value("late") == nil || arguments.value("late", equals: "keep") {
            lateJobs = .keepRunning
        } else if arguments.value("late", equals: "drop") {
            lateJobs = .drop
        } else {
            throw GuestArgumentError("late", .unknownValue, "expected keep or drop")
        }

        if arguments.value("idle") == nil || arguments.value("idle", equals: "sleep") {
            backgroundWork = false
        } else if arguments.value("idle", equals: "work") {
            backgroundWork = true
        } else {
            throw GuestArgumentError("idle", .unknownValue, "expected sleep or work")
        }

        guard let list = arguments.value("tasks") else {
            throw GuestArgumentError("tasks", .missing, "missing (period:cost in us, comma-separated)")
        }
        var parsed = InlineArray<8, PeriodicTask>(repeating: PeriodicTask(period: .zero, cost: .zero))
        var count = 0
        var problem: GuestArgumentError? = nil
        let wellFormed = forEachPeriodicTask(in: list) { period, cost in
            guard problem == nil else { return }
            guard count < TaskExecutive.capacity else {
                problem = GuestArgumentError("tasks", .tooMany, "at most 8 tasks")
                return
            }
            guard period >= 1, period <= Self.maximumPeriodMicroseconds else {
                problem = GuestArgumentError("tasks", .outOfRange, "period must be 1..1000000000 us")
                return
            }
            guard cost >= 1, cost <= period else {
                problem = GuestArgumentError("tasks", .outOfRange, "cost must be 1..period us")
                return
            }
            parsed[count] = PeriodicTask(period: .microseconds(period), cost: .microseconds(cost))
            count += 1
        }
        if let problem { throw problem }
        // forEachPeriodicTask forgives a trailing comma; a bootargs typo should not pass.
        guard wellFormed, count > 0, list[list.count - 1] != 0x2C else {
            throw GuestArgumentError("tasks", .malformed, "expected period:cost pairs in us, comma-separated")
        }
        tasks = parsed
        taskCount = count

        let milliseconds = try arguments.requiredInteger(
            "duration", limit: Self.maximumDurationMilliseconds, detail: "milliseconds, 1..10000000")
        duration = .milliseconds(milliseconds)
        startDelay = arguments.value("start") == nil ? .zero : .milliseconds(try arguments.requiredInteger(
            "start", from: 0, to: Self.maximumDurationMilliseconds, detail: "milliseconds, 0..10000000"))
        io = try RTGuestIO(arguments, taskCount: count)

        if arguments.value("jobs") == nil || arguments.value("jobs", equals: "none") {
            reportJobs = false
        } else if arguments.value("jobs", equals: "report") {
            reportJobs = true
        } else {
            throw GuestArgumentError("jobs", .unknownValue, "expected none or report")
        }
    }

    /// A task executive holding these tasks.
    public func makeExecutive() -> TaskExecutive {
        var executive = TaskExecutive(policy: policy, lateJobs: lateJobs)
        for index in 0..<taskCount {
            // Every task was validated above, so adding cannot fail.
            do throws(TaskSetError) { try executive.add(tasks[index]) } catch { preconditionFailure("validated task rejected") }
        }
        return executive
    }
}
