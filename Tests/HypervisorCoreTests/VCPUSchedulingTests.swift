import XCTest
@testable import HypervisorCore

/// The scheduling loop the hypervisor's shell drives: decisions, timer
/// arming, wake-ups at a blocked VCPU's timer, stall and starvation.
final class VCPUSchedulingTests: XCTestCase {
    typealias Loop = VCPUScheduling<ConfiguredScheduler<8>, 8>
    let a = VCPUID(0), b = VCPUID(1)

    func sedfLoop(_ parameters: [SEDFParameters], now: Instant = .zero) throws -> Loop {
        var loop = Loop(scheduler: ConfiguredScheduler(policy: .sedf))
        for (i, p) in parameters.enumerated() {
            let policy = PolicyParameters.sedf(p)
            try loop.admit(VCPUID(UInt32(i)), parameters: policy,
                           progressWindow: loop.scheduler.progressWindow(for: policy, vcpus: parameters.count, creditWeight: 0), now: now)
        }
        return loop
    }

    func testDecisionsFollowSEDFAndArmTheTimerAtTheBudgetEnd() throws {
        var loop = try sedfLoop([SEDFParameters(period: ms(10), slice: ms(4)), SEDFParameters(period: ms(10), slice: ms(5))])
        XCTAssertTrue(loop.decisionNeeded, "admission asks for a first decision")
        let first = loop.decide(now: .zero)
        XCTAssertEqual(first.vcpu, a, "earliest deadline, lowest id on a tie")
        XCTAssertNil(first.previous)
        XCTAssertTrue(first.switches)
        XCTAssertEqual(first.timer, at(ms: 4), "armed at the end of a's slice")
        XCTAssertFalse(loop.decisionNeeded)

        loop.timerFired()
        XCTAssertTrue(loop.decisionNeeded)
        let second = loop.decide(now: at(ms: 4))
        XCTAssertEqual(second.vcpu, b)
        XCTAssertEqual(second.previous, a)
        XCTAssertEqual(second.timer, at(ms: 9))

        loop.timerFired()
        let third = loop.decide(now: at(ms: 9))
        XCTAssertNil(third.vcpu, "both slices used, no extratime: idle")
        XCTAssertEqual(third.timer, at(ms: 10), "until the next release")
        XCTAssertEqual(loop.decisions, 3)
    }

    func testNoEventNoDecision() throws {
        var loop = try sedfLoop([SEDFParameters(period: ms(10), slice: ms(4))])
        _ = loop.decide(now: .zero)
        XCTAssertFalse(loop.decisionNeeded, "a trap with no event skips the scheduler")
        loop.yield(a, now: at(ms: 1))
        XCTAssertTrue(loop.decisionNeeded)
    }

    func testBlockedVCPUWakesAtItsTimerAndTheTimerIsArmedForIt() throws {
        var loop = try sedfLoop([SEDFParameters(period: ms(10), slice: ms(4)), SEDFParameters(period: ms(10), slice: ms(4))])
        _ = loop.decide(now: .zero)                         // a runs
        loop.block(a, wakeAt: at(ms: 2), now: at(ms: 1))    // a waits for its virtual timer at 2 ms
        XCTAssertTrue(loop.isBlocked(a))
        let whileBlocked = loop.decide(now: at(ms: 1))
        XCTAssertEqual(whileBlocked.vcpu, b)
        XCTAssertEqual(whileBlocked.timer, at(ms: 2), "the blocked VCPU's timer is earlier than b's budget end (5 ms)")

        loop.timerFired()
        let atTimer = loop.decide(now: at(ms: 2))
        XCTAssertFalse(loop.isBlocked(a), "woken by its timer without an interrupt")
        XCTAssertEqual(atTimer.vcpu, a, "same deadline as b, lower id")
        XCTAssertEqual(atTimer.previous, b)
    }

    func testWakeOfARunnableOrRemovedVCPUDoesNothing() throws {
        var loop = try sedfLoop([SEDFParameters(period: ms(10), slice: ms(4))])
        _ = loop.decide(now: .zero)
        loop.wake(a, now: at(ms: 1))
        XCTAssertFalse(loop.decisionNeeded, "already runnable")
        loop.remove(a, now: at(ms: 1))
        _ = loop.decide(now: at(ms: 1))
        loop.wake(a, now: at(ms: 2))
        XCTAssertFalse(loop.decisionNeeded, "removed: never runs again")
        XCTAssertNil(loop.decide(now: at(ms: 2)).vcpu)
    }

