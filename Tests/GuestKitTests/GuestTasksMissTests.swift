import XCTest
@testable import GuestKit
import HypervisorCore

/// Deadline-miss accounting: the exact boundary, once per job, backlogs.
final class GuestTasksMissTests: XCTestCase {
    func testJobFinishingExactlyAtItsDeadlineIsOnTime() {
        var tasks = makeExecutive(.earliestDeadlineFirst, [periodicTask(4, 4)])
        XCTAssertEqual(simulateUnits(&tasks, units: 8), "AAAAAAAA")
        XCTAssertEqual(tasks.statistics(0).misses, 0)
        XCTAssertEqual(tasks.statistics(0).completed, 2)
        XCTAssertEqual(tasks.statistics(0).worstResponse, units(4))
    }

    // (4,2),(4,3): B0 has 1 timeUnit left at its deadline 4. The miss is counted
    // when release(now: 4) sees it, and not again when B0 completes at 5.
    func testUnfinishedJobAtItsDeadlineIsCountedOnceAtTheDeadline() {
        var tasks = makeExecutive(.earliestDeadlineFirst, [periodicTask(4, 2), periodicTask(4, 3)])
        for time: UInt64 in 0..<4 {
            tasks.release(now: instant(time))
            let job = tasks.pick()!
            if tasks.account(job.task, executed: units(1)) { tasks.complete(job.task, at: instant(time + 1)) }
        }
        XCTAssertEqual(tasks.statistics(1).misses, 0, "not late before its deadline")
        tasks.release(now: instant(4))
        XCTAssertEqual(tasks.statistics(1).misses, 1)
        let late = tasks.pick()!
        XCTAssertEqual(late.task, 1, "the late job's deadline 4 is earliest")
        XCTAssertEqual(late.deadline, instant(4))
        XCTAssertEqual(late.remaining, units(1))
        XCTAssertTrue(tasks.account(1, executed: units(1)))
        tasks.complete(1, at: instant(5))
        tasks.release(now: instant(5))
        XCTAssertEqual(tasks.statistics(1).misses, 1)
        XCTAssertEqual(tasks.statistics(1).worstResponse, units(5))
    }

    func testLateCompletionWithoutAnInterveningReleaseIsStillAMiss() {
        var tasks = makeExecutive(.earliestDeadlineFirst, [periodicTask(4, 2)])
        tasks.release(now: instant(0))
        XCTAssertFalse(tasks.account(0, executed: units(1)))
        XCTAssertTrue(tasks.account(0, executed: units(1)))
        tasks.complete(0, at: instant(5))   // the guest was away from 1 to 5
        XCTAssertEqual(tasks.statistics(0).misses, 1)
        tasks.release(now: instant(5))
        XCTAssertEqual(tasks.statistics(0).misses, 1)
    }

    // The guest is away from 0 to 7 with a (2,1) task: jobs released at 0, 2,
    // 4, 6 are all waiting and three deadlines (2, 4, 6) have passed.
    func testBacklogKeepsEveryLateJobAndCountsEachMissOnce() {
        var tasks = makeExecutive(.earliestDeadlineFirst, [periodicTask(2, 1)])
        tasks.release(now: instant(0))
        tasks.release(now: instant(7))
        XCTAssertEqual(tasks.statistics(0).released, 4)
        XCTAssertEqual(tasks.statistics(0).misses, 3)
        XCTAssertEqual(tasks.nextRelease, instant(8))
        // Working off the backlog: job k finishes at 8 + k.
        for time: UInt64 in 7..<11 {
            tasks.release(now: instant(time))
            let job = tasks.pick()!
            XCTAssertEqual(job.release, instant(2 * (time - 7)))
            XCTAssertTrue(tasks.account(job.task, executed: units(1)))
            tasks.complete(job.task, at: instant(time + 1))
        }
        // The backlog cascades: job 3 (due 8) is still waiting at 8 and job 4
        // (released 8, due 10) at 10, so five misses; job 5 (released 10) is
        // not late yet.
        tasks.release(now: instant(11))
        let statistics = tasks.statistics(0)
        XCTAssertEqual(statistics.completed, 4)
        XCTAssertEqual(statistics.misses, 5)
        XCTAssertEqual(statistics.released, 6)
        XCTAssertEqual(statistics.pending, 2)
        XCTAssertEqual(statistics.worstResponse, units(8))   // released 0, done 8
    }

    func testDropPolicyAbandonsEveryJobPastItsDeadline() {
        var tasks = makeExecutive(.earliestDeadlineFirst, [periodicTask(2, 1)], late: .drop)
        tasks.release(now: instant(0))
        tasks.release(now: instant(7))
        let statistics = tasks.statistics(0)
        XCTAssertEqual(statistics.released, 4)
        XCTAssertEqual(statistics.misses, 3)
        XCTAssertEqual(statistics.dropped, 3)
        XCTAssertEqual(statistics.pending, 1)
        XCTAssertEqual(tasks.pick()?.release, instant(6))
        XCTAssertEqual(tasks.pick()?.remaining, units(1))
    }

    func testDroppedPartlyDoneJobGivesItsSuccessorFullWork() {
        var tasks = makeExecutive(.earliestDeadlineFirst, [periodicTask(4, 3)], late: .drop)
        tasks.release(now: instant(0))
        XCTAssertFalse(tasks.account(0, executed: units(2)))
        tasks.release(now: instant(4))
        XCTAssertEqual(tasks.pick()?.remaining, units(3))
        XCTAssertEqual(tasks.pick()?.deadline, instant(8))
    }
}
