import GuestKit
import GuestRuntime
import HypervisorCore

/// The result lines (docs/GUESTS.md, "RT guest"): one per task, the supply
/// line, and the deadline check. Times are microseconds.
enum Report {
    static func write<Sink: TextSink>(_ runner: TaskRunner, to out: inout Sink) {
        let executive = runner.executive
        var allCompleted = true
        for index in 0..<executive.count {
            let task = executive.task(index)
            let statistics = executive.statistics(index)
            if statistics.completed == 0 { allCompleted = false }
            out.write("RESULT task=")
            out.write(decimal: UInt64(clampingNonNegative: index))
            out.write(" period=")
            out.write(decimal: microseconds(task.period))
            out.write(" cost=")
            out.write(decimal: microseconds(task.cost))
            out.write(" released=")
            out.write(decimal: statistics.released)
            out.write(" completed=")
            out.write(decimal: statistics.completed)
            out.write(" misses=")
            out.write(decimal: statistics.misses)
            out.write(" dropped=")
            out.write(decimal: statistics.dropped)
            out.write(" worst_response=")
            out.write(decimal: microsecondsRoundedUp(statistics.worstResponse))
            out.write(" mean_response=")
            out.write(decimal: statistics.completed == 0 ? 0 : microseconds(statistics.totalResponse) / statistics.completed)
            out.newline()
        }
        out.write("SUPPLY work=")
        out.write(decimal: microseconds(runner.work))
        out.write(" idle=")
        out.write(decimal: microseconds(runner.idle))
        out.write(" background=")
        out.write(decimal: microseconds(runner.background))
        out.write(" elapsed=")
        out.write(decimal: microseconds(runner.elapsed))
        out.write(" wakeups=")
        out.write(decimal: runner.wakeups)
        out.newline()
        check("rt-deadlines", executive.totalMisses == 0 && allCompleted, to: &out)
        runner.io?.report(to: &out)
    }

    static func microseconds(_ span: TimeSpan) -> UInt64 { span.nanoseconds / 1_000 }
    static func microsecondsRoundedUp(_ span: TimeSpan) -> UInt64 { (span.nanoseconds + 999) / 1_000 }
}
