import HypervisorCore
import TestSupport
import XCTest

final class TraceRingTests: XCTestCase {
    private func record(_ t: UInt64, to: UInt32?) -> TraceRecord {
        TraceRecord(time: Instant(nanoseconds: t), event: .switched(from: nil, to: to, reason: .release))
    }

    func testKeepsTheLastLimitRecordsOldestFirst() {
        var ring = TraceRing<8>(limit: 3)
        for t in 1...5 { ring.append(record(UInt64(t), to: 0)) }
        var times: [UInt64] = []
        ring.forEach { times.append($0.time.nanoseconds) }
        XCTAssertEqual(times, [3, 4, 5])
        XCTAssertEqual(ring.total, 5)
        XCTAssertEqual(ring.count, 3)
    }

    func testWithAStartTimeKeepsTheFirstLimitRecordsFromIt() {
        var ring = TraceRing<8>(limit: 3, from: Instant(nanoseconds: 3))
        for t in 1...7 { ring.append(record(UInt64(t), to: 0)) }
        var times: [UInt64] = []
        ring.forEach { times.append($0.time.nanoseconds) }
        XCTAssertEqual(times, [3, 4, 5])
        XCTAssertEqual(ring.total, 5)
        XCTAssertEqual(ring.firstDropped, Instant(nanoseconds: 6))
        var sink = ByteBuffer()
        ring.write(to: &sink, vcpus: 1, end: Instant(nanoseconds: 100)) { _, out in out.write("a") }
        XCTAssertTrue(sink.text.contains("# ring kept the first 3 of 5 records from 3 ns\n"), sink.text)
        // The window is whole only up to the first record it dropped.
        XCTAssertTrue(sink.text.hasSuffix("end 6\n"), sink.text)
    }

    func testWithAStartTimeNotYetFullEndsAtTheRunsEnd() {
        var ring = TraceRing<8>(limit: 4, from: Instant(nanoseconds: 2))
        for t in 1...3 { ring.append(record(UInt64(t), to: 0)) }
        XCTAssertEqual(ring.count, 2)
        var sink = ByteBuffer()
        ring.write(to: &sink, vcpus: 1, end: Instant(nanoseconds: 50)) { _, out in out.write("a") }
        XCTAssertTrue(sink.text.hasSuffix("switch 2 - 0 release\nswitch 3 - 0 release\nend 50\n"), sink.text)
    }

    func testLimitIsClampedToTheCompiledCapacity() {
        XCTAssertEqual(TraceRing<4>(limit: 4096).limit, 4)
        XCTAssertEqual(TraceRing<4>(limit: -1).limit, 0)
        var empty = TraceRing<4>(limit: 0)
        empty.append(record(1, to: 0))
        XCTAssertEqual(empty.count, 0)
    }

    func testWritesTheApusTraceFormat() {
        var ring = TraceRing<8>()
        ring.append(TraceRecord(time: Instant(nanoseconds: 1_000), event: .switched(from: nil, to: 0, reason: .release)))
        ring.append(TraceRecord(time: Instant(nanoseconds: 2_500), event: .interrupt(vcpu: 0, intid: 27)))
        ring.append(TraceRecord(time: Instant(nanoseconds: 4_000), event: .switched(from: 0, to: 1, reason: .budget)))
        var sink = ByteBuffer()
        ring.write(to: &sink, vcpus: 2, end: Instant(nanoseconds: 9_000)) { vcpu, out in
            out.write(vcpu == 0 ? "rt" : "gp")
        }
        XCTAssertEqual(sink.text, """
            apus-trace 1
            vcpu 0 rt
            vcpu 1 gp
            switch 1000 - 0 release
            irq 2500 0 27
            switch 4000 0 1 budget
            end 9000

            """)
    }

    func testSaysWhenTheRingDroppedOlderRecords() {
        var ring = TraceRing<2>()
        for t in 1...3 { ring.append(record(UInt64(t), to: 0)) }
        var sink = ByteBuffer()
        ring.write(to: &sink, vcpus: 1, end: Instant(nanoseconds: 10)) { _, out in out.write("a") }
        XCTAssertTrue(sink.text.contains("# ring kept the last 2 of 3 records\n"), sink.text)
    }
}

final class CostMeterTests: XCTestCase {
    func testSummarisesRecordedCosts() {
        var meter = CostMeter()
        XCTAssertEqual(meter.mean, 0)
        for cost: UInt32 in [300, 100, 200] { meter.record(cost) }
        XCTAssertEqual(meter.count, 3)
        XCTAssertEqual(meter.minimum, 100)
        XCTAssertEqual(meter.maximum, 300)
        XCTAssertEqual(meter.mean, 200)
        var sink = ByteBuffer()
        meter.write(name: "decide", to: &sink)
        XCTAssertEqual(sink.text, "BENCH hypervisor decide n=3 min=100 mean=200 max=300\n")
    }
}
