// Time in the core is integer nanoseconds, always passed in as an argument:
// nothing in HypervisorCore reads a clock. The hypervisor and the guests convert
// generic-timer ticks to nanoseconds at the edge, with CounterClock. Two types keep points in time and lengths of time apart, so that
// "deadline + period" compiles and "deadline + deadline" does not.

/// A point on the hypervisor's clock, in nanoseconds since boot.
public struct Instant: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64

    @inline(__always)
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)
    /// Later than any real instant: "no event pending".
    public static let never = Instant(nanoseconds: UInt64.max)

    @inline(__always)
    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// The length from `earlier` to `self`; zero when `earlier` is not earlier.
    @inline(__always)
    public func since(_ earlier: Instant) -> TimeSpan {
        TimeSpan(nanoseconds: nanoseconds >= earlier.nanoseconds ? nanoseconds - earlier.nanoseconds : 0)
    }

    /// `self + span`, saturating at `.never` instead of trapping.
    @inline(__always)
    public static func + (a: Instant, b: TimeSpan) -> Instant {
        let (sum, overflow) = a.nanoseconds.addingReportingOverflow(b.nanoseconds)
        return overflow ? .never : Instant(nanoseconds: sum)
    }

    @inline(__always)
    public static func += (a: inout Instant, b: TimeSpan) { a = a + b }

    /// `self - span`, clamped at zero.
    @inline(__always)
    public static func - (a: Instant, b: TimeSpan) -> Instant {
        Instant(nanoseconds: a.nanoseconds >= b.nanoseconds ? a.nanoseconds - b.nanoseconds : 0)
    }
}

/// A length of time in nanoseconds (a period, a slice, a budget, time used).
public struct TimeSpan: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64

    @inline(__always)
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = TimeSpan(nanoseconds: 0)

    public static func microseconds(_ us: UInt64) -> TimeSpan { TimeSpan(nanoseconds: us * 1_000) }
    public static func milliseconds(_ ms: UInt64) -> TimeSpan { TimeSpan(nanoseconds: ms * 1_000_000) }

    @inline(__always)
    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Saturating sum.
    @inline(__always)
    public static func + (a: TimeSpan, b: TimeSpan) -> TimeSpan {
        let (sum, overflow) = a.nanoseconds.addingReportingOverflow(b.nanoseconds)
        return TimeSpan(nanoseconds: overflow ? UInt64.max : sum)
    }

    @inline(__always)
    public static func += (a: inout TimeSpan, b: TimeSpan) { a = a + b }

    /// Difference clamped at zero: time left can run out but never goes negative.
    @inline(__always)
    public static func - (a: TimeSpan, b: TimeSpan) -> TimeSpan {
        TimeSpan(nanoseconds: a.nanoseconds >= b.nanoseconds ? a.nanoseconds - b.nanoseconds : 0)
    }

    @inline(__always)
    public static func -= (a: inout TimeSpan, b: TimeSpan) { a = a - b }
}
