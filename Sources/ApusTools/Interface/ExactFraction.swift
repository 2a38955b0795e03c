// Ratios for the reports (utilization, bandwidth): exact, reduced, and
// rendered as decimals by integer long division, so "7/10" prints as 0.7 and
// never as 0.69999999. Decisions never use these; the core decides in integers.

public struct ExactFraction: Equatable, Sendable {
    public let numerator: UInt64
    public let denominator: UInt64

    /// n/d reduced; d > 0.
    public init(_ numerator: UInt64, _ denominator: UInt64) {
        precondition(denominator > 0, "zero denominator")
        let g = Self.gcd(numerator, denominator)
        self.numerator = numerator / g
        self.denominator = denominator / g
    }

    /// sum(e_i / p_i), or nil when the exact sum does not fit in 64-bit terms.
    public static func utilization(of tasks: [(period: UInt64, execution: UInt64)]) -> ExactFraction? {
        var sum = ExactFraction(0, 1)
        for task in tasks {
            guard let next = sum.adding(ExactFraction(task.execution, task.period)) else { return nil }
            sum = next
        }
        return sum
    }

    /// self + other, nil on 64-bit overflow.
    public func adding(_ other: ExactFraction) -> ExactFraction? {
        let g = Self.gcd(denominator, other.denominator)
        let (common, o1) = (denominator / g).multipliedReportingOverflow(by: other.denominator)
        let (left, o2) = numerator.multipliedReportingOverflow(by: common / denominator)
        let (right, o3) = other.numerator.multipliedReportingOverflow(by: common / other.denominator)
        let (sum, o4) = left.addingReportingOverflow(right)
        if o1 || o2 || o3 || o4 { return nil }
        return ExactFraction(sum, common)
    }

    /// "7/10"; whole numbers as "1".
    public var text: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }

    /// Rounded half up to `places` decimals, trailing zeros dropped: 0.7, 0.333333, 1.
    public func decimal(places: Int = 6) -> String {
        var digits = fixed(scaledBy: places)
        while digits.hasSuffix("0") && digits.contains(".") { digits.removeLast() }
        if digits.hasSuffix(".") { digits.removeLast() }
        return digits
    }

    /// As a percentage with exactly `places` decimals: "70.00%".
    public func percent(places: Int = 2) -> String {
        // Two more decimals, then move the point: no multiplication, no overflow.
        let digits = fixed(scaledBy: places + 2)
        let point = digits.firstIndex(of: ".")!
        let whole = digits[..<point]
        let fraction = digits[digits.index(after: point)...]
        var integer = String(whole + fraction.prefix(2))
        while integer.count > 1 && integer.hasPrefix("0") { integer.removeFirst() }
        return places > 0 ? "\(integer).\(fraction.dropFirst(2))%" : "\(integer)%"
    }

    /// The value with exactly `places` decimals, rounded half up.
    private func fixed(scaledBy places: Int) -> String {
        var whole = numerator / denominator
        let remainder = numerator % denominator
        var scale: UInt64 = 1
        for _ in 0..<places { scale *= 10 }
        // remainder < denominator, so remainder * scale / denominator < scale fits.
        let product = remainder.multipliedFullWidth(by: scale)
        var (fraction, rest) = denominator.dividingFullWidth(product)
        if rest >= denominator - rest { fraction += 1 }  // 2 * rest >= denominator, without overflow
        if fraction == scale { whole += 1; fraction = 0 }
        guard places > 0 else { return "\(whole)" }
        let padded = String(repeating: "0", count: places - String(fraction).count) + String(fraction)
        return "\(whole).\(padded)"
    }

    private static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
