// Hand-worked SEDF schedules: EDF order, hard reservation, slack, overrun
// carry, catch-up, yield, reasons.
import HypervisorCore
import XCTest

final class SEDFScheduleTests: XCTestCase {
    let a = VCPUID(1), b = VCPUID(2)

    /// A (10 ms, 3 ms) and B (5 ms, 1 ms), both always runnable, no extratime.
    func makeTwo(extratimeA: Bool = false) throws -> SEDFScheduler<4> {
        var s = SEDFScheduler<4>()
        try s.insert(a, parameters: SEDFParameters(period: ms(10), slice: ms(3), extratime: extratimeA), now: .zero)
        try s.insert(b, parameters: SEDFParameters(period: ms(5), slice: ms(1)), now: .zero)
        return s
    }

    func testEDFWithHardReservationLeavesTheRestIdle() throws {
        var s = try makeTwo()
        let run = try drive(&s, to: at(ms: 20))
        XCTAssertEqual(run, [
            RunInterval(vcpu: b, start: at(ms: 0), end: at(ms: 1)),
            RunInterval(vcpu: a, start: at(ms: 1), end: at(ms: 4)),
            RunInterval(vcpu: nil, start: at(ms: 4), end: at(ms: 5)),
            RunInterval(vcpu: b, start: at(ms: 5), end: at(ms: 6)),
            RunInterval(vcpu: nil, start: at(ms: 6), end: at(ms: 10)),
            RunInterval(vcpu: b, start: at(ms: 10), end: at(ms: 11)),
            RunInterval(vcpu: a, start: at(ms: 11), end: at(ms: 14)),
            RunInterval(vcpu: nil, start: at(ms: 14), end: at(ms: 15)),
            RunInterval(vcpu: b, start: at(ms: 15), end: at(ms: 16)),
            RunInterval(vcpu: nil, start: at(ms: 16), end: at(ms: 20)),
        ])
    }

    func testDecisionsCarryReasonsAndNextEvent() throws {
        var s = try makeTwo()
        XCTAssertEqual(s.decide(now: at(ms: 0)), SchedulingDecision(vcpu: b, until: at(ms: 1), reason: .preempt))
        XCTAssertEqual(s.decide(now: at(ms: 1)), SchedulingDecision(vcpu: a, until: at(ms: 4), reason: .budget))
        // Idle until B's next release, then B runs because its period began.
        XCTAssertEqual(s.decide(now: at(ms: 4)), SchedulingDecision(vcpu: nil, until: at(ms: 5), reason: .budget))
        XCTAssertEqual(s.decide(now: at(ms: 5)), SchedulingDecision(vcpu: b, until: at(ms: 6), reason: .release))
        XCTAssertEqual(s.status(of: a)?.state, .waiting)
        XCTAssertEqual(s.status(of: b)?.state, .running)
        XCTAssertEqual(s.status(of: a)?.deadline, at(ms: 20))
    }

    func testSlackGoesOnlyToExtratimeInQuantaAndNeverPastARelease() throws {
        var s = try makeTwo(extratimeA: true)
        var reserved = TimeSpan.zero
        var slackGrants = 0
        let run = try drive(&s, to: at(ms: 10)) { decision, from, to, sched in
            if decision.vcpu == self.a, sched.status(of: self.a)?.state == .running { reserved += to.since(from) }
            if sched.status(of: self.a)?.state == .runningOnSlack {
                slackGrants += 1
                XCTAssertEqual(decision.vcpu, self.a)
                XCTAssertLessThanOrEqual(to.since(from), us(500))
            }
        }
        // No idle time is left, B still gets exactly its reservation, and the
        // slack that fills [4,5) stops at B's release at 5.
        XCTAssertFalse(run.contains { $0.vcpu == nil })
        XCTAssertEqual(supply(of: b, in: run, from: .zero, to: at(ms: 10)), ms(2))
        XCTAssertEqual(reserved, ms(3))
        XCTAssertEqual(supply(of: a, in: run, from: .zero, to: at(ms: 10)), ms(8))
        XCTAssertEqual(slackGrants, 2 + 8) // [4,5) and [6,10) in 500 us quanta
        XCTAssertTrue(run.contains(RunInterval(vcpu: b, start: at(ms: 5), end: at(ms: 6))))
    }

