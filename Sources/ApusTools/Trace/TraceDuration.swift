// Human-readable durations for tables, in integer arithmetic so that 1 ms never prints as
// 0.999 ms. Three decimals, truncated, in the largest unit that keeps the whole part >= 1.

public enum TraceDuration {
    public static func human(_ nanoseconds: UInt64) -> String {
        if nanoseconds < 1_000 { return "\(nanoseconds) ns" }
        let (unit, name): (UInt64, String) =
            nanoseconds < 1_000_000 ? (1_000, "us")
            : nanoseconds < 1_000_000_000 ? (1_000_000, "ms")
            : (1_000_000_000, "s")
        return "\(decimal(nanoseconds, unit: unit, decimals: 3)) \(name)"
    }

    /// `value / unit` printed with exactly `decimals` digits after the point (truncated).
    static func decimal(_ value: UInt64, unit: UInt64, decimals: Int) -> String {
        let whole = value / unit
        guard decimals > 0 else { return String(whole) }
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        // (value % unit) < unit <= 1e9 and scale <= 1e9 in our uses, so this cannot overflow.
        let fraction = (value % unit) * scale / unit
        let digits = String(fraction)
        return "\(whole)." + String(repeating: "0", count: decimals - digits.count) + digits
    }
}
