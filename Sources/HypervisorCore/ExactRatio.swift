// x * numerator / denominator, rounded down or up, exact for every 64-bit x,
// with multiplies only: the division is done once, when the ratio is made.
//
// numerator / denominator = whole + remainder / denominator, and the fraction
// is kept as M = ceil(2^96 * remainder / denominator) (at most 96 bits). Then
// floor(x * M / 2^96) = floor(x * remainder / denominator) for every x < 2^64:
// M exceeds the true 2^96 * remainder / denominator by e < 1, so the estimate
// exceeds the true quotient by x * e / 2^96 < 2^64 / 2^96, which is less than
// 1 / denominator whenever denominator < 2^32; and the true quotient's
// fractional part is a multiple of 1 / denominator that is at most
// 1 - 1 / denominator, so adding less than 1 / denominator never reaches the
// next integer. Ceilings test the remainder of the floor, in wrapping
// arithmetic: it is below the denominator, so 64 bits hold it exactly.
//
// A ratio 1 / 2^k or 2^k / 1 (QEMU's 62.5 MHz counter: 1/16 tick per
// nanosecond, 16 ns per tick) is a shift instead: the hypervisor converts its
// clock and its next event at every decision, and the 96-bit fraction costs
// over a hundred instructions on armv7. The shifts are built from 32-bit
// halves (k < 32 as both terms are below 2^32): a variable 64-bit shift is a
// libgcc call there.

/// A rational factor numerator/denominator (both below 2^32) applied to
/// 64-bit values exactly, with no division after `init`.
public struct ExactRatio: Sendable, Equatable {
    public let numerator: UInt64
    public let denominator: UInt64
    /// numerator / denominator, rounded down.
    let whole: UInt64
    /// numerator mod denominator.
    let remainder: UInt64
    /// ceil(2^96 * remainder / denominator): upper 64 and lower 32 bits.
    let fractionHigh: UInt64
    let fractionLow: UInt64
    /// k when the ratio is 1 / 2^k with k >= 1 (then x >> k is the floor); 0 otherwise.
    let reciprocalShift: UInt32
    /// k when the ratio is 2^k / 1 with k >= 1 (then x << k is the product); 0 otherwise.
    let wholeShift: UInt32

    /// `numerator / denominator`, both reduced to at most 32 bits; a zero
    /// denominator counts as 1.
    public init(numerator: UInt32, denominator: UInt32) {
        self.numerator = UInt64(widening: numerator)
        self.denominator = UInt64(widening: max(denominator, 1))
        (whole, remainder) = self.numerator.quotientAndRemainder(dividingBy: self.denominator)
        let powerOfTwo = self.denominator & (self.denominator - 1) == 0
        reciprocalShift = self.numerator == 1 && powerOfTwo ? UInt32(truncatingIfNeeded: self.denominator.trailingZeroBitCount) : 0
        let wholePowerOfTwo = remainder == 0 && whole > 1 && whole & (whole - 1) == 0
        wholeShift = wholePowerOfTwo ? UInt32(truncatingIfNeeded: whole.trailingZeroBitCount) : 0
        // 2^96 * remainder / denominator as a 64-bit then a 32-bit digit.
        let (high, highRemainder) = self.denominator.dividingFullWidth((remainder, 0))
        let (low, lowRemainder) = (highRemainder &<< 32).quotientAndRemainder(dividingBy: self.denominator)
        if lowRemainder == 0 {
            (fractionHigh, fractionLow) = (high, low)
        } else if low == 0xFFFF_FFFF {
            (fractionHigh, fractionLow) = (high + 1, 0)  // high < 2^64 - 1: remainder < denominator
        } else {
            (fractionHigh, fractionLow) = (high, low + 1)
        }
    }

    /// 1 / 1, from constants (CounterClock's statically initialized 1 GHz clock).
    @inline(__always)
    init(one: ()) {
        numerator = 1
        denominator = 1
        whole = 1
        remainder = 0
        fractionHigh = 0
        fractionLow = 0
        reciprocalShift = 0
        wholeShift = 0
    }

    /// floor(x * numerator / denominator), nil when that exceeds 64 bits.
    @inline(__always)
    public func floor(_ x: UInt64) -> UInt64? {
        if reciprocalShift != 0 { return Self.shiftedRight(x, by: reciprocalShift) }
        if wholeShift != 0 { return Self.shiftedLeft(x, by: wholeShift) }
        let (wholePart, overflow) = x.multipliedReportingOverflow(by: whole)
        guard !overflow else { return nil }
        guard remainder != 0 else { return wholePart }
        let (sum, carry) = wholePart.addingReportingOverflow(fraction(x))
        return carry ? nil : sum
    }

    /// ceil(x * numerator / denominator), nil when that exceeds 64 bits.
    @inline(__always)
    public func ceiling(_ x: UInt64) -> UInt64? {
        if reciprocalShift != 0 {
            // Below 2^63 for k >= 1: adding 1 cannot overflow.
            let down = Self.shiftedRight(x, by: reciprocalShift)
            return x & (denominator &- 1) == 0 ? down : down &+ 1
        }
        guard let down = floor(x) else { return nil }
        // x * numerator - down * denominator, the remainder: below 2^32, so exact mod 2^64.
        let exact = x &* numerator &- down &* denominator == 0
        if exact { return down }
        let (up, overflow) = down.addingReportingOverflow(1)
        return overflow ? nil : up
    }

    /// x >> k for 1 <= k < 32.
    @inline(__always)
    static func shiftedRight(_ x: UInt64, by k: UInt32) -> UInt64 {
        let low = UInt32(truncatingIfNeeded: x), high = UInt32(truncatingIfNeeded: x &>> 32)
        return UInt64(widening: high &>> k) &<< 32 | UInt64(widening: low &>> k | high &<< (32 &- k))
    }

    /// x << k for 1 <= k < 32, nil when bits would be lost.
    @inline(__always)
    static func shiftedLeft(_ x: UInt64, by k: UInt32) -> UInt64? {
        let low = UInt32(truncatingIfNeeded: x), high = UInt32(truncatingIfNeeded: x &>> 32)
        guard high &>> (32 &- k) == 0 else { return nil }
        return UInt64(widening: high &<< k | low &>> (32 &- k)) &<< 32 | UInt64(widening: low &<< k)
    }

    /// floor(x * M / 2^96) = floor(x * remainder / denominator), below x.
    @inline(__always)
    func fraction(_ x: UInt64) -> UInt64 {
        // x * M = (x * fractionHigh) * 2^32 + x * fractionLow; the low 32 bits
        // of x * fractionLow cannot carry into bit 96.
        let product = x.multipliedFullWidth(by: fractionHigh)
        let lowProduct = x.multipliedFullWidth(by: fractionLow)
        let lowShifted = lowProduct.high &<< 32 | lowProduct.low &>> 32
        let (_, carry) = product.low.addingReportingOverflow(lowShifted)
        return product.high &+ (carry ? 1 : 0)
    }
}
