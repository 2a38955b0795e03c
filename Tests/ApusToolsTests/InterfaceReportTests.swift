// The reports of `apus interface`: exact numbers, text lines, one JSON object.
import ApusTools
import Foundation
import HypervisorCore
import XCTest

final class InterfaceReportTests: XCTestCase {
    private func outcome(_ policy: String?, period: String? = nil, range: String? = nil, tasks: String, overhead: String? = nil) throws -> InterfaceOutcome {
        try InterfaceOutcome.analyse(InterfaceRequest(policy: policy, period: period, periodRange: range, tasks: tasks, overhead: overhead))
    }

    func testExactFractions() {
        XCTAssertEqual(ExactFraction(14, 20).text, "7/10")
        XCTAssertEqual(ExactFraction(7, 10).decimal(), "0.7")
        XCTAssertEqual(ExactFraction(1, 3).decimal(), "0.333333")
        XCTAssertEqual(ExactFraction(2, 3).decimal(), "0.666667")
        XCTAssertEqual(ExactFraction(1, 1).decimal(), "1")
        XCTAssertEqual(ExactFraction(0, 5).decimal(), "0")
        XCTAssertEqual(ExactFraction(7, 10).percent(), "70.00%")
        XCTAssertEqual(ExactFraction(7, 6).percent(), "116.67%")
        XCTAssertEqual(ExactFraction(1, 20_000).percent(), "0.01%")  // 0.005 % rounds half up
        XCTAssertEqual(ExactFraction(1, 20_001).percent(), "0.00%")
        XCTAssertEqual(ExactFraction(1, 1).percent(), "100.00%")
        XCTAssertEqual(ExactFraction(.max - 1, .max).decimal(), "1")
        XCTAssertEqual(ExactFraction.utilization(of: [(10, 2), (20, 5)]), ExactFraction(9, 20))
        XCTAssertNil(ExactFraction.utilization(of: [((1 << 33) + 1, 1), ((1 << 33) + 3, 1)]))
    }

    func testTextReport() throws {
        let text = try outcome("edf", period: "10", tasks: "10:2,20:5").text()
        XCTAssertEqual(text, """
            policy       EDF
            tasks        10:2, 20:5  (period:execution)
            utilization  9/20 = 45.00%
            period       10
            budget       7
            bandwidth    7/10 = 70.00%

            """)
    }

    func testTextReportWithRangeAndOverhead() throws {
        let report = try outcome("rm", range: "1...20", tasks: "10:2,20:5", overhead: "1")
        XCTAssertNil(report.failure)
        let text = report.text()
        XCTAssertTrue(text.contains("period        8\n"), text)
        XCTAssertTrue(text.contains("budget        5\n"), text)
        XCTAssertTrue(text.contains("slice         6 (budget + overhead)\n"), text)
        XCTAssertTrue(text.contains("reserved      3/4 = 75.00%\n"), text)
    }

    func testJSONReport() throws {
        XCTAssertEqual(try outcome("edf", range: "1...20", tasks: "10:2,20:5").json(),
                       #"{"policy":"edf","tasks":[{"period":10,"execution":2},{"period":20,"execution":5}],"utilization":0.45,"periodRange":{"from":1,"to":20},"period":2,"budget":1,"overhead":0,"slice":1,"bandwidth":0.5,"reservedBandwidth":0.5,"schedulable":true}"# + "\n")
    }

    func testJSONIsValidAndNullWithoutInterface() throws {
        let report = try outcome("edf", period: "6", tasks: "2:1,3:2")
        XCTAssertEqual(report.failure, "no budget works, not even a whole CPU: the utilization (7/6) exceeds 1")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        XCTAssertTrue(object["budget"] is NSNull)
        XCTAssertTrue(object["bandwidth"] is NSNull)
        XCTAssertEqual(object["period"] as? Int, 6)
        XCTAssertEqual(object["schedulable"] as? Bool, false)
        XCTAssertEqual(object["utilization"] as? Double, 1.166667)
        XCTAssertNotNil(object["reason"] as? String)
    }

    func testFailureReasons() throws {
        XCTAssertEqual(try outcome("rm", period: "2", tasks: "4:2,6:3").failure,
                       "no budget works, not even a whole CPU: the tasks are not RM-schedulable")
        XCTAssertEqual(try outcome("edf", period: "10", tasks: "10:2,20:5", overhead: "4").failure,
                       "the minimal budget 7 plus overhead 4 exceeds the period 10")
        XCTAssertEqual(try outcome("edf", range: "1...20", tasks: "10:2,20:5", overhead: "100").failure,
                       "no period in 1...20 leaves room for budget plus overhead 100")
        XCTAssertEqual(try outcome("edf", range: "1...20", tasks: "2:1,3:2").failure,
                       "no budget works, not even a whole CPU: the utilization (7/6) exceeds 1")
    }

    func testAnalysisLimitsBecomeInputErrors() {
        XCTAssertThrowsError(try outcome("edf", period: "10", tasks: "1000003:1,1000033:1")) {
            XCTAssertTrue(($0 as? InputError)?.message.hasPrefix("the exact test would need more than 1000000 check points") ?? false)
        }
        XCTAssertThrowsError(try outcome("edf", period: "10", tasks: "8589934593:1,8589934595:1")) {
            XCTAssertEqual(($0 as? InputError)?.message, "hyperperiod (LCM of the task periods) does not fit in 64 bits")
        }
    }
}
