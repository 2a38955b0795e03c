// Task lists, numbers, ranges and the option combinations of `apus interface`.
import ApusTools
import HypervisorCore
import InterfaceAnalysis
import XCTest

final class InterfaceParsingTests: XCTestCase {
    func testTaskList() throws {
        XCTAssertEqual(try TaskListParsing.parseTasks("10:2,20:5"),
                       [AnalysisTask(period: 10, execution: 2), AnalysisTask(period: 20, execution: 5)])
        XCTAssertEqual(try TaskListParsing.parseTasks(" 10 : 2 , 20:5 "),
                       [AnalysisTask(period: 10, execution: 2), AnalysisTask(period: 20, execution: 5)])
        XCTAssertEqual(try TaskListParsing.parseTasks("18446744073709551615:18446744073709551615"),
                       [AnalysisTask(period: .max, execution: .max)])
        XCTAssertEqual(TaskListParsing.format([AnalysisTask(period: 10, execution: 2), AnalysisTask(period: 20, execution: 5)]),
                       "10:2,20:5")
    }

    func testBadTaskListsNameTheProblem() {
        let cases: [(String, String)] = [
            ("", "--tasks: empty task list (expected period:execution,...)"),
            ("10:2,20:x", "--tasks: task 2 '20:x': execution 'x' is not a whole number"),
            ("10:2,20", "--tasks: task 2 '20': expected period:execution"),
            ("10:2:3", "--tasks: task 1 '10:2:3': expected period:execution"),
            ("10:2,,20:5", "--tasks: task 2 '': expected period:execution"),
            ("10:12", "--tasks: task 1 '10:12': execution 12 exceeds period 10"),
            ("10:0", "--tasks: task 1 '10:0': execution must be greater than zero"),
            ("0:1", "--tasks: task 1 '0:1': period must be greater than zero"),
            ("-10:1", "--tasks: task 1 '-10:1': period '-10' is not a whole number"),
            ("1e3:1", "--tasks: task 1 '1e3:1': period '1e3' is not a whole number"),
            ("18446744073709551616:1", "--tasks: task 1 '18446744073709551616:1': period '18446744073709551616' is too large (at most 18446744073709551615)"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try TaskListParsing.parseTasks(text), text) {
                XCTAssertEqual(($0 as? InputError)?.message, message)
            }
        }
    }

    func testPeriodRange() throws {
        XCTAssertEqual(try TaskListParsing.parsePeriodRange("1...20"), 1...20)
        XCTAssertEqual(try TaskListParsing.parsePeriodRange("7...7"), 7...7)
        let cases: [(String, String)] = [
            ("20...1", "--period-range: start 20 is greater than end 1"),
            ("0...5", "--period-range: periods must be greater than zero"),
            ("1..5", "--period-range: expected A...B, found '1..5'"),
            ("1...2...3", "--period-range: expected A...B, found '1...2...3'"),
            ("a...5", "--period-range: start 'a' is not a whole number"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try TaskListParsing.parsePeriodRange(text), text) {
                XCTAssertEqual(($0 as? InputError)?.message, message)
            }
        }
    }

    func testRequestFromOptions() throws {
        let request = try InterfaceRequest(policy: "RM", period: nil, periodRange: "1...20", tasks: "10:2", overhead: "3")
        XCTAssertEqual(request, InterfaceRequest(policy: .rm, tasks: [AnalysisTask(period: 10, execution: 2)],
                                                 periods: .range(1...20), overhead: 3))
        // Defaults: EDF, no overhead.
        XCTAssertEqual(try InterfaceRequest(policy: nil, period: "10", periodRange: nil, tasks: "10:2", overhead: nil),
                       InterfaceRequest(policy: .edf, tasks: [AnalysisTask(period: 10, execution: 2)], periods: .fixed(10)))
    }

    func testBadOptionCombinations() {
        let cases: [((String?, String?, String?, String?, String?), String)] = [
            (("fifo", "10", nil, "10:1", nil), "--policy: unknown policy 'fifo' (expected edf or rm)"),
            (("edf", nil, nil, "10:1", nil), "missing --period P or --period-range A...B"),
            (("edf", "5", "1...5", "10:1", nil), "give either --period or --period-range, not both"),
            (("edf", "10", nil, nil, nil), "missing --tasks (period:execution,period:execution,...)"),
            (("edf", "0", nil, "10:1", nil), "--period must be greater than zero"),
            (("edf", "ten", nil, "10:1", nil), "--period 'ten' is not a whole number"),
            (("edf", "10", nil, "10:1", "-1"), "--overhead '-1' is not a whole number"),
            (("edf", nil, "1...100001", "10:1", nil), "--period-range: at most 100000 periods can be tried; use coarser units"),
        ]
        for ((policy, period, range, tasks, overhead), message) in cases {
            XCTAssertThrowsError(try InterfaceRequest(policy: policy, period: period, periodRange: range, tasks: tasks, overhead: overhead)) {
                XCTAssertEqual(($0 as? InputError)?.message, message)
            }
        }
        // 1...100001 is one period too many; 1...100000 is exactly the limit.
        XCTAssertNoThrow(try InterfaceRequest(policy: nil, period: nil, periodRange: "1...100000", tasks: "10:1", overhead: nil))
    }
}
