// The scenario format: what parses to what, and one-line errors with file and
// line for every kind of bad input.
@testable import ApusTools
import Foundation
import HypervisorCore
import XCTest

final class SimulationScenarioParserTests: XCTestCase {
    func testFullSEDFScenario() throws {
        let s = try ScenarioParser.parse("""
            # comment line
            scheduler sedf wake=xen slack-quantum=250us   # trailing comment
            duration 2.5s

            vcpu rt period=5ms slice=2.666667ms extratime=yes guest=rm idle=block
            task rt control period=10ms wcet=3ms offset=1ms
            vcpu hog period=10ms slice=4ms idle=busy
            block hog every=20ms at=3ms for=6ms
            """, file: "x.scn")
        guard case .sedf(let rule, let quantum) = s.scheduler else { return XCTFail("not sedf") }
        XCTAssertEqual(rule, .xenShortBlockForfeit)
        XCTAssertEqual(quantum, .microseconds(250))
        XCTAssertEqual(s.duration, .milliseconds(2500))
        XCTAssertEqual(s.vcpus.map(\.name), ["rt", "hog"])
        XCTAssertEqual(s.vcpus[0].sedf, SEDFParameters(period: .milliseconds(5), slice: TimeSpan(nanoseconds: 2_666_667), extratime: true))
        XCTAssertEqual(s.vcpus[0].guest, .rm)
        XCTAssertEqual(s.vcpus[0].whenIdle, .block)
        XCTAssertEqual(s.vcpus[0].tasks.first?.offset, .milliseconds(1))
        XCTAssertEqual(s.vcpus[1].whenIdle, .busy)
        XCTAssertEqual(s.vcpus[1].sedf?.extratime, false)
        XCTAssertEqual(s.vcpus[1].blockPatterns.first?.length, .milliseconds(6))
    }

    func testCreditDefaults() throws {
        let s = try ScenarioParser.parse("scheduler credit\nvcpu a\nvcpu b weight=512 cap=50\n", file: "x.scn")
        guard case .credit(let c) = s.scheduler else { return XCTFail("not credit") }
        XCTAssertEqual(c, CreditConfiguration())
        XCTAssertEqual(s.duration, .milliseconds(1000), "default duration")
        XCTAssertEqual(s.vcpus[0].credit, CreditParameters(weight: 256, cap: 0))
        XCTAssertEqual(s.vcpus[1].credit, CreditParameters(weight: 512, cap: 50))
        XCTAssertEqual(s.vcpus[0].guest, .edf)
        XCTAssertEqual(s.vcpus[0].whenIdle, .block)
    }

    func testTimesAreExact() {
        func parse(_ text: String) -> UInt64? { try? TimeSpanText.parse(text).get().nanoseconds }
        XCTAssertEqual(parse("2.666667ms"), 2_666_667)
        XCTAssertEqual(parse("0.5us"), 500)
        XCTAssertEqual(parse("1.000000001s"), 1_000_000_001)
        XCTAssertEqual(parse("18446744073709551615ns"), UInt64.max)
        XCTAssertNil(parse("18446744073709551616ns"))
        XCTAssertNil(parse("0.5ns"))
        XCTAssertNil(parse("1.ms"))
        XCTAssertNil(parse(".5ms"))
        XCTAssertNil(parse("-1ms"))
        XCTAssertNil(parse("10"))
        XCTAssertNil(parse("1e3ms"))
        XCTAssertEqual(TimeSpanText.format(TimeSpan(nanoseconds: 2_666_667)), "2.666667ms")
        XCTAssertEqual(TimeSpanText.format(.milliseconds(10)), "10ms")
        XCTAssertEqual(TimeSpanText.format(.microseconds(1500)), "1500us")
    }