    func testStallOnlyWhenNothingCanWake() throws {
        var loop = try sedfLoop([SEDFParameters(period: ms(10), slice: ms(4)), SEDFParameters(period: ms(10), slice: ms(4))])
        _ = loop.decide(now: .zero)
        loop.block(a, wakeAt: .never, now: at(ms: 1))
        XCTAssertFalse(loop.isStalled { _ in false }, "b is still runnable")
        loop.block(b, wakeAt: at(ms: 3), now: at(ms: 1))
        let idle = loop.decide(now: at(ms: 1))
        XCTAssertNil(idle.vcpu)
        XCTAssertEqual(idle.timer, at(ms: 3))
        XCTAssertFalse(loop.isStalled { _ in false }, "b's timer will wake it")
        loop.timerFired()
        XCTAssertEqual(loop.decide(now: at(ms: 3)).vcpu, b)
        loop.block(b, wakeAt: .never, now: at(ms: 4))
        XCTAssertTrue(loop.isStalled { _ in false }, "both wait for interrupts nobody can raise")
        XCTAssertFalse(loop.isStalled { $0 == self.b }, "a device interrupt b enabled could wake it")
        loop.remove(a, now: at(ms: 4))
        loop.remove(b, now: at(ms: 4))
        XCTAssertTrue(loop.isStalled { _ in true }, "nobody left")
    }

    /// A 1 us slice every 1 us: every decision is already late, the guests
    /// retire nothing (the instruction count never moves), and after two
    /// periods of that the loop names the starved VCPU.
    func testStarvationIsReportedAfterTwoPeriodsWithoutProgress() throws {
        var loop = try sedfLoop([SEDFParameters(period: us(1), slice: us(1))])
        var now = Instant.zero
        var reported: VCPUID? = nil
        for _ in 0..<10 where reported == nil {
            let dispatch = loop.decide(now: now, retired: 1000)
            reported = dispatch.starved
            if reported == nil { now += TimeSpan(nanoseconds: 700) }  // a decision and a switch, nothing else
        }
        XCTAssertEqual(reported, a)
        XCTAssertGreaterThanOrEqual(now.nanoseconds, 2000, "not before two periods")
        XCTAssertLessThan(now.nanoseconds, 2700, "at the first decision after them")
    }

    /// A restarting VM's VCPU runs its load (no guest instruction) for 80 ms
    /// of its own time: reported progress keeps its watch from naming it;
    /// without the reports it is starved.
    func testProgressOtherThanInstructionsIsNotStarvation() throws {
        func loading(reportsProgress: Bool) throws -> VCPUID? {
            var loop = try sedfLoop([SEDFParameters(period: ms(10), slice: ms(5))])
            _ = loop.decide(now: .zero, retired: 0)
            var starved: VCPUID? = nil
            for step in 1...80 where starved == nil {
                if reportsProgress { loop.progressed(a, now: at(ms: UInt64(step))) }
                loop.timerFired()
                starved = loop.decide(now: at(ms: UInt64(step)), retired: 0).starved
            }
            return starved
        }
        XCTAssertEqual(try loading(reportsProgress: false), a)
        XCTAssertNil(try loading(reportsProgress: true))
    }