    func testSlackIsSharedRoundRobinAmongExtratimeVCPUs() throws {
        var s = SEDFScheduler<4>()
        try s.insert(a, parameters: SEDFParameters(period: ms(10), slice: ms(1), extratime: true), now: .zero)
        try s.insert(b, parameters: SEDFParameters(period: ms(10), slice: ms(1), extratime: true), now: .zero)
        let run = try drive(&s, to: at(ms: 10))
        // 8 ms of slack in 16 quanta, alternating: 4 ms each, plus 1 ms reserved each.
        XCTAssertEqual(supply(of: a, in: run, from: .zero, to: at(ms: 10)), ms(5))
        XCTAssertEqual(supply(of: b, in: run, from: .zero, to: at(ms: 10)), ms(5))
    }

    func testOverrunIsCarriedIntoTheNextPeriod() throws {
        var s = SEDFScheduler<4>()
        try s.insert(a, parameters: SEDFParameters(period: ms(10), slice: ms(3)), now: .zero)
        XCTAssertEqual(s.decide(now: .zero).until, at(ms: 3))
        // The timer fired 1 ms late: A used 4 ms of a 3 ms slice.
        let late = s.decide(now: at(ms: 4))
        XCTAssertNil(late.vcpu)
        XCTAssertEqual(late.reason, .budget)
        XCTAssertEqual(late.until, at(ms: 10))
        let next = s.decide(now: at(ms: 10))
        XCTAssertEqual(next.vcpu, a)
        XCTAssertEqual(next.until, at(ms: 12), "the 1 ms overrun is paid from the next period")
        XCTAssertEqual(s.status(of: a)?.remaining, ms(2))
    }

    func testOverrunOfSeveralSlicesSkipsSeveralPeriods() throws {
        var s = SEDFScheduler<4>()
        try s.insert(a, parameters: SEDFParameters(period: ms(10), slice: ms(2)), now: .zero)
        _ = s.decide(now: .zero)
        let late = s.decide(now: at(ms: 7)) // used 7 ms = 3 slices + 1 ms
        XCTAssertNil(late.vcpu)
        XCTAssertEqual(late.until, at(ms: 30))
        XCTAssertEqual(s.decide(now: at(ms: 30)), SchedulingDecision(vcpu: a, until: at(ms: 31), reason: .release))
    }

    func testMissedDeadlineIsCaughtUpToTheCurrentPeriod() throws {
        var s = SEDFScheduler<4>()
        try s.insert(a, parameters: SEDFParameters(period: ms(10), slice: ms(3)), now: .zero)
        try s.block(a, now: .zero)
        XCTAssertNil(s.decide(now: .zero).vcpu)
        // Woken at 1 ms with a full slice and 9 ms left: 3*10 > 9*3, so the CBS
        // rule starts a new period there. Then nobody calls decide until the
        // deadline has long passed.
        try s.wake(a, now: at(ms: 1))
        XCTAssertEqual(s.status(of: a)?.deadline, at(ms: 11))
        let d = s.decide(now: at(ms: 25))
        XCTAssertEqual(d.vcpu, a)
        XCTAssertEqual(s.status(of: a)?.deadline, at(ms: 31), "next period boundary after now")
        XCTAssertEqual(d.until, at(ms: 28), "with a fresh slice")
    }

