import GuestKit
import GuestRuntime
import HypervisorCore

/// Every completed job, kept in memory during the run and printed after it
/// (printing while running would perturb what is measured), for
/// `apus trace --jobs` to add the guest's jobs to the hypervisor's trace
/// (docs/TRACE.md). Times are nanoseconds on the counter the hypervisor's
/// trace uses (the virtual counter equals the physical one).
///   `JOBS task=T first_release=NS period=NS cost=NS released=N end=NS lost=L`
///   (`end`: the run's last look at the clock; a deadline after it was never judged)
///   `DONE task=T job=J at=NS` (job J was released at first_release + J * period)
enum JobLog {
    static let capacity = 1024
    nonisolated(unsafe) static var tasks = InlineArray<1024, UInt8>(repeating: 0)
    nonisolated(unsafe) static var jobs = InlineArray<1024, UInt32>(repeating: 0)
    nonisolated(unsafe) static var times = InlineArray<1024, UInt64>(repeating: 0)
    nonisolated(unsafe) static var count = 0
    /// Completions that did not fit (their jobs then show as never completed).
    nonisolated(unsafe) static var lost: UInt64 = 0

    static func completed(task: Int, job: UInt64, at instant: Instant) {
        guard count < capacity else { lost += 1; return }
        tasks[count] = UInt8(truncatingIfNeeded: task)
        jobs[count] = UInt32(truncatingIfNeeded: job)
        times[count] = instant.nanoseconds
        count += 1
    }

    static func write<Sink: TextSink>(_ runner: TaskRunner, to out: inout Sink) {
        let executive = runner.executive
        for index in 0..<executive.count {
            let task = executive.task(index)
            out.write("JOBS task=")
            out.write(decimal: UInt64(clampingNonNegative: index))
            out.write(" first_release=")
            out.write(decimal: runner.start.nanoseconds)
            out.write(" period=")
            out.write(decimal: task.period.nanoseconds)
            out.write(" cost=")
            out.write(decimal: task.cost.nanoseconds)
            out.write(" released=")
            out.write(decimal: executive.statistics(index).released)
            out.write(" end=")
            out.write(decimal: runner.finished.nanoseconds)
            out.write(" lost=")
            out.write(decimal: lost)
            out.newline()
        }
        for entry in 0..<count {
            out.write("DONE task=")
            out.write(decimal: UInt64(widening: UInt32(tasks[entry])))
            out.write(" job=")
            out.write(decimal: jobs[entry])
            out.write(" at=")
            out.write(decimal: times[entry])
            out.newline()
        }
    }
}
