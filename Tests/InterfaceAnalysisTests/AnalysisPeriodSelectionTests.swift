// Choosing Π over a range: cheapest (Θ + overhead) / Π, ties to the longer period.
import HypervisorCore
import InterfaceAnalysis
import TestSupport
import XCTest

final class AnalysisPeriodSelectionTests: XCTestCase {
    // Minimal EDF budgets of {(10,2),(20,5)} (checked in AnalysisBudgetTests and by brute force):
    // Π: 1 2 3 4 5 6 7 8 9 10 ... 13 ... 20
    // Θ: 1 1 2 3 3 4 5 5 6  7 ...  9 ... 16
    private let set = taskList((10, 2), (20, 5))

    func testBestPeriodWithoutOverhead() throws {
        // Π=2 needs Θ=1: bandwidth 1/2, the least in 1...20.
        let best = try XCTUnwrap(try AnalysisCall.best(set, periods: 1...20, .edf))
        XCTAssertEqual(best.resource, gamma(2, 1))
        XCTAssertEqual(best.slice, 1)
        // In 3...9: 2/3, 3/4, 3/5, 2/3, 5/7, 5/8, 2/3 -> Π=5 (3/5 < 5/8).
        XCTAssertEqual(try AnalysisCall.best(set, periods: 3...9, .edf)?.resource, gamma(5, 3))
    }

    func testOverheadShiftsTheChoiceToLongerPeriods() throws {
        // Overhead 1: (Θ+1)/Π = 1, 1, 1, 4/5, 5/6, 6/7, 3/4, 7/9, 4/5, ... -> Π=8 (3/4).
        let best = try XCTUnwrap(try AnalysisCall.best(set, periods: 1...20, overhead: 1, .edf))
        XCTAssertEqual(best.resource, gamma(8, 5))
        XCTAssertEqual(best.overhead, 1)
        XCTAssertEqual(best.slice, 6)
    }

    func testTiesGoToTheLongerPeriod() throws {
        // Overhead 2 in 5...7: (3+2)/5 = (4+2)/6 = (5+2)/7 = 1.
        XCTAssertEqual(try AnalysisCall.best(set, periods: 5...7, overhead: 2, .edf)?.period, 7)
        // Overhead 1 in 2...4: (1+1)/2 = (2+1)/3 = (3+1)/4 = 1; Π=1 would need slice 2 > 1.
        XCTAssertEqual(try AnalysisCall.best(set, periods: 1...4, overhead: 1, .edf)?.period, 4)
    }

    func testNoPeriodWorks() throws {
        XCTAssertNil(try AnalysisCall.best(taskList((2, 1), (3, 2)), periods: 1...12, .edf))
        XCTAssertNil(try AnalysisCall.best(set, periods: 1...20, overhead: 100, .edf))
        XCTAssertNil(try AnalysisCall.best(taskList((4, 2), (6, 3)), periods: 1...12, .rm))
    }

    func testRangeLimits() {
        XCTAssertThrowsError(try AnalysisCall.best(set, periods: 0...5, .edf)) {
            XCTAssertEqual($0 as? AnalysisError, .zeroResourcePeriod)
        }
        XCTAssertThrowsError(try AnalysisCall.best(set, periods: 1...AnalysisLimits.maxCandidatePeriods + 1, .edf)) {
            XCTAssertEqual($0 as? AnalysisError, .tooManyCandidatePeriods)
        }
    }

    /// Against the obvious search: every period's minimal budget, compared as fractions.
    func testAgreesWithExhaustiveSearch() throws {
        var random = SplitMix64(seed: 2024)
        for _ in 0..<150 {
            let tasks = random.taskSet(maxTasks: 3, maxPeriod: 30)
            let low = random.next(in: 1...20)
            let range = low...(low + random.next(in: 0...15))
            let overhead = random.next(in: 0...2)
            for policy in [GuestPolicy.edf, .rm] {
                var expected: (period: UInt64, slice: UInt64)? = nil
                for period in range {
                    guard let budget = try AnalysisCall.minimalBudget(tasks, period: period, policy),
                          budget + overhead <= period else { continue }
                    // Cheaper, or equally cheap and longer (periods ascend).
                    if let e = expected, (budget + overhead) * e.period > e.slice * period { continue }
                    expected = (period, budget + overhead)
                }
                let best = try AnalysisCall.best(tasks, periods: range, overhead: overhead, policy)
                XCTAssertEqual(best?.period, expected?.period, "\(tasks) \(range) O=\(overhead) \(policy)")
                XCTAssertEqual(best?.slice, expected?.slice)
            }
        }
    }

    func testCostComparisonIsExact() throws {
        // 1/3 vs 333333333/1000000000: a float might round them together; integers do not.
        let third = try ComponentInterface(resource: gamma(3, 1), overhead: 0)
        let almost = try ComponentInterface(resource: gamma(1_000_000_000, 333_333_333), overhead: 0)
        XCTAssertTrue(almost.costsLess(than: third))
        XCTAssertFalse(third.costsLess(than: almost))
        XCTAssertFalse(third.costsLess(than: third))
        // Near 2^64 the cross products need 128 bits.
        let huge = try ComponentInterface(resource: gamma(.max, .max - 1), overhead: 0)
        let hugeToo = try ComponentInterface(resource: gamma(.max - 1, .max - 2), overhead: 0)
        XCTAssertTrue(hugeToo.costsLess(than: huge))  // 1 - 1/(max-1) < 1 - 1/max
    }
}
