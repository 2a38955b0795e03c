// Admission control: sum(slice/period) <= 1 exactly, and parameter validation.
@testable import HypervisorCore
import TestSupport
import XCTest

final class SEDFAdmissionTests: XCTestCase {
    func params(_ period: UInt64, _ slice: UInt64) -> SEDFParameters {
        SEDFParameters(period: TimeSpan(nanoseconds: period), slice: TimeSpan(nanoseconds: slice))
    }

    func assertRefused(_ expected: SchedulerError, _ body: () throws -> Void, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual($0 as? SchedulerError, expected, line: line) }
    }

    func testExactlyOneIsAcceptedAndAnythingMoreRefused() throws {
        var s = SEDFScheduler<8>()
        // Thirds cannot be represented in binary: only exact arithmetic says 1.
        for i in 0..<3 { try s.insert(VCPUID(UInt32(i)), parameters: params(3_000_000, 1_000_000), now: .zero) }
        assertRefused(.overloaded) { try s.insert(VCPUID(9), parameters: params(UInt64.max, 1), now: .zero) }
        XCTAssertEqual(s.vcpuCount, 3, "a refused insert changes nothing")
    }

    func testOnePlusTheSmallestEpsilonIsRefused() throws {
        var s = SEDFScheduler<8>()
        let p: UInt64 = 1_000_000_000_000_000_000
        try s.insert(VCPUID(0), parameters: params(p, p - 1), now: .zero)
        try s.insert(VCPUID(1), parameters: params(p, 1), now: .zero) // exactly 1
        assertRefused(.overloaded) { try s.insert(VCPUID(2), parameters: params(UInt64.max, 1), now: .zero) }
        // ... while 1 - 1/p + 1/(p+1) < 1 is accepted.
        var t = SEDFScheduler<8>()
        try t.insert(VCPUID(0), parameters: params(p, p - 1), now: .zero)
        try t.insert(VCPUID(1), parameters: params(p + 1, 1), now: .zero)
    }

    func testHugeValuesDoNotOverflow() throws {
        var s = SEDFScheduler<8>()
        let max = UInt64.max
        try s.insert(VCPUID(0), parameters: params(max, max / 2), now: .zero)
        try s.insert(VCPUID(1), parameters: params(max, max / 2), now: .zero) // (max-1)/max
        try s.insert(VCPUID(2), parameters: params(max, 1), now: .zero) // exactly 1
        assertRefused(.overloaded) { try s.insert(VCPUID(3), parameters: params(max - 1, 1), now: .zero) }
        var full = SEDFScheduler<2>()
        try full.insert(VCPUID(0), parameters: params(max, max), now: .zero)
        assertRefused(.overloaded) { try full.insert(VCPUID(1), parameters: params(max, 1), now: .zero) }
    }

    func testSixtyFourMutuallyPrimeHugePeriodsAreComputedExactly() throws {
        // Distinct primes just below 2^64 would need a 4096-bit denominator.
        var primes: [UInt64] = []
        var candidate = UInt64.max
        while primes.count < 64 {
            if isPrime(candidate) { primes.append(candidate) }
            candidate -= 2
        }
        var s = SEDFScheduler<64>()
        for (i, p) in primes.enumerated() {
            // Each slightly below 1/64 (p/64 rounded down): all 64 fit.
            try s.insert(VCPUID(UInt32(i)), parameters: params(p, p / 64), now: .zero)
        }
        XCTAssertEqual(s.vcpuCount, 64)
        var t = SEDFScheduler<64>()
        for (i, p) in primes.prefix(63).enumerated() {
            try t.insert(VCPUID(UInt32(i)), parameters: params(p, p / 64 + 1), now: .zero)
        }
        // Each of the 63 is slightly above 1/64, so exactly 1/64 more is too much.
        assertRefused(.overloaded) { try t.insert(VCPUID(63), parameters: params(64 << 20, 1 << 20), now: .zero) }
    }

    func testUtilizationSumAgainstSmallFractions() {
        // Cross-check the wide arithmetic against plain rationals on small numbers.
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            var sum = UtilizationSum()
            var num: UInt64 = 0, den: UInt64 = 1
            for _ in 0..<rng.next(in: 1...4) {
                let p = rng.next(in: 1...60), e = rng.next(in: 1...p)
                sum.add(slice: TimeSpan(nanoseconds: e), period: TimeSpan(nanoseconds: p))
                num = num * p + e * den
                den *= p
            }
            XCTAssertEqual(sum.checkFitsOneCPU() == nil, num <= den)
        }
    }

    func testWideNaturalMultiplicationCarries() throws {
        var x = WideNatural(UInt64.max)
        for _ in 0..<3 { x = try XCTUnwrap(x.multiplied(by: UInt64.max)) }
        // (x-1)^4 = x^4 - 4x^3 + 6x^2 - 4x + 1 with x = 2^64; after borrows the
        // limbs are 1, x-4, 5, x-4.
        XCTAssertEqual(x.length, 4)
        XCTAssertEqual([x.limbs[0], x.limbs[1], x.limbs[2], x.limbs[3]], [1, UInt64.max - 3, 5, UInt64.max - 3])
        let sum = try XCTUnwrap(WideNatural(UInt64.max).adding(WideNatural(1)))
        XCTAssertEqual(sum.length, 2)
        XCTAssertEqual([sum.limbs[0], sum.limbs[1]], [0, 1])
    }

    func testInvalidParametersAreRefused() throws {
        var s = SEDFScheduler<2>()
        assertRefused(.zeroPeriod) { try s.insert(VCPUID(0), parameters: params(0, 0), now: .zero) }
        assertRefused(.zeroSlice) { try s.insert(VCPUID(0), parameters: params(10, 0), now: .zero) }
        assertRefused(.sliceExceedsPeriod) { try s.insert(VCPUID(0), parameters: params(10, 11), now: .zero) }
        try s.insert(VCPUID(0), parameters: params(10, 1), now: .zero)
        assertRefused(.duplicateVCPU) { try s.insert(VCPUID(0), parameters: params(10, 1), now: .zero) }
        try s.insert(VCPUID(1), parameters: params(10, 1), now: .zero)
        assertRefused(.capacityExceeded) { try s.insert(VCPUID(2), parameters: params(10, 1), now: .zero) }
    }

    func testSetParametersIsAdmittedWithoutCountingTheOldReservation() throws {
        var s = SEDFScheduler<4>()
        try s.insert(VCPUID(0), parameters: params(10, 5), now: .zero)
        try s.insert(VCPUID(1), parameters: params(10, 4), now: .zero)
        // 0.5 + 0.5 = 1 fits once the old 0.4 no longer counts; 0.5 + 0.6 does not.
        try s.setParameters(params(10, 5), for: VCPUID(1), now: .zero)
        assertRefused(.overloaded) { try s.setParameters(params(10, 6), for: VCPUID(1), now: .zero) }
        XCTAssertEqual(s.parameters(of: VCPUID(1)), params(10, 5), "a refused change changes nothing")
        assertRefused(.sliceExceedsPeriod) { try s.setParameters(params(10, 11), for: VCPUID(1), now: .zero) }
        assertRefused(.unknownVCPU) { try s.setParameters(params(10, 1), for: VCPUID(7), now: .zero) }
    }
}

private func isPrime(_ n: UInt64) -> Bool {
    // Deterministic Miller-Rabin for 64-bit integers.
    if n < 2 { return false }
    for p: UInt64 in [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37] where n % p == 0 { return n == p }
    var d = n - 1, r = 0
    while d % 2 == 0 { d /= 2; r += 1 }
    func mulmod(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return n.dividingFullWidth((high % n, low)).remainder
    }
    func powmod(_ base: UInt64, _ exp: UInt64) -> UInt64 {
        var result: UInt64 = 1, b = base % n, e = exp
        while e > 0 {
            if e & 1 == 1 { result = mulmod(result, b) }
            b = mulmod(b, b)
            e >>= 1
        }
        return result
    }
    witnesses: for a: UInt64 in [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37] {
        var x = powmod(a, d)
        if x == 1 || x == n - 1 { continue }
        for _ in 0..<(r - 1) {
            x = mulmod(x, x)
            if x == n - 1 { continue witnesses }
        }
        return false
    }
    return true
}
