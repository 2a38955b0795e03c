import ApusTools
import HypervisorCore
import XCTest

// The hypervisor dumps its trace ring in the same format (HypervisorCore.TraceRing); after
// the ring wraps, the dump starts mid-run. The reader must take such a dump as it is and
// pick up the state from the first switch's FROM.

final class TraceRingDumpTests: XCTestCase {
    func testAWrappedRingDumpReadsBack() throws {
        var ring = TraceRing<4>()
        let records: [(UInt64, TraceEvent)] = [
            (0, .switched(from: nil, to: 0, reason: .wake)),
            (10, .interrupt(vcpu: 0, intid: 27)),
            (20, .switched(from: 0, to: 1, reason: .budget)),
            (30, .switched(from: 1, to: nil, reason: .block)),
            (40, .switched(from: nil, to: 0, reason: .release)),
            (45, .interrupt(vcpu: 1, intid: 37)),
        ]
        for (time, event) in records {
            ring.append(TraceRecord(time: Instant(nanoseconds: time), event: event))
        }
        var sink = CollectedText()
        ring.write(to: &sink, vcpus: 2, end: Instant(nanoseconds: 50)) { id, sink in
            sink.write(id == 0 ? "rt" : "gp")
        }

        let trace = try TraceReader.parse(sink.text)
        // The ring kept the last four records: the switches at 20, 30 and 40 and the irq at 45.
        XCTAssertEqual(trace.start, 20)
        XCTAssertEqual(trace.vcpus.map(\.name), ["rt", "gp"])
        XCTAssertEqual(trace.switches.map(\.time), [20, 30, 40])
        XCTAssertEqual(trace.irqs, [TraceIRQ(time: 45, vcpu: 1, intid: 37)])
        XCTAssertEqual(trace.intervals(of: .vcpu(1)), [TraceRunInterval(start: 20, end: 30)])
        XCTAssertEqual(trace.intervals(of: .idle), [TraceRunInterval(start: 30, end: 40)])
        XCTAssertEqual(trace.intervals(of: .vcpu(0)), [TraceRunInterval(start: 40, end: 50)])
        let stats = TraceStatistics(trace)
        XCTAssertEqual(stats.vcpus.map(\.runTime), [10, 10])
        XCTAssertEqual(stats.idle.runTime, 10)
    }
}

/// Collects the core's byte output as a String.
private struct CollectedText: TextSink {
    var bytes: [UInt8] = []
    var text: String { String(decoding: bytes, as: UTF8.self) }
    mutating func write(byte: UInt8) { bytes.append(byte) }
}
