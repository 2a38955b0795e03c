// Seeded property tests of the exact tests and the minimal budget against
// brute-force oracles that count demand and supply unit by unit.
import HypervisorCore
import InterfaceAnalysis
import TestSupport
import XCTest

final class AnalysisPropertyTests: XCTestCase {
    /// Minimal Θ is schedulable, Θ - 1 is not, and every Θ above it is (monotone).
    func testMinimalBudgetIsMinimalAndMonotone() throws {
        var random = SplitMix64(seed: 42)
        var withInterface = 0
        for _ in 0..<300 {
            let tasks = random.taskSet(maxTasks: 4, maxPeriod: 24)
            let period = random.next(in: 1...30)
            for policy in [GuestPolicy.edf, .rm] {
                let minimal = try AnalysisCall.minimalBudget(tasks, period: period, policy)
                for budget in 0...period {
                    let ok = try AnalysisCall.schedulable(tasks, period: period, budget: budget, policy)
                    XCTAssertEqual(ok, minimal.map { budget >= $0 } ?? false, "\(tasks) Π=\(period) Θ=\(budget) \(policy)")
                }
                if minimal != nil { withInterface += 1 }
            }
        }
        XCTAssertGreaterThan(withInterface, 100, "the generator should produce many schedulable sets")
    }

    /// The EDF test (step points up to the LCM) agrees with demand <= supply at every
    /// integer t up to lcm(L, Π) + Π, a horizon that covers the blackout and all
    /// phases of Π against L; the RM test agrees with every integer t in 1...p_i.
    func testExactTestsAgreeWithBruteForce() throws {
        var random = SplitMix64(seed: 7)
        var verdicts = [false: 0, true: 0]
        for _ in 0..<250 {
            let tasks = random.taskSet(maxTasks: 3, maxPeriod: 12)
            let period = random.next(in: 1...14)
            let l = AnalysisBruteForce.hyperperiod(tasks)
            let horizon = AnalysisBruteForce.lcm(l, period) + period
            for budget in 0...period {
                let edf = try AnalysisCall.schedulable(tasks, period: period, budget: budget, .edf)
                XCTAssertEqual(edf, AnalysisBruteForce.edfSchedulable(tasks, period: period, budget: budget, horizon: horizon),
                               "EDF \(tasks) Γ(\(period),\(budget))")
                let rm = try AnalysisCall.schedulable(tasks, period: period, budget: budget, .rm)
                XCTAssertEqual(rm, AnalysisBruteForce.rmSchedulable(tasks, period: period, budget: budget),
                               "RM \(tasks) Γ(\(period),\(budget))")
                verdicts[edf, default: 0] += 1
            }
        }
        XCTAssertGreaterThan(verdicts[true]!, 300)
        XCTAssertGreaterThan(verdicts[false]!, 300)
    }

    /// RM-schedulable implies EDF-schedulable on the same interface: Θ_rm >= Θ_edf.
    func testRMNeedsAtLeastTheEDFBudget() throws {
        var random = SplitMix64(seed: 0x5EED)
        var compared = 0
        for _ in 0..<400 {
            let tasks = random.taskSet(maxTasks: 5, maxPeriod: 40)
            let period = random.next(in: 1...40)
            guard let rm = try AnalysisCall.minimalBudget(tasks, period: period, .rm) else { continue }
            let edf: UInt64?
            do {
                edf = try AnalysisCall.minimalBudget(tasks, period: period, .edf)
            } catch .tooManyCheckPoints {
                continue  // a non-harmonic set whose hyperperiod is beyond the EDF test's limit
            }
            XCTAssertGreaterThanOrEqual(rm, try XCTUnwrap(edf, "\(tasks)"), "\(tasks) Π=\(period)")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 100)
    }

    /// Harmonic nanosecond-sized sets: the minimal budget scales with the unit when
    /// every period is scaled (units are arbitrary), up to rounding of Θ.
    func testUnitScalingOfHarmonicSets() throws {
        var random = SplitMix64(seed: 99)
        for _ in 0..<60 {
            let base = random.next(in: 2...6)
            let tasks = (0..<random.next(in: 1...3)).map { k -> AnalysisTask in
                let period = base << k
                return AnalysisTask(period: period, execution: random.next(in: 1...max(1, period / 3)))
            }
            let period = random.next(in: 1...base)
            guard let small = try AnalysisCall.minimalBudget(tasks, period: period, .edf) else { continue }
            let scale: UInt64 = 1_000_000
            let scaled = tasks.map { AnalysisTask(period: $0.period * scale, execution: $0.execution * scale) }
            let large = try XCTUnwrap(try AnalysisCall.minimalBudget(scaled, period: period * scale, .edf))
            // Finer units can only help: at most the scaled coarse budget, and more than the next lower one.
            XCTAssertLessThanOrEqual(large, small * scale)
            XCTAssertGreaterThan(large, (small - min(small, 1)) * scale)
        }
    }
}
