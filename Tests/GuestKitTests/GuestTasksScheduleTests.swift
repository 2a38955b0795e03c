import XCTest
@testable import GuestKit
import HypervisorCore

/// Schedules worked out by hand (one letter per time timeUnit; see the test
/// support) and the counters the executive keeps for them.
final class GuestTasksScheduleTests: XCTestCase {
    // (4,1),(6,2),(12,3), U = 0.833. By hand:
    // 0 A0 (d4), 1-3 B0 (d6), 3 C0, 4 A1 (d8 before C0's d12), 5 C0,
    // 6-8 B1 (d12 ties C0's d12: lower index), 8 A2 (d12 ties: A first),
    // 9 C0 done at 10, idle until 12. RM gives the same picture here.
    func testEDFHandWorkedSchedule() {
        var tasks = makeExecutive(.earliestDeadlineFirst, [periodicTask(4, 1), periodicTask(6, 2), periodicTask(12, 3)])
        XCTAssertEqual(simulateUnits(&tasks, units: 12), "ABBCACBBAC__")
        XCTAssertEqual(tasks.totalMisses, 0)
        XCTAssertEqual(tasks.statistics(0).completed, 3)
        XCTAssertEqual(tasks.statistics(0).worstResponse, units(1))
        XCTAssertEqual(tasks.statistics(1).completed, 2)
        XCTAssertEqual(tasks.statistics(1).worstResponse, units(3))   // B0: 0 -> 3
        XCTAssertEqual(tasks.statistics(1).totalResponse, units(5))   // 3 + (8 - 6)
        XCTAssertEqual(tasks.statistics(2).completed, 1)
        XCTAssertEqual(tasks.statistics(2).worstResponse, units(10))
        // The final release at 12 started the second hyperperiod.
        XCTAssertEqual(tasks.statistics(0).released, 4)
        XCTAssertEqual(tasks.statistics(2).released, 2)
        XCTAssertEqual(tasks.statistics(2).pending, 1)
    }

    func testRMHandWorkedSchedule() {
        var tasks = makeExecutive(.rateMonotonic, [periodicTask(4, 1), periodicTask(6, 2), periodicTask(12, 3)])
        XCTAssertEqual(simulateUnits(&tasks, units: 12), "ABBCACBBAC__")
        XCTAssertEqual(tasks.totalMisses, 0)
    }

    // (5,2),(7,4), U = 0.971: EDF meets every deadline over the hyperperiod 35.
    // At 5, B0 (d7, 1 timeUnit left) beats A1 (d10); at 30, A6 and B4 both have
    // d35 and A wins the tie.
    func testEDFMeetsDeadlinesRMCannot() {
        var tasks = makeExecutive(.earliestDeadlineFirst, [periodicTask(5, 2), periodicTask(7, 4)])
        XCTAssertEqual(simulateUnits(&tasks, units: 35), "AABBBBAABBBBAABAABBBAABBBBAABBAABB_")
        XCTAssertEqual(tasks.totalMisses, 0)
        XCTAssertEqual(tasks.statistics(0).completed, 7)
        XCTAssertEqual(tasks.statistics(0).worstResponse, units(4))   // A2: 10 -> 14
        XCTAssertEqual(tasks.statistics(0).totalResponse, units(18))
        XCTAssertEqual(tasks.statistics(1).completed, 5)
        XCTAssertEqual(tasks.statistics(1).worstResponse, units(6))
        XCTAssertEqual(tasks.statistics(1).totalResponse, units(28))
    }

    // The same set under RM: A always preempts B. B0 has run 3 units when
    // A1 takes 5-7, so at 7 it is unfinished: one miss. Kept running, it ends
    // at 8 (response 8); B1 then ends exactly at its deadline 14: not a miss,
    // nor are B3 (done at 28 = d28) and the rest.
    func testRMMissesOnceAndKeepsTheLateJob() {
        var tasks = makeExecutive(.rateMonotonic, [periodicTask(5, 2), periodicTask(7, 4)])
        XCTAssertEqual(simulateUnits(&tasks, units: 35), "AABBBAABBBAABBBAABBBAABBBAABBBAABB_")
        XCTAssertEqual(tasks.statistics(0).misses, 0)
        XCTAssertEqual(tasks.statistics(0).worstResponse, units(2))
        XCTAssertEqual(tasks.statistics(1).misses, 1)
        XCTAssertEqual(tasks.statistics(1).dropped, 0)
        XCTAssertEqual(tasks.statistics(1).completed, 5)
        XCTAssertEqual(tasks.statistics(1).worstResponse, units(8))
        XCTAssertEqual(tasks.statistics(1).totalResponse, units(8 + 7 + 6 + 7 + 6))
    }

    // Under the drop policy B0 is abandoned at 7; B1 starts at once, ends at
    // 13, and the CPU idles at 13 until B2's release at 14. Responses of
    // B1..B4: 6, 6, 7 (21 -> 28), 6.
    func testRMDropPolicyAbandonsTheLateJob() {
        var tasks = makeExecutive(.rateMonotonic, [periodicTask(5, 2), periodicTask(7, 4)], late: .drop)
        XCTAssertEqual(simulateUnits(&tasks, units: 35), "AABBBAABBBAAB_BAABBBAABBBAABBBAABB_")
        XCTAssertEqual(tasks.statistics(1).misses, 1)
        XCTAssertEqual(tasks.statistics(1).dropped, 1)
        XCTAssertEqual(tasks.statistics(1).completed, 4)
        XCTAssertEqual(tasks.statistics(1).worstResponse, units(7))
        XCTAssertEqual(tasks.statistics(1).totalResponse, units(25))
    }

    // (10,4),(14,7), U = 0.9: the margin a real guest needs for its own
    // overhead (the RT guest's QEMU demonstration uses it in microseconds).
    // RM: A runs 0-4 and 10-14, so B gets only 4-10 = 6 of its 7 units by 14.
    // EDF: no miss over the hyperperiod 70.
    func testEDFVersusRMWithTenPercentSlack() {
        var rm = makeExecutive(.rateMonotonic, [periodicTask(10, 4), periodicTask(14, 7)])
        XCTAssertEqual(simulateUnits(&rm, units: 14), "AAAABBBBBBAAAA")
        XCTAssertEqual(rm.statistics(1).misses, 1)
        var edf = makeExecutive(.earliestDeadlineFirst, [periodicTask(10, 4), periodicTask(14, 7)])
        _ = simulateUnits(&edf, units: 70)
        XCTAssertEqual(edf.totalMisses, 0)
        XCTAssertEqual(edf.statistics(0).completed, 7)
        XCTAssertEqual(edf.statistics(1).completed, 5)
    }

    func testEqualDeadlinesAndPeriodsGoToTheLowerIndex() {
        var edf = makeExecutive(.earliestDeadlineFirst, [periodicTask(5, 1), periodicTask(5, 1), periodicTask(5, 2)])
        XCTAssertEqual(simulateUnits(&edf, units: 5), "ABCC_")
        var rm = makeExecutive(.rateMonotonic, [periodicTask(5, 1), periodicTask(5, 1), periodicTask(5, 2)])
        XCTAssertEqual(simulateUnits(&rm, units: 5), "ABCC_")
    }

    func testRMOrdersByPeriodNotByIndex() {
        var tasks = makeExecutive(.rateMonotonic, [periodicTask(10, 2), periodicTask(5, 1)])
        XCTAssertEqual(simulateUnits(&tasks, units: 10), "BAA__B____")
    }
}
