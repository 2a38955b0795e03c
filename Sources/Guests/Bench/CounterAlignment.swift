import GuestRuntime
import HypervisorCore

/// How PMCCNTR (1 per ns of virtual time, its own origin) lines up with the
/// virtual counter CNTVCT (ticks at CNTFRQ from virtual time 0): the offset K
/// with virtual ns = PMCCNTR + K (mod 2^32). One read pair (p, c) says
/// first(c) <= p + K < first(c + 1), where first(c) is the first nanosecond
/// of tick c; pairs taken 5 instructions apart fall on every phase of a tick,
/// and together pin K down to about one nanosecond.
struct CounterAlignment {
    let offset: UInt32
    /// Width of the interval K was found in (0: exact to the instruction).
    let uncertainty: UInt32

    static let pairCount = 48
    nonisolated(unsafe) static var pairs = InlineArray<96, UInt32>(repeating: 0)

    /// Nil when the pairs contradict each other (the counters are not one clock).
    static func measure() -> CounterAlignment? {
        _ = routine2(&clockPairsCode)(address(of: &pairs), UInt32(pairCount))
        // Candidate intervals relative to the first one's low end, as signed offsets.
        let clock = GuestClock.counter, later = VirtualTimer.now
        let reference = firstNanosecond(of: pairs[1], clock, later) &- pairs[0]
        var low = Int32.min, high = Int32.max
        for index in 0..<pairCount {
            let tick = pairs[2 * index + 1]
            let first = firstNanosecond(of: tick, clock, later)
            let start = Int32(bitPattern: (first &- pairs[2 * index]) &- reference)
            let width = Int32(bitPattern: firstNanosecond(of: tick &+ 1, clock, later) &- first)
            low = max(low, start)
            high = min(high, start + width - 1)
        }
        guard low <= high else { return nil }
        return CounterAlignment(offset: reference &+ UInt32(bitPattern: low),
                                uncertainty: UInt32(bitPattern: high - low))
    }

    /// PMCCNTR at the moment the virtual counter reaches `ticks`.
    func counterValue(atTicks ticks: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: GuestClock.counter.firstNanosecond(ofTick: ticks)) &- offset
    }

    /// The low 32 bits of the first virtual nanosecond of the tick whose low
    /// word is `low`, read shortly before the counter value `later`.
    private static func firstNanosecond(of low: UInt32, _ clock: CounterClock, _ later: UInt64) -> UInt32 {
        var tick = later & ~0xFFFF_FFFF | UInt64(widening: low)
        if tick > later { tick &-= 1 &<< 32 }
        return UInt32(truncatingIfNeeded: clock.firstNanosecond(ofTick: tick))
    }
}
