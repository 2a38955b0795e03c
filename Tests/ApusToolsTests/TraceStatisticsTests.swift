import ApusTools
import Foundation
import XCTest

// Statistics checked against numbers worked out by hand from the example traces (the
// schedules are explained in the files' comments).

final class TraceStatisticsTests: XCTestCase {
    private let ms: UInt64 = 1_000_000
    private let us: UInt64 = 1_000

    func testSEDFExampleByHand() throws {
        let stats = TraceStatistics(try TraceExamples.load("sedf-two-vcpus.trace"))
        XCTAssertEqual(stats.span, 20 * ms)
        // rt ran [0,2) [8,8.5) [10,12) [18,18.5); its longest wait is 2 -> 8 (or 12 -> 18).
        assertHolder(stats.vcpus[0], run: 5 * ms, share: 25, scheduled: 4, gap: 6 * ms)
        // linux ran [2,8) [12,18); longest wait 8 -> 12.
        assertHolder(stats.vcpus[1], run: 12 * ms, share: 60, scheduled: 2, gap: 4 * ms)
        // idle [8.5,10) [18.5,20); longest stretch without idling 0 -> 8.5.
        assertHolder(stats.idle, run: 3 * ms, share: 15, scheduled: 2, gap: 8_500 * us)

        XCTAssertEqual(stats.tasks.map(\.task.displayName), ["sensor", "ctrl", "batch"])
        assertTask(stats.tasks[0], jobs: 4, completed: 4, misses: 0, worst: 3_500 * us)  // job 1: 5 -> 8.5
        assertTask(stats.tasks[1], jobs: 2, completed: 2, misses: 0, worst: 2 * ms)
        assertTask(stats.tasks[2], jobs: 1, completed: 0, misses: 1, worst: nil)
    }

    func testCreditExampleByHand() throws {
        let stats = TraceStatistics(try TraceExamples.load("credit-30ms-misses.trace"))
        // The 0 -> 0 tick switches do not split rtos's first run: [0,30) and [60,70).
        assertHolder(stats.vcpus[0], run: 40 * ms, share: 400.0 / 7, scheduled: 2, gap: 30 * ms)
        assertHolder(stats.vcpus[1], run: 30 * ms, share: 300.0 / 7, scheduled: 1, gap: 30 * ms)
        assertHolder(stats.idle, run: 0, share: 0, scheduled: 0, gap: 70 * ms)
        // Job 3 was released at 30 ms and completed at 63 ms.
        assertTask(stats.tasks[0], jobs: 7, completed: 6, misses: 4, worst: 33 * ms)
    }

    func testRingDumpStartsAtItsFirstRecord() throws {
        let trace = try TraceExamples.load("ring-dump-microseconds.trace")
        let stats = TraceStatistics(trace)
        XCTAssertEqual(stats.start, 1_203_400_000)
        XCTAssertEqual(stats.span, 350 * us)
        // rtos: 12.5 + 8 + 11 + 9.5 us; the longest gap is 1203611000 -> 1203700000 (89 us)
        // or 1203508000 -> 1203600000 (92 us).
        assertHolder(stats.vcpus[0], run: 41 * us, share: 41.0 * 100 / 350, scheduled: 4, gap: 92 * us)
        assertHolder(stats.idle, run: 22 * us, share: 22.0 * 100 / 350, scheduled: 1, gap: 220 * us)
        XCTAssertEqual(stats.vcpus[0].runTime + stats.vcpus[1].runTime + stats.idle.runTime, stats.span)
        XCTAssertTrue(stats.tasks.isEmpty)
    }

    func testBeforeTheFirstSwitchTheCPUBelongsToItsFrom() throws {
        let trace = try TraceReader.parse("apus-trace 1\nvcpu 0 a\nvcpu 1 b\nirq 100 0 27\nswitch 150 1 0 preempt\nend 200\n")
        XCTAssertEqual(trace.intervals(of: .vcpu(1)), [TraceRunInterval(start: 100, end: 150)])
        XCTAssertEqual(trace.intervals(of: .vcpu(0)), [TraceRunInterval(start: 150, end: 200)])
    }

    func testTraceWithoutSwitchesIsIdle() throws {
        let stats = TraceStatistics(try TraceReader.parse("apus-trace 1\nvcpu 0 a\nirq 10 0 27\nend 40\n"))
        assertHolder(stats.idle, run: 30, share: 100, scheduled: 1, gap: 0)
        assertHolder(stats.vcpus[0], run: 0, share: 0, scheduled: 0, gap: 30)
    }

