@testable import ApusTools
import XCTest

/// The guests' JOBS and DONE lines merged into a hypervisor trace, which has
/// no job records of its own.
final class TraceGuestJobsTests: XCTestCase {
    private let trace = """
        apus-trace 1
        vcpu 0 rt
        vcpu 1 gp
        switch 1000 - 0 release
        switch 4000 0 1 budget
        switch 30000 1 0 tick
        end 45000
        """

    func testJobsBecomeReleasesCompletionsAndMissesInTimeOrder() throws {
        let log = """
            [rt] RESULT task=0 period=10 cost=3 released=4 completed=3 misses=2\r
            [rt] JOBS task=0 first_release=0 period=10000 cost=3000 released=5 end=50000 lost=0\r
            [gp] PROGRESS 1 work=5\r
            [rt] DONE task=0 job=1 at=14000\r
            [rt] DONE task=0 job=2 at=33000\r
            [rt] DONE task=0 job=3 at=40000\r
            """
        let merged = try TraceGuestJobs.merge(trace: trace, log: log)
        let parsed = try TraceReader.parse(merged)
        // Job 0 was released at 0, before the trace starts (1000): left out.
        // Job 1: done at 14000, in time. Job 2: done at 33000 after its deadline 30000: a miss.
        // Job 3: done at 40000, in time. Job 4: released at 40000, deadline 50000 after the end.
        XCTAssertEqual(parsed.jobs.map(\.job), [1, 2, 3, 4])
        XCTAssertEqual(parsed.jobs.filter { $0.miss != nil }.map(\.job), [2])
        let stats = TraceStatistics(parsed)
        XCTAssertEqual(stats.tasks.first?.misses, 1)
        XCTAssertEqual(stats.tasks.first?.completed, 3)
        XCTAssertEqual(stats.tasks.first?.task.declared?.period, 10000)
        XCTAssertFalse(TraceReport.text(stats, title: "t").contains(TraceReport.noJobRecords))
    }

    func testNotDoneByTheDeadlineIsAMissEvenWithoutACompletion() throws {
        let log = "[rt] JOBS task=0 first_release=1000 period=10000 cost=3000 released=4 end=35000 lost=0\n"
        let parsed = try TraceReader.parse(try TraceGuestJobs.merge(trace: trace, log: log))
        // Releases at 1000, 11000, 21000, 31000; deadlines 11000, 21000 and 31000
        // passed while the guest ran (it stopped at 35000); 41000 was never judged.
        XCTAssertEqual(parsed.jobs.filter { $0.miss != nil }.map(\.job), [0, 1, 2])
    }

    func testALogWithoutJobsLeavesTheTraceAsItWas() throws {
        XCTAssertEqual(try TraceGuestJobs.merge(trace: trace, log: "[rt] RESULT task=0\n"), trace)
    }

    func testBadLinesAndUnknownVMsAreErrorsWithTheirLine() {
        XCTAssertThrowsError(try TraceGuestJobs.merge(trace: trace, log: "\n[rt] DONE task=0 job=x at=5\n")) { error in
            XCTAssertEqual((error as? TraceGuestJobs.LogError)?.line, 2)
        }
        XCTAssertThrowsError(try TraceGuestJobs.merge(trace: trace, log: "[db] JOBS task=0 first_release=0 period=1 cost=1 released=1 end=1\n")) { error in
            XCTAssertEqual((error as? TraceGuestJobs.LogError)?.reason, "VM 'db' is not a VCPU of the trace")
        }
        XCTAssertThrowsError(try TraceGuestJobs.merge(trace: trace, log: "[rt] DONE task=0 at=5\n"))
    }
}
