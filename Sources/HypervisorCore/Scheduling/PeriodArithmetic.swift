// Small overflow-safe helpers shared by the schedulers. Instants saturate at
// `.never` (Time.swift); these keep that promise for "k periods later".

extension Instant {
    /// `self + count * span`, saturating at `.never`.
    @inline(__always)
    func advanced(by count: UInt64, of span: TimeSpan) -> Instant {
        let (total, overflow) = count.multipliedReportingOverflow(by: span.nanoseconds)
        return overflow ? .never : self + TimeSpan(nanoseconds: total)
    }

    /// The first instant `self + k * period` (k >= 1) strictly after `now`;
    /// `self` when it is already after `now`.
    func firstBoundary(after now: Instant, period: TimeSpan) -> Instant {
        if self > now { return self }
        let behind = now.nanoseconds - nanoseconds
        return advanced(by: behind / period.nanoseconds + 1, of: period)
    }
}

/// `a * b <= c * d` for 64-bit operands, exactly (128-bit products).
@inline(__always)
public func productIsAtMost(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> Bool {
    // Factors below 2^32 (times below 4.29 s, the usual case): each product fits
    // 64 bits, one 32 x 32 multiply each instead of two 64 x 64 full-width ones.
    if (a | b | c | d) &>> 32 == 0 {
        return UInt64(widening: UInt32(truncatingIfNeeded: a)) &* UInt64(widening: UInt32(truncatingIfNeeded: b))
            <= UInt64(widening: UInt32(truncatingIfNeeded: c)) &* UInt64(widening: UInt32(truncatingIfNeeded: d))
    }
    let left = a.multipliedFullWidth(by: b)
    let right = c.multipliedFullWidth(by: d)
    return left.high < right.high || (left.high == right.high && left.low <= right.low)
}

