// The simulator's trace output follows docs/TRACE.md record by record.
@testable import ApusTools
import HypervisorCore
import XCTest

final class SimulationTraceWriterTests: XCTestCase {
    func testSmallSEDFRunRecordByRecord() throws {
        // b (5,1) first by EDF, then a's job; a blocks when done.
        let trace = try XCTUnwrap(try simulate("""
            scheduler sedf
            duration 10ms
            vcpu a period=10ms slice=3ms
            task a job period=10ms wcet=2ms
            vcpu b period=5ms slice=1ms idle=busy
            """, trace: true).trace)
        XCTAssertEqual(trace, """
            apus-trace 1
            # apus simulate t.scn: sedf, 10000000 ns
            vcpu 0 a
            task 0 0 job 10000000 2000000
            vcpu 1 b
            release 0 0 0 0 10000000
            switch 0 - 1 preempt
            switch 1000000 1 0 budget
            complete 3000000 0 0 0
            switch 3000000 0 - block
            switch 5000000 - 1 release
            switch 6000000 1 - budget
            end 10000000

            """)
    }

    func testMissesAreRecordedAtTheDeadline() throws {
        let trace = try XCTUnwrap(try simulate("""
            scheduler sedf
            duration 20ms
            vcpu g period=10ms slice=1ms
            task g t period=10ms wcet=2ms
            """, trace: true).trace)
        let lines = trace.split(separator: "\n")
        XCTAssertTrue(lines.contains("miss 10000000 0 0 0"))
        XCTAssertTrue(lines.contains("complete 11000000 0 0 0"))
        XCTAssertTrue(lines.contains("miss 20000000 0 0 1"))
        XCTAssertEqual(lines.last, "end 20000000")
        // Timed records never go back in time.
        let times = lines.compactMap { line -> UInt64? in
            let f = line.split(separator: " ")
            return ["switch", "release", "complete", "miss", "end"].contains(String(f[0])) ? UInt64(f[1]) : nil
        }
        XCTAssertEqual(times, times.sorted())
    }

    func testNamesAreSingleWords() {
        var w = TraceWriter()
        w.declareVCPU(3, name: "two words")
        w.switchCPU(at: Instant(nanoseconds: 5), from: nil, to: 3, reason: .wake)
        w.end(at: Instant(nanoseconds: 9))
        XCTAssertEqual(w.text, "apus-trace 1\nvcpu 3 two_words\nswitch 5 - 3 wake\nend 9\n")
    }
}
