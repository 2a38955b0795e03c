// Tick positions and labels for the chart's time axis. The step is a "nice" 1/2/5 x 10^k
// nanoseconds giving close to `target` ticks; the unit follows the step (a 200 us step reads
// best as 0.2 ms, a 50 us step as 50 us), so labels stay short from microsecond to
// multi-second windows. Labels are absolute times, the way the trace records them, unless
// that makes them long (a 50 us step 1.2 s after boot would read 1203450): then they count
// from the window's start, which the axis caption states.

public struct GanttTimeAxis: Equatable, Sendable {
    public struct Tick: Equatable, Sendable {
        public var time: UInt64
        public var label: String
    }

    public var step: UInt64
    public var unitName: String
    /// nil when labels are absolute; otherwise the instant they count from.
    public var origin: UInt64?
    public var ticks: [Tick]

    /// Longest absolute label kept before switching to labels relative to the window start.
    static let longestAbsoluteLabel = 6

    public init(from: UInt64, to: UInt64, target: UInt64 = 10) {
        let span = max(1, to - from)
        step = Self.niceStep(span: span, target: target)
        let (unit, name) = Self.unit(for: step)
        unitName = name
        // A step below the unit is at least a tenth of it (see `unit`): one decimal suffices.
        let decimals = step % unit == 0 ? 0 : 1
        let label = { (value: UInt64) in TraceDuration.decimal(value, unit: unit, decimals: decimals) }

        let absolute = Self.multiples(of: step, from: Self.firstMultiple(of: step, atOrAfter: from), to: to)
        if (absolute.last.map { label($0).count } ?? 0) <= Self.longestAbsoluteLabel {
            origin = nil
            ticks = absolute.map { Tick(time: $0, label: label($0)) }
        } else {
            origin = from
            ticks = Self.multiples(of: step, from: from, to: to).map { Tick(time: $0, label: label($0 - from)) }
        }
    }

    /// The 1, 2 or 5 x 10^k step giving the tick count closest to `target`, never more than
    /// 1.5 x target ticks: 204 ms gets 20 ms steps (10 ticks), not 50 ms (4 ticks).
    static func niceStep(span: UInt64, target: UInt64) -> UInt64 {
        let goal = Double(max(1, target))
        var best: (step: UInt64, miss: Double)? = nil
        var decade: UInt64 = 1
        while true {
            for mantissa: UInt64 in [1, 2, 5] {
                let (step, overflow) = mantissa.multipliedReportingOverflow(by: decade)
                if overflow { return best?.step ?? UInt64.max }
                let ticks = Double(span) / Double(step)
                if ticks <= goal * 1.5, abs(ticks - goal) < best?.miss ?? .infinity {
                    best = (step, abs(ticks - goal))
                }
                // Past the goal, steps only get coarser.
                if ticks < goal / 3 { return best?.step ?? step }
            }
            decade *= 10
        }
    }

    /// The largest unit that the step is at least a tenth of.
    static func unit(for step: UInt64) -> (UInt64, String) {
        if step >= 100_000_000 { return (1_000_000_000, "s") }
        if step >= 100_000 { return (1_000_000, "ms") }
        if step >= 100 { return (1_000, "us") }
        return (1, "ns")
    }

    /// nil if the next multiple does not fit in 64 bits.
    private static func firstMultiple(of step: UInt64, atOrAfter time: UInt64) -> UInt64? {
        let remainder = time % step
        if remainder == 0 { return time }
        let (next, overflow) = (time - remainder).addingReportingOverflow(step)
        return overflow ? nil : next
    }

    private static func multiples(of step: UInt64, from first: UInt64?, to end: UInt64) -> [UInt64] {
        guard var time = first else { return [] }
        var result: [UInt64] = []
        while time <= end {
            result.append(time)
            let (next, overflow) = time.addingReportingOverflow(step)
            if overflow { break }
            time = next
        }
        return result
    }
}
