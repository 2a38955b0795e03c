import XCTest
@testable import GuestKit
import HypervisorCore
import TestSupport

/// Task-set admission, release timing and the EDF/RM guarantees as properties.
final class GuestTasksExecutiveTests: XCTestCase {
    func testAddRejectsInvalidTasksAndANinthTask() {
        var tasks = TaskExecutive(policy: .earliestDeadlineFirst)
        XCTAssertThrowsError(try tasks.add(periodicTask(0, 0))) { XCTAssertEqual($0 as? TaskSetError, .zeroPeriod) }
        XCTAssertThrowsError(try tasks.add(periodicTask(5, 0))) { XCTAssertEqual($0 as? TaskSetError, .zeroCost) }
        XCTAssertThrowsError(try tasks.add(periodicTask(5, 6))) { XCTAssertEqual($0 as? TaskSetError, .costExceedsPeriod) }
        for index in 0..<8 { XCTAssertEqual(try tasks.add(periodicTask(10, 1)), index) }
        XCTAssertThrowsError(try tasks.add(periodicTask(10, 1))) { XCTAssertEqual($0 as? TaskSetError, .full) }
        XCTAssertEqual(tasks.count, 8)
    }

    func testNothingRunsBeforeTheFirstRelease() {
        var tasks = TaskExecutive(policy: .rateMonotonic)
        _ = try! tasks.add(periodicTask(4, 1))
        tasks.start(at: instant(10))
        tasks.release(now: instant(9))
        XCTAssertNil(tasks.pick())
        XCTAssertEqual(tasks.nextRelease, instant(10))
        tasks.release(now: instant(10))
        XCTAssertEqual(tasks.pick()?.deadline, instant(14))
    }

    func testNextReleaseIsTheEarliestFutureRelease() {
        var tasks = makeExecutive(.earliestDeadlineFirst, [periodicTask(4, 1), periodicTask(6, 2)])
        XCTAssertEqual(tasks.nextRelease, instant(0))
        tasks.release(now: instant(0))
        XCTAssertEqual(tasks.nextRelease, instant(4))
        tasks.release(now: instant(4))
        XCTAssertEqual(tasks.nextRelease, instant(6))
        XCTAssertEqual(TaskExecutive(policy: .rateMonotonic).nextRelease, .never)
    }

    func testAccountingChargesPartialWork() {
        var tasks = makeExecutive(.earliestDeadlineFirst, [periodicTask(10, 3)])
        tasks.release(now: instant(0))
        XCTAssertFalse(tasks.account(0, executed: TimeSpan(nanoseconds: 1_500_000)))
        XCTAssertEqual(tasks.pick()?.remaining, TimeSpan(nanoseconds: 1_500_000))
        XCTAssertTrue(tasks.account(0, executed: units(2)), "overshoot clamps at zero")
    }

    // EDF is optimal for implicit deadlines: U <= 1 never misses. Checked over
    // the hyperperiod of random sets (seeded, so failures reproduce).
    func testEDFNeverMissesWithUtilizationAtMostOne() {
        var generator = SplitMix64(seed: 0x5EED_0004)
        var checked = 0
        while checked < 200 {
            let set = randomTaskSet(&generator)
            guard utilization(set, atMost: 1, over: 1) else { continue }
            var tasks = makeExecutive(.earliestDeadlineFirst, set)
            _ = simulateUnits(&tasks, units: hyperperiod(set))
            XCTAssertEqual(tasks.totalMisses, 0, "EDF missed on \(set)")
            checked += 1
        }
    }

    // RM meets every deadline below Liu & Layland's bound n(2^(1/n) - 1);
    // with n <= 4 tasks, U <= 0.75 is below it (n = 4: 0.7568).
    func testRMNeverMissesBelowTheLiuLaylandBound() {
        var generator = SplitMix64(seed: 0x5EED_0005)
        var checked = 0
        while checked < 200 {
            let set = randomTaskSet(&generator)
            guard utilization(set, atMost: 3, over: 4) else { continue }
            var tasks = makeExecutive(.rateMonotonic, set)
            _ = simulateUnits(&tasks, units: hyperperiod(set))
            XCTAssertEqual(tasks.totalMisses, 0, "RM missed on \(set)")
            checked += 1
        }
    }

    // Work is conserved: over a hyperperiod the CPU is busy exactly the work
    // released in it when U <= 1 (EDF), and each task completes H/p jobs.
    func testEDFCompletesEveryJobOfAHyperperiod() {
        var generator = SplitMix64(seed: 0x5EED_0006)
        var checked = 0
        while checked < 100 {
            let set = randomTaskSet(&generator)
            guard utilization(set, atMost: 1, over: 1) else { continue }
            var tasks = makeExecutive(.earliestDeadlineFirst, set)
            let length = hyperperiod(set)
            let timeline = simulateUnits(&tasks, units: length)
            var demand: UInt64 = 0
            for (index, task) in set.enumerated() {
                let jobs = length / (task.period.nanoseconds / timeUnit)
                demand += jobs * (task.cost.nanoseconds / timeUnit)
                XCTAssertEqual(tasks.statistics(index).completed, jobs)
            }
            XCTAssertEqual(UInt64(timeline.filter { $0 != "_" }.count), demand)
            checked += 1
        }
    }

    // MARK: - Helpers

    private func randomTaskSet(_ generator: inout SplitMix64) -> [PeriodicTask] {
        let periods: [UInt64] = [2, 3, 4, 5, 6, 8, 10, 12, 15, 20]
        let count = Int(generator.next() % 4) + 1
        return (0..<count).map { _ in
            let period = periods[Int(generator.next() % UInt64(periods.count))]
            return periodicTask(period, generator.next() % period + 1)
        }
    }

    private func hyperperiod(_ set: [PeriodicTask]) -> UInt64 {
        func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 { b == 0 ? a : gcd(b, a % b) }
        return set.reduce(1) { lcm, task in
            let period = task.period.nanoseconds / timeUnit
            return lcm / gcd(lcm, period) * period
        }
    }

    /// sum(e/p) <= numerator/denominator, exactly (cross-multiplied).
    private func utilization(_ set: [PeriodicTask], atMost numerator: UInt64, over denominator: UInt64) -> Bool {
        let common = hyperperiod(set)
        let busy = set.reduce(0) { $0 + ($1.cost.nanoseconds / timeUnit) * (common / ($1.period.nanoseconds / timeUnit)) }
        return busy * denominator <= numerator * common
    }
}
