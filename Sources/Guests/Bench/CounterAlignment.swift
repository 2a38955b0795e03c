/// How PMCCNTR (1 per ns of virtual time, its own origin) lines up with the
/// virtual counter CNTVCT (1 per 16 ns from virtual time 0): the offset K
/// with virtual ns = PMCCNTR + K (mod 2^32). One read pair (p, c) says
/// 16c <= p + K <= 16c + 15; pairs taken 5 instructions apart fall on every
/// phase of a 16 ns tick, and together pin K down to about one nanosecond.
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
        let reference = pairs[1] &* 16 &- pairs[0]
        var low = Int32.min, high = Int32.max
        for index in 0..<pairCount {
            let start = Int32(bitPattern: (pairs[2 * index + 1] &* 16 &- pairs[2 * index]) &- reference)
            low = max(low, start)
            high = min(high, start + 15)
        }
        guard low <= high else { return nil }
        return CounterAlignment(offset: reference &+ UInt32(bitPattern: low),
                                uncertainty: UInt32(bitPattern: high - low))
    }

    /// PMCCNTR at the moment the virtual counter reaches `ticks`.
    func counterValue(atTicks ticks: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ticks) &* 16 &- offset
    }
}
