// The generic timer counts ticks at CNTFRQ; the core counts nanoseconds.
// Both directions are exact for every 64-bit value (ExactRatio) and cost a
// few multiplies: the hypervisor converts on every scheduling decision and
// guests after every chunk of work, and 128-bit division is a slow library
// call on armv7. The hypervisor, the guests and the tests share this one
// conversion; only the frequency comes from the machine.

public struct CounterClock: Sendable, Equatable {
    /// Counter frequency in Hz (CNTFRQ), never zero.
    public let frequency: UInt64
    /// Nanoseconds per tick (10^9 / frequency) and ticks per nanosecond, reduced.
    let nanosecondsPerTick: ExactRatio
    let ticksPerNanosecond: ExactRatio

    public init(frequency: UInt32) {
        let hertz = max(frequency, 1)
        self.frequency = UInt64(widening: hertz)
        // Reduce by the common divisor so that 62.5 MHz (16 ns a tick) is a bare multiply.
        let common = Self.greatestCommonDivisor(hertz, Self.nanosecondsPerSecond)
        nanosecondsPerTick = ExactRatio(numerator: Self.nanosecondsPerSecond / common, denominator: hertz / common)
        ticksPerNanosecond = ExactRatio(numerator: hertz / common, denominator: Self.nanosecondsPerSecond / common)
    }

    /// A 1 GHz counter (a tick is a nanosecond), from constants only: a
    /// global that starts with it is initialized statically, so reading it
    /// needs no one-time-initialization check (the hypervisor reads its clock
    /// on every scheduling decision).
    @inline(__always)
    public init() {
        frequency = UInt64(widening: Self.nanosecondsPerSecond)
        nanosecondsPerTick = ExactRatio(one: ())
        ticksPerNanosecond = ExactRatio(one: ())
    }

    static let nanosecondsPerSecond: UInt32 = 1_000_000_000

    /// The time `ticks` stand for, rounded down to a nanosecond; `.never`
    /// past 2^64 - 1 ns (584 years).
    @inline(__always)
    public func instant(ticks: UInt64) -> Instant {
        nanosecondsPerTick.floor(ticks).map { Instant(nanoseconds: $0) } ?? .never
    }

    /// The first nanosecond the counter reads `tick` (tick * 10^9 / frequency rounded up).
    @inline(__always)
    public func firstNanosecond(ofTick tick: UInt64) -> UInt64 {
        nanosecondsPerTick.ceiling(tick) ?? .max
    }

    /// The first counter value at or after `instant`: a timer compared against
    /// it never fires early. `.never` gives the largest counter value.
    @inline(__always)
    public func ticks(atOrAfter instant: Instant) -> UInt64 {
        guard instant != .never else { return .max }
        return ticksPerNanosecond.ceiling(instant.nanoseconds) ?? .max
    }

    /// Whole ticks in `span`, rounded down (for budgets counted in ticks).
    @inline(__always)
    public func ticks(in span: TimeSpan) -> UInt64 {
        ticksPerNanosecond.floor(span.nanoseconds) ?? .max
    }

    static func greatestCommonDivisor(_ a: UInt32, _ b: UInt32) -> UInt32 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