    /// The longest runnable wait: from a wake-up, from a timer's due time
    /// (even when the decision comes late) and from a preemption, to the
    /// decision that chooses the VCPU; kept across remove and admit; nothing
    /// before the first decision (booting the VMs) counts.
    func testLongestRunnableWaitIsMeasuredFromWhenTheVCPUCouldRun() throws {
        var loop = try sedfLoop([SEDFParameters(period: ms(10), slice: ms(2)), SEDFParameters(period: ms(10), slice: ms(2))])
        // Admitted at 0, first decided at 0 ms (waits before the first decision do not count).
        XCTAssertEqual(loop.decide(now: .zero).vcpu, a)
        XCTAssertEqual(loop.decide(now: at(ms: 2)).vcpu, b, "a's slice is over: a waits from 2 ms")
        loop.block(b, wakeAt: .never, now: at(ms: 3))
        XCTAssertNil(loop.decide(now: at(ms: 3)).vcpu)
        XCTAssertEqual(loop.decide(now: at(ms: 10)).vcpu, a, "a's new period")
        XCTAssertEqual(loop.longestWait(a), ms(8))
        XCTAssertEqual(loop.longestWait(b), ms(2), "b waited from its admission through a's slice")
        // b's timer is due at 11 ms; the decision comes only at 14 ms.
        loop.block(a, wakeAt: .never, now: at(ms: 10))
        loop.wake(b, now: at(ms: 10))
        loop.block(b, wakeAt: at(ms: 11), now: at(ms: 10))
        XCTAssertNil(loop.decide(now: at(ms: 10)).vcpu)
        XCTAssertEqual(loop.decide(now: at(ms: 14)).vcpu, b)
        XCTAssertEqual(loop.longestWait(b), ms(3))
        loop.remove(b, now: at(ms: 15))
        try loop.admit(b, parameters: .sedf(SEDFParameters(period: ms(10), slice: ms(2))), progressWindow: .zero, now: at(ms: 15))
        XCTAssertEqual(loop.longestWait(b), ms(3), "kept across a restart")

        var booted = try sedfLoop([SEDFParameters(period: ms(10), slice: ms(2))])
        _ = booted.decide(now: at(ms: 80))
        XCTAssertEqual(booted.longestWait(a), .zero, "admitted at 0, the first decision at 80 ms")
    }

    /// The end-of-run report asks with `upTo`: a VCPU still waiting then (the
    /// one a starvation report names) shows that wait, not only finished ones.
    func testLongestWaitUpToNowIncludesTheWaitGoingOn() throws {
        var loop = try sedfLoop([SEDFParameters(period: ms(10), slice: ms(2)), SEDFParameters(period: ms(10), slice: ms(2))])
        XCTAssertEqual(loop.decide(now: .zero).vcpu, a)
        XCTAssertEqual(loop.decide(now: at(ms: 2)).vcpu, b)
        XCTAssertEqual(loop.longestWait(b), ms(2))
        XCTAssertEqual(loop.longestWait(a, upTo: at(ms: 9)), ms(7), "a waits from 2 ms and has not run again")
        XCTAssertEqual(loop.longestWait(a), .zero, "no wait of a has ended")
        XCTAssertEqual(loop.longestWait(b, upTo: at(ms: 9)), ms(2), "b runs: its longest is a finished wait")
        loop.block(a, wakeAt: .never, now: at(ms: 9))
        XCTAssertEqual(loop.longestWait(a, upTo: at(ms: 20)), .zero, "blocked is not waiting")
    }

    func testProgressBlockingAndMissingCounterPreventTheReport() throws {
        // Retiring instructions: never reported, however long it runs.
        var loop = try sedfLoop([SEDFParameters(period: us(100), slice: us(50)), SEDFParameters(period: us(100), slice: us(50))])
        var retired: UInt64 = 0
        for step in 0..<1000 {
            loop.timerFired()
            let dispatch = loop.decide(now: Instant(nanoseconds: UInt64(step) * 50_000), retired: retired)
            XCTAssertNil(dispatch.starved, "step \(step)")
            retired += 10
        }
        // Blocked for a long time, then woken: the window starts at the wake.
        loop.block(a, wakeAt: .never, now: at(ms: 50))
        _ = loop.decide(now: at(ms: 50), retired: retired)
        _ = loop.decide(now: at(ms: 60), retired: retired + 5)
        loop.wake(a, now: at(ms: 60))
        XCTAssertNil(loop.decide(now: at(ms: 60), retired: retired + 5).starved)

        // No counter (a PMU without the event): nothing is watched.
        var blind = try sedfLoop([SEDFParameters(period: us(1), slice: us(1))])
        for step in 0..<100 { XCTAssertNil(blind.decide(now: Instant(nanoseconds: UInt64(step) * 1000)).starved) }
    }

    /// The VCPU that did not run is the one reported, not the one that did.
    func testTheVCPUThatRanIsCreditedNotTheOther() throws {
        var loop = try sedfLoop([SEDFParameters(period: ms(10), slice: ms(4)), SEDFParameters(period: ms(10), slice: ms(4))])
        var starved: VCPUID? = nil
        var retired: UInt64 = 0
        // Pretend only a ever runs (b is runnable but the shell keeps seeing a's count move).
        for step in 0..<30 where starved == nil {
            loop.timerFired()
            let dispatch = loop.decide(now: at(ms: UInt64(step)), retired: retired)
            starved = dispatch.starved
            if dispatch.vcpu == a { retired += 100 }
        }
        XCTAssertEqual(starved, b)
    }

