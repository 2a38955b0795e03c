import XCTest
@testable import HypervisorCore
import TestSupport

/// Tick/nanosecond conversion against exact 128-bit arithmetic. The range
/// checked is every 64-bit input: random values over the whole range, every
/// power of two and its neighbours, multiples of the frequency and their
/// neighbours, and the edge where the result leaves 64 bits (saturation).
final class CounterClockTests: XCTestCase {
    /// Counter frequencies of real boards and QEMU machines, plus awkward ones:
    /// 24 MHz (Raspberry Pi, i.MX), 19.2 MHz (Qualcomm), 6.144 MHz, 62.5 MHz
    /// (QEMU vexpress/virt), 1 GHz, and primes and extremes.
    static let frequencies: [UInt32] = [
        24_000_000, 19_200_000, 6_144_000, 62_500_000, 1_000_000_000, 1_000_000, 32_768,
        54_000_000, 100_000_000, 33_333_333, 999_999_937, 1_000_000_007, 1, 3, UInt32.max,
    ]

    static func exactNanoseconds(ticks: UInt64, frequency: UInt64) -> UInt64? {
        let product = ticks.multipliedFullWidth(by: 1_000_000_000)
        guard product.high < frequency else { return nil }
        return frequency.dividingFullWidth(product).quotient
    }

    static func exactTicksAtOrAfter(nanoseconds: UInt64, frequency: UInt64) -> UInt64? {
        let product = nanoseconds.multipliedFullWidth(by: frequency)
        guard product.high < 1_000_000_000 else { return nil }
        let (quotient, remainder) = UInt64(1_000_000_000).dividingFullWidth(product)
        if remainder == 0 { return quotient }
        return quotient == .max ? nil : quotient + 1
    }

    /// Inputs that cover the whole 64-bit range and its edges for one frequency.
    static func inputs(frequency: UInt64, seed: UInt64) -> [UInt64] {
        var values: [UInt64] = [0, 1, 2, .max, .max - 1]
        for bit in 0..<64 {
            let power = UInt64(1) << bit
            values += [power, power - 1, power &+ 1]
        }
        for multiple: UInt64 in [1, 2, 3, 7, 1000, 3600, 86_400, 1 << 20, 1 << 32] {
            for base in [frequency, 1_000_000_000] {
                let (value, overflow) = base.multipliedReportingOverflow(by: multiple)
                if !overflow { values += [value, value - 1, value &+ 1] }
            }
        }
        // Around the largest input whose result still fits in 64 bits, both ways.
        let limitTicks = UInt64.max.multipliedFullWidth(by: frequency)
        if limitTicks.high < 1_000_000_000 {
            let edge = UInt64(1_000_000_000).dividingFullWidth(limitTicks).quotient
            values += [edge, edge - 1, edge &+ 1]
        }
        var random = SplitMix64(seed: seed)
        for _ in 0..<20_000 {
            let value = random.next()
            values += [value, value >> (value & 63)]  // every magnitude, not just huge values
        }
        return values
    }

    func testInstantIsExactFloorForEveryFrequency() {
        for frequency in Self.frequencies {
            let clock = CounterClock(frequency: frequency)
            for ticks in Self.inputs(frequency: UInt64(frequency), seed: UInt64(frequency)) {
                let expected = Self.exactNanoseconds(ticks: ticks, frequency: UInt64(frequency))
                let got = clock.instant(ticks: ticks)
                if let expected, expected != UInt64.max {
                    XCTAssertEqual(got.nanoseconds, expected, "\(frequency) Hz, \(ticks) ticks")
                } else {
                    XCTAssertEqual(got, .never, "\(frequency) Hz, \(ticks) ticks saturates")
                }
                if got.nanoseconds != expected { return }  // one failure per frequency is enough
            }
        }
    }

    func testTicksAtOrAfterIsExactCeilingForEveryFrequency() {
        for frequency in Self.frequencies {
            let clock = CounterClock(frequency: frequency)
            for nanoseconds in Self.inputs(frequency: UInt64(frequency), seed: ~UInt64(frequency)) where nanoseconds != .max {
                let expected = Self.exactTicksAtOrAfter(nanoseconds: nanoseconds, frequency: UInt64(frequency)) ?? .max
                let got = clock.ticks(atOrAfter: Instant(nanoseconds: nanoseconds))
                XCTAssertEqual(got, expected, "\(frequency) Hz, \(nanoseconds) ns")
                if got != expected { return }
            }
        }
    }