    func testZeroLengthRunsCountAsScheduled() throws {
        let trace = try TraceReader.parse("apus-trace 1\nvcpu 0 a\nvcpu 1 b\nswitch 0 - 0 wake\nswitch 10 0 1 yield\nswitch 10 1 0 preempt\nend 20\n")
        XCTAssertEqual(trace.intervals(of: .vcpu(1)), [TraceRunInterval(start: 10, end: 10)])
        let stats = TraceStatistics(trace)
        assertHolder(stats.vcpus[1], run: 0, share: 0, scheduled: 1, gap: 10)
        assertHolder(stats.vcpus[0], run: 20, share: 100, scheduled: 2, gap: 0)
    }

    func testEmptySpanHasNoShare() throws {
        let stats = TraceStatistics(try TraceReader.parse("apus-trace 1\nvcpu 0 a\nend 7\n"))
        XCTAssertEqual(stats.span, 0)
        assertHolder(stats.vcpus[0], run: 0, share: 0, scheduled: 0, gap: 0)
    }

    func testJSONCarriesTheSameNumbers() throws {
        let stats = TraceStatistics(try TraceExamples.load("sedf-two-vcpus.trace"))
        let json = TraceReport.json(stats, title: "sedf-two-vcpus.trace")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object["spanNs"] as? Int, 20_000_000)
        let vcpus = try XCTUnwrap(object["vcpus"] as? [[String: Any]])
        XCTAssertEqual(vcpus.map { $0["runNs"] as? Int }, [5_000_000, 12_000_000])
        XCTAssertEqual(vcpus.map { $0["sharePercent"] as? Double }, [25, 60])
        let tasks = try XCTUnwrap(object["tasks"] as? [[String: Any]])
        XCTAssertEqual(tasks.map { $0["misses"] as? Int }, [0, 0, 1])
        XCTAssertEqual(tasks[0]["worstResponseNs"] as? Int, 3_500_000)
        XCTAssertTrue(tasks[2]["worstResponseNs"] is NSNull, "a task with no completion reports null")
    }

    func testTextReportShowsEveryRow() throws {
        let stats = TraceStatistics(try TraceExamples.load("sedf-two-vcpus.trace"))
        let text = TraceReport.text(stats, title: "x")
        for expected in ["rt", "linux", "(idle)", "sensor", "batch", "25.0%", "3.500 ms"] {
            XCTAssertTrue(text.contains(expected), "missing \(expected) in\n\(text)")
        }
    }

    func testDurationFormat() {
        XCTAssertEqual(TraceDuration.human(0), "0 ns")
        XCTAssertEqual(TraceDuration.human(999), "999 ns")
        XCTAssertEqual(TraceDuration.human(1_000), "1.000 us")
        XCTAssertEqual(TraceDuration.human(3_500_000), "3.500 ms")
        XCTAssertEqual(TraceDuration.human(1_999_999), "1.999 ms")
        XCTAssertEqual(TraceDuration.human(61_000_000_000), "61.000 s")
        XCTAssertEqual(TraceDuration.human(UInt64.max), "18446744073.709 s")
    }

    private func assertHolder(_ stats: TraceHolderStatistics, run: UInt64, share: Double, scheduled: Int, gap: UInt64,
                              file: StaticString = #filePath, line: UInt = #line) {
        let name = stats.vcpu?.name ?? "idle"
        XCTAssertEqual(stats.runTime, run, "\(name) run", file: file, line: line)
        XCTAssertEqual(stats.sharePercent, share, accuracy: 1e-9, "\(name) share", file: file, line: line)
        XCTAssertEqual(stats.timesScheduled, scheduled, "\(name) scheduled", file: file, line: line)
        XCTAssertEqual(stats.longestGap, gap, "\(name) gap", file: file, line: line)
    }

    private func assertTask(_ stats: TraceTaskStatistics, jobs: Int, completed: Int, misses: Int, worst: UInt64?,
                            file: StaticString = #filePath, line: UInt = #line) {
        let name = stats.task.displayName
        XCTAssertEqual(stats.jobs, jobs, "\(name) jobs", file: file, line: line)
        XCTAssertEqual(stats.completed, completed, "\(name) completed", file: file, line: line)
        XCTAssertEqual(stats.misses, misses, "\(name) misses", file: file, line: line)
        XCTAssertEqual(stats.worstResponse, worst, "\(name) worst response", file: file, line: line)
    }
}
