// dbf and rbf: hand-worked values and the boundary rules (floor vs ceil).
import HypervisorCore
import InterfaceAnalysis
import TestSupport
import XCTest

final class AnalysisDemandTests: XCTestCase {
    private let set = taskList((10, 2), (20, 5))

    func testEDFDemandByHand() throws {
        // dbf(t) = floor(t/10)*2 + floor(t/20)*5; the job due exactly at t counts.
        let expected: [UInt64: UInt64] = [0: 0, 9: 0, 10: 2, 19: 2, 20: 9, 39: 11, 40: 18]
        for (t, demand) in expected {
            XCTAssertEqual(try AnalysisCall.edfDemand(set, at: t), demand, "dbf(\(t))")
        }
    }

    func testRMDemandByHand() throws {
        // rbf_1(t) = 5 + ceil(t/10)*2: the release at 0 counts, a release exactly at t does not.
        let expected: [UInt64: UInt64] = [0: 5, 1: 7, 10: 7, 11: 9, 20: 9]
        for (t, demand) in expected {
            XCTAssertEqual(try AnalysisCall.rmDemand(set, task: 1, at: t), demand, "rbf_1(\(t))")
        }
        // The highest-priority task sees only itself.
        XCTAssertEqual(try AnalysisCall.rmDemand(set, task: 0, at: 15), 2)
    }

    func testRMEqualPeriodsAreOrderedByIndex() throws {
        let equal = taskList((10, 3), (10, 4))
        XCTAssertEqual(try AnalysisCall.rmDemand(equal, task: 0, at: 10), 3)
        XCTAssertEqual(try AnalysisCall.rmDemand(equal, task: 1, at: 10), 7)
    }

    func testDemandOverflowIsAnError() {
        let huge = taskList((1, 1), (1, 1))
        XCTAssertThrowsError(try AnalysisCall.edfDemand(huge, at: .max)) {
            XCTAssertEqual($0 as? AnalysisError, .arithmeticOverflow)
        }
        let fast = taskList((1, 1), (.max, 2))
        XCTAssertThrowsError(try AnalysisCall.rmDemand(fast, task: 1, at: .max)) {
            XCTAssertEqual($0 as? AnalysisError, .arithmeticOverflow)
        }
    }

    func testDemandMatchesBruteForce() throws {
        var random = SplitMix64(seed: 0xD3AD)
        for _ in 0..<200 {
            let tasks = random.taskSet(maxTasks: 4, maxPeriod: 15)
            for t: UInt64 in 0...60 {
                XCTAssertEqual(try AnalysisCall.edfDemand(tasks, at: t),
                               AnalysisBruteForce.edfDemand(tasks, until: t))
                for i in tasks.indices {
                    XCTAssertEqual(try AnalysisCall.rmDemand(tasks, task: i, at: t),
                                   AnalysisBruteForce.rmDemand(tasks, task: i, until: t))
                }
            }
        }
    }

    func testTaskValidationNamesTheTask() {
        let cases: [([AnalysisTask], AnalysisError)] = [
            (taskList((10, 2), (0, 1)), .zeroTaskPeriod(task: 1)),
            (taskList((10, 0)), .zeroExecution(task: 0)),
            (taskList((10, 2), (20, 5), (5, 6)), .executionExceedsPeriod(task: 2)),
        ]
        for (tasks, error) in cases {
            XCTAssertThrowsError(try AnalysisCall.edfDemand(tasks, at: 1)) {
                XCTAssertEqual($0 as? AnalysisError, error)
            }
            XCTAssertThrowsError(try AnalysisCall.minimalBudget(tasks, period: 5, .rm)) {
                XCTAssertEqual($0 as? AnalysisError, error)
            }
        }
    }
}