    func testFirstNanosecondOfTickIsExactCeiling() {
        for frequency in Self.frequencies {
            let clock = CounterClock(frequency: frequency)
            var random = SplitMix64(seed: 77 &+ UInt64(frequency))
            for _ in 0..<5_000 {
                let tick = random.next() >> (random.next() & 63)
                let product = tick.multipliedFullWidth(by: 1_000_000_000)
                guard product.high < UInt64(frequency) else { continue }
                let (quotient, remainder) = UInt64(frequency).dividingFullWidth(product)
                let expected = remainder == 0 ? quotient : quotient &+ 1
                XCTAssertEqual(clock.firstNanosecond(ofTick: tick), expected, "\(frequency) Hz, tick \(tick)")
            }
        }
    }

    func testAt62500kHzATickIsSixteenNanoseconds() {
        let clock = CounterClock(frequency: 62_500_000)
        XCTAssertEqual(clock.instant(ticks: 625), Instant(nanoseconds: 10_000))
        XCTAssertEqual(clock.ticks(atOrAfter: Instant(nanoseconds: 10_000)), 625)
        XCTAssertEqual(clock.ticks(atOrAfter: Instant(nanoseconds: 10_001)), 626, "never early")
        XCTAssertEqual(clock.ticks(atOrAfter: .never), .max)
        XCTAssertEqual(clock.instant(ticks: .max), .never, "saturates instead of wrapping")
        XCTAssertEqual(clock.nanosecondsPerTick.remainder, 0, "a bare multiply, no fraction")
    }

    func testAt24MHzTimersNeverFireEarly() {
        let clock = CounterClock(frequency: 24_000_000)   // 41.67 ns a tick
        var random = SplitMix64(seed: 0x5EED_0007)
        for _ in 0..<10_000 {
            let time = Instant(nanoseconds: random.next() >> 8)
            let ticks = clock.ticks(atOrAfter: time)
            XCTAssertGreaterThanOrEqual(clock.instant(ticks: ticks), time)
            XCTAssertLessThan(clock.instant(ticks: ticks - 1), time)
        }
    }

    /// The ratio alone, for denominators up to 2^32 - 1 (the proof's limit).
    /// The shift paths (2^k / 1 and 1 / 2^k) for every k, at every magnitude and at the overflow edge.
    func testPowerOfTwoRatiosAgainstExactArithmetic() {
        var random = SplitMix64(seed: 0x5417)
        for k in 1...31 {
            for (numerator, denominator) in [(UInt32(1) << k, UInt32(1)), (UInt32(1), UInt32(1) << k)] {
                let ratio = ExactRatio(numerator: numerator, denominator: denominator)
                let edge = UInt64.max >> k
                var inputs: [UInt64] = [0, 1, .max, edge, edge &+ 1, edge &- 1]
                for _ in 0..<2_000 { let value = random.next(); inputs.append(value >> (value & 63)) }
                for x in inputs {
                    let product = x.multipliedFullWidth(by: UInt64(numerator))
                    if product.high >= UInt64(denominator) {
                        XCTAssertNil(ratio.floor(x), "\(x) * \(numerator) / \(denominator) overflows")
                        continue
                    }
                    let (quotient, remainder) = UInt64(denominator).dividingFullWidth((product.high, product.low))
                    XCTAssertEqual(ratio.floor(x), quotient, "\(x) * \(numerator) / \(denominator)")
                    let ceiling: UInt64? = remainder == 0 ? quotient : (quotient == .max ? nil : quotient + 1)
                    XCTAssertEqual(ratio.ceiling(x), ceiling, "\(x) * \(numerator) / \(denominator) up")
                }
            }
        }
    }

    func testExactRatioAgainstExactArithmetic() {
        var random = SplitMix64(seed: 0xDEC0DE)
        for _ in 0..<300 {
            let numerator = UInt32(truncatingIfNeeded: random.next())
            let denominator = max(UInt32(truncatingIfNeeded: random.next() >> (random.next() & 31)), 1)
            let ratio = ExactRatio(numerator: numerator, denominator: denominator)
            for _ in 0..<200 {
                let x = random.next() >> (random.next() & 63)
                let product = x.multipliedFullWidth(by: UInt64(numerator))
                if product.high >= UInt64(denominator) {
                    XCTAssertNil(ratio.floor(x))
                    continue
                }
                let (quotient, remainder) = UInt64(denominator).dividingFullWidth(product)
                XCTAssertEqual(ratio.floor(x), quotient, "\(x) * \(numerator) / \(denominator)")
                let ceiling: UInt64? = remainder == 0 ? quotient : (quotient == .max ? nil : quotient + 1)
                XCTAssertEqual(ratio.ceiling(x), ceiling, "\(x) * \(numerator) / \(denominator) up")
            }
        }
    }
}
