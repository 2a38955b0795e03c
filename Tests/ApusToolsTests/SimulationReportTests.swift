// The two renderings of a result: the JSON round-trips, the table shows the
// numbers a reader looks for.
@testable import ApusTools
import Foundation
import HypervisorCore
import XCTest

final class SimulationReportTests: XCTestCase {
    func testJSONIsOneObjectThatDecodesToTheSameResult() throws {
        let result = try ScenarioExamples.run("sedf-rt-beside-hog.scn").result
        let json = SimulationReport.json(result)
        XCTAssertTrue(json.hasPrefix("{"))
        XCTAssertTrue(json.contains("\"scenario\" : \"sedf-rt-beside-hog.scn\""))
        XCTAssertTrue(json.contains("\"wakeRule\" : \"cbs\""))
        let decoded = try JSONDecoder().decode(SimulationResult.self, from: Data(json.utf8))
        XCTAssertEqual(decoded, result)
    }

    func testTableShowsTasksVCPUsAndMisses() throws {
        let result = try ScenarioExamples.run("credit-rt-beside-hog.scn").result
        let text = SimulationReport.text(result)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "scenario credit-rt-beside-hog.scn: credit, 1s simulated, \(result.switches) switches")
        let control = try XCTUnwrap(lines.first { $0.hasPrefix("rt    control") })
        XCTAssertEqual(control.split(separator: " ").map(String.init),
                       ["rt", "control", "10ms", "3ms", "100", "\(result.tasks[0].completed)", "\(result.totalMisses)",
                        TimeSpanText.milliseconds(TimeSpan(nanoseconds: result.tasks[0].worstResponseNs!))])
        XCTAssertEqual(lines.last, "deadline misses: \(result.totalMisses)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("hog ") && $0.contains("49.0%") })
    }
}
