import ApusTools
import Foundation
import XCTest

// The reader accepts the format of docs/TRACE.md and nothing else: each malformed or
// inconsistent record is reported with its line number.

final class TraceReaderTests: XCTestCase {
    private let ms: UInt64 = 1_000_000
    private let us: UInt64 = 1_000

    func testExamplesParse() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: TraceExamples.directory.path)
            .filter { $0.hasSuffix(".trace") }
        XCTAssertGreaterThanOrEqual(names.count, 3)
        for name in names { _ = try TraceExamples.load(name) }
    }

    func testModelOfTheSEDFExample() throws {
        let trace = try TraceExamples.load("sedf-two-vcpus.trace")
        XCTAssertEqual(trace.vcpus.map(\.name), ["rt", "linux"])
        XCTAssertEqual(trace.tasks.map(\.displayName), ["sensor", "ctrl", "batch"])
        XCTAssertEqual(trace.tasks[1].declared, TraceTaskDeclaration(name: "ctrl", period: 10 * ms, wcet: 1_500 * us))
        XCTAssertEqual(trace.switches.count, 8)
        XCTAssertEqual(trace.switches[1], TraceSwitch(time: 2 * ms, from: .vcpu(0), to: .vcpu(1), reason: .budget, line: 21))
        XCTAssertEqual(trace.jobs.count, 7)
        XCTAssertEqual(trace.irqs.count, 4)
        XCTAssertEqual(trace.start, 0)
        XCTAssertEqual(trace.end, 20 * ms)
        XCTAssertEqual(trace.intervals(of: .vcpu(1)),
                       [TraceRunInterval(start: 2 * ms, end: 8 * ms), TraceRunInterval(start: 12 * ms, end: 18 * ms)])
        let batch = try XCTUnwrap(trace.jobs.first { $0.task == TraceTaskKey(vcpu: 1, task: 0) })
        XCTAssertEqual(batch.miss, 20 * ms)
        XCTAssertNil(batch.completion)
    }

    func testCommentsBlankLinesAndCRLFAreAccepted() throws {
        let text = "# made by hand\r\n\r\napus-trace 1\r\n  \r\nvcpu 0 a\r\n# switch here\r\nswitch 5 - 0 wake\r\nend 9\r\n"
        let trace = try TraceReader.parse(text)
        XCTAssertEqual(trace.start, 5)
        XCTAssertEqual(trace.intervals(of: .vcpu(0)), [TraceRunInterval(start: 5, end: 9)])
    }

    func testUndeclaredTasksGetAnEntry() throws {
        let trace = try TraceReader.parse("apus-trace 1\nvcpu 3 a\nrelease 0 3 7 0 10\ncomplete 4 3 7 0\nend 10\n")
        XCTAssertEqual(trace.tasks, [TraceTask(key: TraceTaskKey(vcpu: 3, task: 7), declared: nil)])
        XCTAssertEqual(trace.tasks[0].displayName, "task7")
        XCTAssertEqual(trace.jobs[0].responseTime, 4)
    }

    func testStructuralErrorsNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("", 1, "empty trace"),
            ("# only a comment\n", 1, "empty trace"),
            ("vcpu 0 a\napus-trace 1\n", 1, "missing header"),
            ("apus-trace 2\n", 1, "unsupported trace version 2"),
            ("apus-trace\n", 1, "takes 1 field (version), found 0"),
            ("apus-trace 1\nvcpu 0 a\n", 2, "missing `end`"),
            ("apus-trace 1\nend 5\nvcpu 0 a\n", 3, "record after `end` (line 2)"),
            ("apus-trace 1\nend 5\nend 6\n", 3, "record after `end`"),
            ("apus-trace 1\napus-trace 1\n", 2, "second header"),
            ("apus-trace 1\nvcpu 0 a\nsched 5 - 0 wake\n", 3, "unknown record 'sched'"),
            ("apus-trace 1\nvcpu 0  a\n", 2, "single spaces"),
            ("apus-trace 1\nvcpu 0 a \n", 2, "single spaces"),
            ("apus-trace 1\nvcpu\t0 a\n", 2, "unknown record"),
            ("apus-trace 1\nvcpu 0\n", 2, "`vcpu` takes 2 fields (ID NAME), found 1"),
            ("apus-trace 1\nvcpu 0 a b\n", 2, "`vcpu` takes 2 fields"),
            ("apus-trace 1\nvcpu 0 a\nvcpu 0 b\n", 3, "vcpu 0 declared twice (first on line 2)"),
            ("apus-trace 1\nvcpu 4294967296 a\n", 2, "out of range"),
            ("apus-trace 1\nvcpu 0 a\u{7}b\n", 2, "control character"),
        ]
        for (text, line, reason) in cases {
            assertRejected(text, line: line, reason: reason)
        }
    }

    func testNumbersMustBePlainDecimals() {
        for bad in ["12a", "-5", "+5", "0x10", "1.5", "18446744073709551616"] {
            assertRejected("apus-trace 1\nvcpu 0 a\nend \(bad)\n", line: 3, reason: "non-negative decimal integer, found '\(bad)'")
        }
    }

    func testTimeMustNotGoBackwards() {
        let text = "apus-trace 1\nvcpu 0 a\nswitch 10 - 0 wake\nirq 10 0 27\nirq 9 0 27\nend 20\n"
        assertRejected(text, line: 5, reason: "time 9 goes backwards (line 4 was at 10)")
        assertRejected("apus-trace 1\nvcpu 0 a\nirq 10 0 27\nend 5\n", line: 4, reason: "goes backwards")
    }

    func testUndeclaredVCPUs() {
        let head = "apus-trace 1\nvcpu 0 a\n"
        assertRejected(head + "switch 1 - 1 wake\nend 2\n", line: 3, reason: "undeclared vcpu 1")
        assertRejected(head + "switch 1 2 - block\nend 2\n", line: 3, reason: "undeclared vcpu 2")
        assertRejected(head + "release 1 5 0 0 10\nend 2\n", line: 3, reason: "undeclared vcpu 5")
        assertRejected(head + "irq 1 9 27\nend 2\n", line: 3, reason: "undeclared vcpu 9")
        assertRejected(head + "task 1 0 t 10 2\nend 2\n", line: 3, reason: "undeclared vcpu 1")
    }

    func testSwitchesMustChainAndUseKnownReasons() {
        let head = "apus-trace 1\nvcpu 0 a\nvcpu 1 b\n"
        assertRejected(head + "switch 1 - 0 wake\nswitch 2 1 0 preempt\nend 3\n", line: 5,
                       reason: "switch from 1 but 0 holds the CPU (since line 4)")
        assertRejected(head + "switch 1 - 0 nap\nend 3\n", line: 4, reason: "unknown switch reason 'nap'")
        assertRejected(head + "switch 1 - x wake\nend 3\n", line: 4, reason: "to vcpu must be a non-negative decimal integer")
    }

    func testJobRecordsFollowAJobsLife() {
        let head = "apus-trace 1\nvcpu 0 a\n"
        assertRejected(head + "task 0 0 t 0 1\n", line: 3, reason: "period must be positive")
        assertRejected(head + "task 0 0 t 10 1\ntask 0 0 u 10 1\n", line: 4,
                       reason: "task 0 of vcpu 0 declared twice (first on line 3)")
        assertRejected(head + "release 10 0 0 0 5\n", line: 3, reason: "deadline 5 is before the release at 10")
        assertRejected(head + "release 0 0 0 0 5\nrelease 1 0 0 0 5\n", line: 4,
                       reason: "job 0 of task 0 of vcpu 0 released twice (first on line 3)")
        assertRejected(head + "complete 3 0 0 0\n", line: 3, reason: "job 0 of task 0 of vcpu 0 was never released")
        assertRejected(head + "miss 3 0 0 0\n", line: 3, reason: "was never released")
        assertRejected(head + "release 0 0 0 0 5\ncomplete 1 0 0 0\ncomplete 2 0 0 0\n", line: 5,
                       reason: "already completed at 1")
        assertRejected(head + "release 0 0 0 0 5\ncomplete 1 0 0 0\nmiss 5 0 0 0\n", line: 5,
                       reason: "which completed at 1")
        assertRejected(head + "release 0 0 0 0 5\nmiss 4 0 0 0\n", line: 4, reason: "miss at 4 is before the job's deadline 5")
        assertRejected(head + "release 0 0 0 0 5\nmiss 5 0 0 0\nmiss 6 0 0 0\n", line: 5, reason: "missed twice")
    }

    func testAMissedJobMayStillComplete() throws {
        let trace = try TraceReader.parse("apus-trace 1\nvcpu 0 a\nrelease 0 0 0 0 5\nmiss 5 0 0 0\ncomplete 7 0 0 0\nend 8\n")
        XCTAssertEqual(trace.jobs[0].miss, 5)
        XCTAssertEqual(trace.jobs[0].completion, 7)
    }

    func testUnreadableFiles() throws {
        XCTAssertThrowsError(try TraceReader.read(path: "/nonexistent/dir/x.trace")) { error in
            let fileError = error as? TraceFileError
            XCTAssertEqual(fileError?.path, "/nonexistent/dir/x.trace")
            XCTAssertTrue(fileError?.reason.hasPrefix("cannot read (No such file") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try TraceReader.read(path: TraceExamples.directory.path)) { error in
            XCTAssertTrue(error is TraceFileError, "\(error)")
        }
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent("apus-trace-\(UUID()).trace")
        try Data([0x61, 0x70, 0xFF, 0xFE, 0x0A]).write(to: binary)
        defer { try? FileManager.default.removeItem(at: binary) }
        XCTAssertThrowsError(try TraceReader.read(path: binary.path)) { error in
            XCTAssertEqual((error as? TraceFileError)?.reason, "not UTF-8 text")
        }
    }

    private func assertRejected(_ text: String, line: Int, reason: String,
                                file: StaticString = #filePath, at sourceLine: UInt = #line) {
        guard let error = traceParseError(text) else {
            return XCTFail("accepted: \(text.debugDescription)", file: file, line: sourceLine)
        }
        XCTAssertEqual(error.line, line, "\(error) for \(text.debugDescription)", file: file, line: sourceLine)
        XCTAssertTrue(error.reason.contains(reason), "'\(error.reason)' lacks '\(reason)'", file: file, line: sourceLine)
    }
}