    func testErrorsNameFileLineAndProblem() {
        let cases: [(String, String)] = [
            ("scheduler rtds\n", "t.scn:1: unknown scheduler 'rtds' (expected sedf or credit)"),
            ("scheduler sedf wake=maybe\n", "t.scn:1: unknown wake rule 'maybe' (expected cbs or xen)"),
            ("scheduler sedf\nvcpu a period=10ms slice=11ms\n", "t.scn:2: VCPU 'a' (period 10ms, slice 11ms): slice must not exceed period"),
            ("scheduler sedf\nvcpu a period=0ms slice=0ms\n", "t.scn:2: VCPU 'a' (period 0, slice 0): period must be greater than zero"),
            ("scheduler sedf\nvcpu a period=10ms slice=6ms\nvcpu b period=10ms slice=5ms\n",
             "t.scn:3: VCPU 'b' (period 10ms, slice 5ms): admission refused: total utilization sum(slice/period) would exceed 1"),
            ("scheduler sedf\nvcpu a period=10ms\n", "t.scn:2: sedf VCPU 'a' needs slice="),
            ("scheduler sedf\nvcpu a period=10ms slice=6ms cpu=1\nvcpu b period=10ms slice=5ms cpu=1\n",
             "t.scn:3: VCPU 'b' on CPU 1 (period 10ms, slice 5ms): admission refused: total utilization sum(slice/period) would exceed 1"),
            ("scheduler credit\nvcpu a cpu=4\n", "t.scn:2: VCPU 'a': cpu=4 is not a CPU (0...3)"),
            ("scheduler credit\nvcpu a\ntask a t period=10ms wcet=12ms\n", "t.scn:3: task 't': wcet 12ms exceeds period 10ms"),
            ("scheduler credit\nvcpu a\ntask a t period=0s wcet=1ms\n", "t.scn:3: task 't': period must be greater than zero"),
            ("scheduler credit\nvcpu a\ntask a t period=10ms\n", "t.scn:3: task 't' needs wcet="),
            ("scheduler credit\nvcpu a weight=70000\n", "t.scn:2: weight 70000 is out of range 1...65535"),
            ("scheduler credit\nvcpu a cap=101\n", "t.scn:2: cap 101 is out of range 0...100 (percent of the CPU, 0 = none)"),
            ("scheduler credit\nvcpu a weight=heavy\n", "t.scn:2: weight 'heavy' is not a whole number"),
            ("scheduler credit\nvcpu a period=10ms\n", "t.scn:2: unknown key 'period' for a credit VCPU"),
            ("scheduler credit\nvcpu a weight=1 weight=2\n", "t.scn:2: 'weight' is given twice"),
            ("scheduler credit\nvcpu a oops\n", "t.scn:2: expected key=value, got 'oops'"),
            ("scheduler credit\nvcpu a\nvcpu a\n", "t.scn:3: VCPU 'a' is declared twice"),
            ("scheduler credit\nvcpu a/b\n", "t.scn:2: bad VCPU name 'a/b' (letters, digits, '_', '-', '.')"),
            ("scheduler credit\ntask x t period=1ms wcet=1ms\n", "t.scn:2: unknown VCPU 'x' (declare it with a 'vcpu' line first)"),
            ("scheduler credit\nvcpu a\nblock a every=10ms at=5ms for=6ms\n", "t.scn:3: 'block': at + for must not exceed every"),
            ("scheduler credit\nduration 10\n", "t.scn:2: duration '10' needs a unit (ns, us, ms or s)"),
            ("scheduler credit\nduration 0.1ns\n", "t.scn:2: duration '0.1ns' is not a whole number of nanoseconds"),
            ("scheduler credit\nduration 0s\n", "t.scn:2: duration must be greater than zero"),
            ("scheduler credit\nfrobnicate\n", "t.scn:2: unknown directive 'frobnicate' (expected scheduler, duration, vcpu, task or block)"),
            ("vcpu a\n", "t.scn:1: 'vcpu' before 'scheduler': say which scheduler first"),
            ("scheduler credit\nscheduler sedf\n", "t.scn:2: second 'scheduler' line"),
            ("# nothing\n", "t.scn: no 'scheduler' line"),
            ("scheduler credit\n", "t.scn: no 'vcpu' line"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(scenarioError(text), expected, text)
        }
    }

    func testTooManyVCPUsIsAnError() {
        var text = "scheduler credit\n"
        for i in 0...Scenario.maximumVCPUs { text += "vcpu v\(i)\n" }
        XCTAssertEqual(scenarioError(text), "t.scn:\(Scenario.maximumVCPUs + 2): more than 64 VCPUs")
    }

    func testUnreadableFilesAreReportedNotCrashed() throws {
        XCTAssertThrowsError(try ScenarioParser.load(path: "/nonexistent/x.scn")) {
            XCTAssertEqual(($0 as? ScenarioError)?.description, "/nonexistent/x.scn: cannot read scenario file: no such file or directory")
        }
        XCTAssertThrowsError(try ScenarioParser.load(path: NSTemporaryDirectory())) {
            XCTAssertTrue(($0 as? ScenarioError)?.description.hasSuffix("cannot read scenario file: is a directory") ?? false)
        }
        let binary = NSTemporaryDirectory() + "apus-sim-binary-\(getpid()).scn"
        FileManager.default.createFile(atPath: binary, contents: Data([0xFF, 0xFE, 0x00]))
        defer { try? FileManager.default.removeItem(atPath: binary) }
        XCTAssertThrowsError(try ScenarioParser.load(path: binary)) {
            XCTAssertEqual(($0 as? ScenarioError)?.description, "\(binary): cannot read scenario file: not UTF-8 text")
        }
    }

    func testEveryExampleScenarioParses() throws {
        let directory = URL(fileURLWithPath: ScenarioExamples.path(""))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".scn") }
        XCTAssertGreaterThanOrEqual(files.count, 4)
        for file in files { XCTAssertNoThrow(try ScenarioParser.load(path: ScenarioExamples.path(file)), file) }
    }
}
