@testable import GuestKit
import HypervisorCore

/// One time unit of the hand-worked schedules: a millisecond.
let timeUnit: UInt64 = 1_000_000

func periodicTask(_ period: UInt64, _ cost: UInt64) -> PeriodicTask {
    PeriodicTask(period: TimeSpan(nanoseconds: period * timeUnit), cost: TimeSpan(nanoseconds: cost * timeUnit))
}

func instant(_ time: UInt64) -> Instant { Instant(nanoseconds: time * timeUnit) }
func units(_ time: UInt64) -> TimeSpan { TimeSpan(nanoseconds: time * timeUnit) }

func makeExecutive(_ policy: TaskPolicy, _ tasks: [PeriodicTask], late: LateJobPolicy = .keepRunning) -> TaskExecutive {
    var executive = TaskExecutive(policy: policy, lateJobs: late)
    for task in tasks { _ = try! executive.add(task) }
    executive.start(at: .zero)
    return executive
}

/// Drives the executive the way the RT guest does, one unit of work at a
/// time on one CPU: release, pick, run one unit, complete when done. Returns
/// who ran in each unit: "A" for task 0, "B" for task 1, ..., "_" for idle.
func simulateUnits(_ executive: inout TaskExecutive, units length: UInt64) -> String {
    var timeline = ""
    for time in 0..<length {
        executive.release(now: instant(time))
        guard let job = executive.pick() else {
            timeline += "_"
            continue
        }
        timeline += String(UnicodeScalar(UInt8(65 + job.task)))
        if executive.account(job.task, executed: units(1)) {
            executive.complete(job.task, at: instant(time + 1))
        }
    }
    executive.release(now: instant(length))
    return timeline
}

func bootArguments<R>(_ text: String, _ body: (BootArguments) throws -> R) rethrows -> R {
    var bytes = Array(text.utf8)
    return try bytes.withUnsafeMutableBytes { buffer in try body(BootArguments(UnsafeRawBufferPointer(buffer))) }
}