    func testCreditPolicyAndProgressWindow() throws {
        var loop = Loop(scheduler: ConfiguredScheduler(policy: .credit))
        XCTAssertThrowsError(try loop.admit(a, parameters: .sedf(SEDFParameters(period: ms(10), slice: ms(4))),
                                            progressWindow: .zero, now: .zero)) { error in
            XCTAssertEqual(error as? SchedulerError, .wrongPolicy)
        }
        let parameters = PolicyParameters.credit(CreditParameters())
        let configuration = CreditConfiguration()
        // Equal weights, three VCPUs: one period to the next accounting, three
        // to climb from the floor at a third of a period each, two slices, and
        // the others' boosts on what they hold and earn: 2 x 2P x 3.
        XCTAssertEqual(loop.scheduler.progressWindow(for: parameters, vcpus: 3, creditWeight: 3 * 256),
                       TimeSpan(nanoseconds: 16 * configuration.accountingPeriod.nanoseconds + 2 * configuration.timeslice.nanoseconds))
        // The experiment's credit-weighted cell: 256 beside 821 and two more of
        // 256 climbs for ceil(1589 / 256) = 7 accountings; 821 for 2; the boosts
        // 3 x 60 ms x 1589 / w (rounded up to the nanosecond).
        XCTAssertEqual(loop.scheduler.progressWindow(for: parameters, vcpus: 4, creditWeight: 1589),
                       ms(30 + 7 * 30 + 3 * 30) + TimeSpan(nanoseconds: 1_117_265_625))
        XCTAssertEqual(loop.scheduler.progressWindow(for: .credit(CreditParameters(weight: 821)), vcpus: 4, creditWeight: 1589),
                       ms(30 + 2 * 30 + 3 * 30) + TimeSpan(nanoseconds: 348_380_025))
        // Capped at 10%: its share is at most 3 ms, 10 accountings.
        XCTAssertEqual(loop.scheduler.progressWindow(for: .credit(CreditParameters(weight: 256, cap: 10)), vcpus: 2, creditWeight: 512),
                       ms(30 + 10 * 30 + 30 + 2 * 30 * 2))
        try loop.admit(a, parameters: parameters, progressWindow: .zero, now: .zero)
        try loop.admit(b, parameters: parameters, progressWindow: .zero, now: .zero)
        XCTAssertNotNil(loop.decide(now: .zero).vcpu)
        XCTAssertEqual(loop.scheduler.vcpuCount, 2)
    }
}

extension VCPUSchedulingTests {
    /// Admission long before the first decision (the hypervisor clears and
    /// loads the other VMs in between) is not time a VCPU was denied.
    func testWatchStartsAtTheFirstCountedDecision() throws {
        var loop = try sedfLoop([SEDFParameters(period: ms(2), slice: ms(1)), SEDFParameters(period: ms(2), slice: ms(1))])
        let first = loop.decide(now: at(ms: 10), retired: 0)   // 10 ms of boot after admission
        XCTAssertNil(first.starved)
        loop.timerFired()
        let second = loop.decide(now: at(ms: 11), retired: 500)
        XCTAssertNil(second.starved, "b has waited 1 ms, not 11")
    }
}

extension VCPUSchedulingTests {
    /// A decision without a count (the shell found the counter tampered
    /// with) pauses the watch, and the next counted decision starts it over:
    /// a counter a guest stopped is never read as starvation.
    func testAMissingCountRestartsTheWatch() throws {
        var loop = try sedfLoop([SEDFParameters(period: us(300), slice: us(200))])
        XCTAssertNil(loop.decide(now: .zero, retired: 7).starved)
        XCTAssertNil(loop.decide(now: at(us: 500), retired: nil).starved, "no count: not watched")
        XCTAssertNil(loop.decide(now: at(us: 700), retired: 7).starved, "the watch starts over here")
        XCTAssertNil(loop.decide(now: at(us: 1200), retired: 7).starved, "500 us since the restart, window 600")
        XCTAssertEqual(loop.decide(now: at(us: 1300), retired: 7).starved, a, "600 us without progress")
    }
}
