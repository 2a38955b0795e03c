import ApusTools
import Foundation
import XCTest

// The simulator writes traces and keeps its own tallies; the trace reader recomputes them
// from the trace alone. For every example scenario both must agree, which checks the
// writer against the format and the reader's statistics against an independent count.

final class TraceSimulatorRoundTripTests: XCTestCase {
    func testExampleScenariosReadBackWithTheSimulatorsNumbers() throws {
        let directory = TraceExamples.directory.deletingLastPathComponent().appendingPathComponent("scenarios")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".scn") }.sorted()
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let scenario = try ScenarioParser.load(path: directory.appendingPathComponent(name).path)
            // A trace is one CPU's; a partitioned scenario refuses to write one (below).
            guard scenario.cpusUsed == 1 else {
                XCTAssertThrowsError(try Simulator.run(scenario, name: name, writeTrace: true), name)
                continue
            }
            let outcome = try Simulator.run(scenario, name: name, writeTrace: true)
            let text = try XCTUnwrap(outcome.trace, name)
            let trace: Trace
            do {
                trace = try TraceReader.parse(text)
            } catch {
                return XCTFail("\(name): the reader rejects the simulator's trace: \(error)")
            }
            let stats = TraceStatistics(trace)
            let result = outcome.result
            XCTAssertEqual(stats.span, result.durationNs, name)
            XCTAssertEqual(UInt64(trace.switches.filter { $0.from != $0.to }.count), result.switches, name)

            for vcpu in result.vcpus {
                let row = stats.vcpus.first { $0.vcpu?.name == vcpu.name }
                XCTAssertEqual(row?.runTime, vcpu.supplyNs, "\(name): vcpu \(vcpu.name) run time")
            }
            XCTAssertEqual(stats.tasks.count, result.tasks.count, name)
            for task in result.tasks {
                let row = stats.tasks.first { entry in
                    entry.task.displayName == task.task && trace.vcpu(entry.task.key.vcpu)?.name == task.vcpu
                }
                let label = "\(name): task \(task.vcpu).\(task.task)"
                XCTAssertEqual(row.map { UInt64($0.jobs) }, task.jobs, label)
                XCTAssertEqual(row.map { UInt64($0.completed) }, task.completed, label)
                XCTAssertEqual(row.map { UInt64($0.misses) }, task.misses, label)
                XCTAssertEqual(row?.worstResponse, task.worstResponseNs, label)
            }

            // And it draws: well-formed, a row per VCPU, misses marked (merged only when
            // less than a pixel apart).
            let svg = try SVGSummary(GanttChart.render(trace, window: GanttWindow(covering: trace),
                                                       options: GanttOptions(title: name)))
            XCTAssertEqual(svg.count(class: "row vcpu"), result.vcpus.count, name)
            let marked = svg.count(class: "miss")
            XCTAssertTrue(marked <= Int(result.totalMisses) && (marked == 0) == (result.totalMisses == 0),
                          "\(name): \(marked) miss marks for \(result.totalMisses) misses")
        }
    }
}
