// Exact admission arithmetic: is sum(slice_i / period_i) <= 1?
//
// No floating point and no rounding: the sum is kept as one fraction S / P with
// P = product of the periods, S = sum of slice_i * (product of the other
// periods). Adding slice/period is S' = S*period + slice*P, P' = P*period, and
// the test is S <= P. 64 full 64-bit periods need 4096 bits, so the numbers are
// fixed-width naturals of 68 64-bit limbs (4352 bits) on the stack; if a sum
// ever needs more, the caller gets `.utilizationNotRepresentable` instead of a
// wrong answer. Limb products use multipliedFullWidth (inline on armv7).

/// An unsigned integer of up to 4352 bits, little-endian base 2^64.
struct WideNatural {
    static let limbCapacity = 68
    var limbs: InlineArray<68, UInt64>
    /// Number of significant limbs; zero is length 0.
    var length: Int

    init(_ value: UInt64) {
        limbs = InlineArray(repeating: 0)
        limbs[0] = value
        length = value != 0 ? 1 : 0
    }

    /// `self * factor`, nil when the product does not fit.
    func multiplied(by factor: UInt64) -> WideNatural? {
        if length == 0 || factor == 0 { return WideNatural(0) }
        if length + 1 > WideNatural.limbCapacity { return nil }
        var result = WideNatural(0)
        var carry: UInt64 = 0
        for i in 0..<length {
            let product = limbs[i].multipliedFullWidth(by: factor)
            let (low, overflow) = product.low.addingReportingOverflow(carry)
            result.limbs[i] = low
            // product.high <= 2^64 - 2, so adding the one never wraps.
            carry = product.high &+ (overflow ? 1 : 0)
        }
        result.limbs[length] = carry
        result.length = carry != 0 ? length + 1 : length
        return result
    }

    /// `self + other`, nil when the sum does not fit.
    func adding(_ other: WideNatural) -> WideNatural? {
        let longest = max(length, other.length)
        var result = WideNatural(0)
        var carry = false
        for i in 0..<longest {
            let (partial, overflow1) = (i < length ? limbs[i] : 0).addingReportingOverflow(i < other.length ? other.limbs[i] : 0)
            let (sum, overflow2) = partial.addingReportingOverflow(carry ? 1 : 0)
            result.limbs[i] = sum
            carry = overflow1 || overflow2
        }
        result.length = longest
        if carry {
            if longest >= WideNatural.limbCapacity { return nil }
            result.limbs[longest] = 1
            result.length = longest + 1
        }
        return result
    }

    static func <= (a: WideNatural, b: WideNatural) -> Bool {
        if a.length != b.length { return a.length < b.length }
        var i = a.length - 1
        while i >= 0 {
            if a.limbs[i] != b.limbs[i] { return a.limbs[i] < b.limbs[i] }
            i -= 1
        }
        return true
    }
}

/// The running sum of slice/period fractions, exact (public for the host's
/// interface analysis, which admits interfaces with the scheduler's arithmetic).
public struct UtilizationSum {
    private var numerator = WideNatural(0)
    private var denominator = WideNatural(1)
    private var overflowed = false

    public init() {}

    /// Adds one reservation of `slice` every `period` (period > 0).
    public mutating func add(slice: TimeSpan, period: TimeSpan) {
        if overflowed { return }
        guard let scaledSum = numerator.multiplied(by: period.nanoseconds),
              let scaledSlice = denominator.multiplied(by: slice.nanoseconds),
              let sum = scaledSum.adding(scaledSlice),
              let product = denominator.multiplied(by: period.nanoseconds)
        else {
            overflowed = true
            return
        }
        numerator = sum
        denominator = product
    }

    /// Whether the total is at most one CPU, or why not.
    public func checkFitsOneCPU() -> SchedulerError? {
        if overflowed { return .utilizationNotRepresentable }
        return numerator <= denominator ? nil : .overloaded
    }
}
