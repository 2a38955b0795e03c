// sbf and lsbf of the periodic resource: hand-worked values and properties.
import HypervisorCore
import InterfaceAnalysis
import XCTest

final class AnalysisSupplyTests: XCTestCase {
    // Γ(5, 3): blackout B = 2; worst case: nothing in [0, 4), supply [4, 7),
    // gap [7, 9), supply [9, 12), gap [12, 14), supply [14, 17), ...
    func testSupplyBoundByHand() {
        let r = gamma(5, 3)
        let expected: [UInt64: UInt64] = [0: 0, 2: 0, 4: 0, 5: 1, 6: 2, 7: 3, 8: 3, 9: 3, 10: 4, 12: 6, 14: 6, 15: 7, 17: 9]
        for (t, supply) in expected {
            XCTAssertEqual(r.supplyBound(at: t), supply, "sbf(\(t)) of Γ(5,3)")
        }
        XCTAssertEqual(r.blackout, 2)
    }

    func testSupplyBoundEdgeResources() {
        // Θ = 0 never supplies; Θ = Π is a whole CPU: sbf(t) = t.
        for t: UInt64 in [0, 1, 7, 100] {
            XCTAssertEqual(gamma(7, 0).supplyBound(at: t), 0)
            XCTAssertEqual(gamma(7, 7).supplyBound(at: t), t)
        }
        // Huge values must not overflow. Γ(2^63, 2^62): blackout 2^63, supply 2^62,
        // then a gap from 2^63 + 2^62 to 2^64, which contains t = 2^64 - 1.
        let big = gamma(1 << 63, 1 << 62)
        XCTAssertEqual(big.supplyBound(at: .max), 1 << 62)
        XCTAssertEqual(big.supplyBound(at: (1 << 63) + 5), 5)
    }

    // lsbf(t) = (Θ/Π)(t - 2B): Γ(5, 3): (3/5)(t - 4).
    func testLinearSupplyBoundByHand() {
        let r = gamma(5, 3)
        XCTAssertEqual(r.linearSupplyBoundFloor(at: 4), 0)
        XCTAssertEqual(r.linearSupplyBoundFloor(at: 9), 3)    // 3.0
        XCTAssertEqual(r.linearSupplyBoundFloor(at: 10), 3)   // 3.6
        XCTAssertEqual(r.linearSupplyBoundFloor(at: 14), 6)   // 6.0
        XCTAssertEqual(gamma(10, 10).linearSupplyBoundFloor(at: 33), 33)
        XCTAssertEqual(gamma(10, 0).linearSupplyBoundFloor(at: 1000), 0)
        XCTAssertEqual(gamma(.max, .max).linearSupplyBoundFloor(at: .max), .max)
    }

    func testResourceValidation() {
        XCTAssertThrowsError(try PeriodicResource(period: 0, budget: 0)) {
            XCTAssertEqual($0 as? AnalysisError, .zeroResourcePeriod)
        }
        XCTAssertThrowsError(try PeriodicResource(period: 5, budget: 6)) {
            XCTAssertEqual($0 as? AnalysisError, .budgetExceedsPeriod)
        }
    }

    /// The closed formula equals the supply of the worst-case pattern counted unit by unit.
    func testSupplyBoundMatchesWorstCasePattern() {
        for period: UInt64 in 1...12 {
            for budget in 0...period {
                for t: UInt64 in 0...(5 * period) {
                    XCTAssertEqual(gamma(period, budget).supplyBound(at: t),
                                   AnalysisBruteForce.worstCaseSupply(period: period, budget: budget, until: t),
                                   "Γ(\(period),\(budget)) t=\(t)")
                }
            }
        }
    }

    /// sbf is the least supply over EVERY legal supply pattern: each period hands out its
    /// Θ units in any slots. Enumerated for small Π over 4 periods, all windows of
    /// length up to 3Π.
    func testSupplyBoundIsTheMinimumOverAllPatterns() {
        for period: UInt64 in 1...4 {
            for budget in 0...period {
                let slotsPerPeriod = subsets(of: Int(period), size: Int(budget))
                var least = [UInt64](repeating: .max, count: Int(3 * period) + 1)
                var choice = [Int](repeating: 0, count: 4)
                repeat {
                    var supply = [UInt64]()
                    for k in 0..<4 {
                        let chosen = slotsPerPeriod[choice[k]]
                        supply += (0..<Int(period)).map { chosen.contains($0) ? 1 : 0 }
                    }
                    for length in 0...Int(3 * period) {
                        for start in 0...(supply.count - length) {
                            least[length] = min(least[length], supply[start..<start + length].reduce(0, +))
                        }
                    }
                } while advance(&choice, radix: slotsPerPeriod.count)
                for length in 0...Int(3 * period) {
                    XCTAssertEqual(gamma(period, budget).supplyBound(at: UInt64(length)), least[length],
                                   "Γ(\(period),\(budget)) t=\(length)")
                }
            }
        }
    }

    /// Monotone in t, in Θ (Θ+1 never supplies less), and in Π (a shorter period with
    /// the same Θ never supplies less); superadditive (the basis of the LCM horizon);
    /// between lsbf and the upper line (Θ/Π)(t - B).
    func testSupplyBoundProperties() {
        for period: UInt64 in 1...16 {
            for budget in 0...period {
                let r = gamma(period, budget)
                for t: UInt64 in 0...(4 * period + 3) {
                    let s = r.supplyBound(at: t)
                    XCTAssertLessThanOrEqual(s, r.supplyBound(at: t + 1))
                    if budget < period { XCTAssertLessThanOrEqual(s, gamma(period, budget + 1).supplyBound(at: t)) }
                    if period > max(budget, 1) { XCTAssertLessThanOrEqual(s, gamma(period - 1, budget).supplyBound(at: t)) }
                    XCTAssertGreaterThanOrEqual(s, r.linearSupplyBoundFloor(at: t))
                    // s * Π <= Θ * (t - B) when t >= B (sbf lies under the line through its corners).
                    if t >= r.blackout { XCTAssertLessThanOrEqual(s * period, budget * (t - r.blackout)) }
                    XCTAssertLessThanOrEqual(s, t)
                    for u: UInt64 in 0...(2 * period) {
                        XCTAssertGreaterThanOrEqual(r.supplyBound(at: t + u), s + r.supplyBound(at: u),
                                                    "superadditivity Γ(\(period),\(budget)) \(t)+\(u)")
                    }
                }
            }
        }
    }

    // All size-k subsets of 0..<n.
    private func subsets(of n: Int, size k: Int) -> [Set<Int>] {
        if k == 0 { return [[]] }
        if n < k { return [] }
        return subsets(of: n - 1, size: k) + subsets(of: n - 1, size: k - 1).map { $0.union([n - 1]) }
    }

    // Next digit vector in base `radix`; false after the last one.
    private func advance(_ digits: inout [Int], radix: Int) -> Bool {
        for i in digits.indices {
            digits[i] += 1
            if digits[i] < radix { return true }
            digits[i] = 0
        }
        return false
    }
}