    func testARunningVCPUsDeadlineIsADecisionPoint() throws {
        // The first decision comes late (booting the VMs took 8 ms): A keeps
        // deadline 10 with a whole 5 ms slice, B is caught up to deadline 12.
        // A runs first (EDF), but when its deadline passes at 10 it is in a
        // new period (deadline 20), so B (12) must preempt it there: running
        // on to A's budget end at 13 would make B miss at utilization 0.75.
        var s = SEDFScheduler<4>()
        try s.insert(a, parameters: SEDFParameters(period: ms(10), slice: ms(5)), now: .zero)
        try s.insert(b, parameters: SEDFParameters(period: ms(4), slice: ms(1)), now: .zero)
        let first = s.decide(now: at(ms: 8))
        XCTAssertEqual(first.vcpu, a)
        XCTAssertEqual(first.until, at(ms: 10), "A's deadline, before its budget end at 13")
        let atDeadline = s.decide(now: at(ms: 10))
        XCTAssertEqual(atDeadline.vcpu, b)
        XCTAssertEqual(atDeadline.until, at(ms: 11))
        XCTAssertEqual(s.status(of: a)?.deadline, at(ms: 20))
    }

    func testYieldGivesUpTheRestOfThePeriod() throws {
        var s = try makeTwo()
        XCTAssertEqual(s.decide(now: .zero).vcpu, b)
        try s.yield(b, now: at(us: 200))
        let d = s.decide(now: at(us: 200))
        XCTAssertEqual(d, SchedulingDecision(vcpu: a, until: at(us: 3200), reason: .yield))
        XCTAssertEqual(s.status(of: b)?.deadline, at(ms: 10))
        XCTAssertEqual(s.status(of: b)?.state, .waiting)
    }

    func testBlockedVCPUGetsNothingAndBlockIsTheReason() throws {
        var s = try makeTwo()
        XCTAssertEqual(s.decide(now: .zero).vcpu, b)
        try s.block(b, now: at(us: 500))
        XCTAssertEqual(s.decide(now: at(us: 500)), SchedulingDecision(vcpu: a, until: at(us: 3500), reason: .block))
        XCTAssertEqual(s.status(of: b)?.state, .blocked)
        XCTAssertEqual(s.status(of: b)?.remaining, us(500), "charged for the 500 us it ran")
        // B wakes at 2 ms with 0.5 ms left and 3 ms to its deadline: it keeps
        // (q, d) (0.5*5 <= 3*1) and, deadline 5 < 10, preempts A.
        try s.wake(b, now: at(ms: 2))
        XCTAssertEqual(s.decide(now: at(ms: 2)), SchedulingDecision(vcpu: b, until: at(us: 2500), reason: .wake))
    }

    func testEqualDeadlinesAreBrokenByVCPUId() throws {
        var s = SEDFScheduler<4>()
        try s.insert(b, parameters: SEDFParameters(period: ms(10), slice: ms(2)), now: .zero)
        try s.insert(a, parameters: SEDFParameters(period: ms(10), slice: ms(2)), now: .zero)
        let run = try drive(&s, to: at(ms: 10))
        XCTAssertEqual(Array(run.prefix(2)), [
            RunInterval(vcpu: a, start: at(ms: 0), end: at(ms: 2)),
            RunInterval(vcpu: b, start: at(ms: 2), end: at(ms: 4)),
        ])
    }

    func testRemoveAndSetParameters() throws {
        var s = try makeTwo()
        _ = s.decide(now: .zero)
        try s.remove(b, now: at(us: 300))
        XCTAssertEqual(s.vcpuCount, 1)
        XCTAssertNil(s.status(of: b))
        XCTAssertEqual(s.decide(now: at(us: 300)).vcpu, a)
        try s.setParameters(SEDFParameters(period: ms(4), slice: ms(1)), for: a, now: at(ms: 1))
        XCTAssertEqual(s.parameters(of: a), SEDFParameters(period: ms(4), slice: ms(1)))
        XCTAssertEqual(s.status(of: a)?.deadline, at(ms: 5), "a new period starts at the change")
        XCTAssertThrowsError(try s.remove(b, now: at(ms: 1))) { XCTAssertEqual($0 as? SchedulerError, .unknownVCPU) }
    }
}
