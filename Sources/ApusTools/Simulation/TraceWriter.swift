// Writes `apus-trace 1` text (docs/TRACE.md): one record a line, decimal
// nanoseconds, `-` for idle. Records must be given in non-decreasing time
// order; the writer checks that, since the format's readers require it.
import HypervisorCore

public struct TraceWriter {
    public private(set) var text = "apus-trace 1\n"
    private var lastTime: UInt64 = 0

    public init() {}

    public mutating func comment(_ line: String) {
        text += "# \(line.replacingOccurrences(of: "\n", with: " "))\n"
    }

    public mutating func declareVCPU(_ id: Int, name: String) {
        text += "vcpu \(id) \(Self.word(name))\n"
    }

    public mutating func declareTask(vcpu: Int, task: Int, name: String, period: TimeSpan, wcet: TimeSpan) {
        text += "task \(vcpu) \(task) \(Self.word(name)) \(period.nanoseconds) \(wcet.nanoseconds)\n"
    }

    public mutating func switchCPU(at time: Instant, from: Int?, to: Int?, reason: SwitchReason) {
        timed(time, "switch \(time.nanoseconds) \(Self.vcpu(from)) \(Self.vcpu(to)) \(reason.word)")
    }

    public mutating func release(at time: Instant, vcpu: Int, task: Int, job: UInt64, deadline: Instant) {
        timed(time, "release \(time.nanoseconds) \(vcpu) \(task) \(job) \(deadline.nanoseconds)")
    }

    public mutating func complete(at time: Instant, vcpu: Int, task: Int, job: UInt64) {
        timed(time, "complete \(time.nanoseconds) \(vcpu) \(task) \(job)")
    }

    public mutating func miss(at time: Instant, vcpu: Int, task: Int, job: UInt64) {
        timed(time, "miss \(time.nanoseconds) \(vcpu) \(task) \(job)")
    }

    public mutating func end(at time: Instant) {
        timed(time, "end \(time.nanoseconds)")
    }

    private mutating func timed(_ time: Instant, _ record: String) {
        precondition(time.nanoseconds >= lastTime, "trace records out of time order")
        lastTime = time.nanoseconds
        text += record + "\n"
    }

    private static func vcpu(_ id: Int?) -> String { id.map(String.init) ?? "-" }

    /// Names are single words in the format.
    private static func word(_ name: String) -> String {
        let cleaned = String(name.map { $0.isWhitespace || $0.isNewline ? "_" : $0 })
        return cleaned.isEmpty ? "_" : cleaned
    }
}
