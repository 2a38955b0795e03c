// Hand-worked credit schedules: timeslices, accounting, boost, caps, the
// active set, priorities and validation.
import HypervisorCore
import XCTest

final class CreditSchedulerTests: XCTestCase {
    let a = VCPUID(1), b = VCPUID(2), c = VCPUID(3)

    func testTwoEqualHogsAlternateWholeTimeslices() throws {
        var s = CreditScheduler<4>()
        try s.insert(a, parameters: CreditParameters(), now: .zero)
        try s.insert(b, parameters: CreditParameters(), now: .zero)
        let run = try drive(&s, to: at(ms: 240))
        XCTAssertEqual(run, (0..<8).map { k in
            RunInterval(vcpu: k % 2 == 0 ? a : b, start: at(ms: 30 * k), end: at(ms: 30 * k + 30))
        })
    }

    func testTimerEventsAndReasons() throws {
        var s = CreditScheduler<4>()
        try s.insert(a, parameters: CreditParameters(), now: .zero)
        try s.insert(b, parameters: CreditParameters(), now: .zero)
        XCTAssertEqual(s.decide(now: .zero), SchedulingDecision(vcpu: a, until: at(ms: 10), reason: .preempt))
        XCTAssertEqual(s.decide(now: at(ms: 10)).until, at(ms: 20), "runs on through the tick")
        XCTAssertEqual(s.status(of: a)?.active, true, "the tick found it running")
        XCTAssertEqual(s.status(of: b)?.active, false)
        XCTAssertEqual(s.decide(now: at(ms: 20)).vcpu, a)
        XCTAssertEqual(s.decide(now: at(ms: 30)), SchedulingDecision(vcpu: b, until: at(ms: 40), reason: .budget))
        // The accounting at 30 ms gave the only active VCPU the whole period.
        XCTAssertEqual(s.status(of: a)?.credit, 0)
        XCTAssertEqual(s.status(of: a)?.priority, .under)
        _ = s.decide(now: at(ms: 40))
        _ = s.decide(now: at(ms: 50))
        XCTAssertEqual(s.decide(now: at(ms: 60)).vcpu, a)
        // At 60: both active, 15 ms each; B burned 30 ms: -15 ms, OVER.
        XCTAssertEqual(s.status(of: b)?.credit, -15_000_000)
        XCTAssertEqual(s.status(of: b)?.priority, .over)
        XCTAssertEqual(s.status(of: a)?.credit, 15_000_000)
    }

    func testWakerWhileUnderIsBoostedAndPreemptsUntilATickFindsItRunning() throws {
        var s = CreditScheduler<4>()
        try s.insert(a, parameters: CreditParameters(), now: .zero)
        try s.insert(b, parameters: CreditParameters(), now: .zero)
        try s.block(b, now: .zero)
        XCTAssertEqual(s.decide(now: .zero).vcpu, a)
        _ = s.decide(now: at(ms: 10))
        try s.wake(b, now: at(ms: 12))
        XCTAssertEqual(s.status(of: b)?.priority, .boost)
        XCTAssertEqual(s.decide(now: at(ms: 12)), SchedulingDecision(vcpu: b, until: at(ms: 20), reason: .wake))
        // A short burst and block: A is back, B keeps its boost (no tick saw it).
        try s.block(b, now: at(ms: 13))
        XCTAssertEqual(s.decide(now: at(ms: 13)), SchedulingDecision(vcpu: a, until: at(ms: 20), reason: .block))
        XCTAssertEqual(s.status(of: b)?.priority, .boost)
        // Woken again, and this time still running at the 20 ms tick: UNDER.
        try s.wake(b, now: at(ms: 15))
        XCTAssertEqual(s.decide(now: at(ms: 15)).vcpu, b)
        _ = s.decide(now: at(ms: 20))
        XCTAssertEqual(s.status(of: b)?.priority, .under)
        XCTAssertEqual(s.status(of: b)?.active, true)
    }

    func testRateLimitLetsTheRunningVCPUFinishItsFirstMillisecond() throws {
        for limit in [ms(1), .zero] {
            var s = CreditScheduler<4>(configuration: try CreditConfiguration(
                tick: ms(10), accountingPeriod: ms(30), timeslice: ms(30), rateLimit: limit))
            try s.insert(a, parameters: CreditParameters(), now: .zero)
            try s.insert(b, parameters: CreditParameters(), now: .zero)
            try s.block(b, now: .zero)
            XCTAssertEqual(s.decide(now: .zero).vcpu, a)
            try s.yield(a, now: at(ms: 5)) // alone: it gets the CPU again, freshly dispatched
            XCTAssertEqual(s.decide(now: at(ms: 5)).vcpu, a)
            try s.wake(b, now: at(us: 5_400)) // boosted, but A got the CPU only 0.4 ms ago
            if limit == .zero {
                XCTAssertEqual(s.decide(now: at(us: 5_400)), SchedulingDecision(vcpu: b, until: at(ms: 10), reason: .wake))
            } else {
                XCTAssertEqual(s.decide(now: at(us: 5_400)), SchedulingDecision(vcpu: a, until: at(ms: 6), reason: .preempt))
                XCTAssertEqual(s.decide(now: at(ms: 6)), SchedulingDecision(vcpu: b, until: at(ms: 10), reason: .wake))
            }
        }
    }

    func testPriorityOrderAndFIFOWithinAPriority() throws {
        var s = CreditScheduler<4>()
        for v in [a, b, c] { try s.insert(v, parameters: CreditParameters(), now: .zero) }
        // A, B, C run a slice each (all UNDER, FIFO by insertion).
        let run = try drive(&s, to: at(ms: 90))
        XCTAssertEqual(run.map(\.vcpu), [a, b, c])
        // Accountings at 30, 60, 90 paid the active set 30, 15+15, 10+10+10 ms:
        // A 0+15+10 = 25 (UNDER), B -30+15+10 = -5, C -30+10 = -20 (both OVER).
        XCTAssertEqual(s.decide(now: at(ms: 90)).vcpu, a, "UNDER before OVER")
        XCTAssertEqual(s.status(of: a)?.credit, 25_000_000)
        XCTAssertEqual(s.status(of: b)?.priority, .over)
        XCTAssertEqual(s.status(of: c)?.priority, .over)
        // Within OVER, FIFO: B was queued (at 60) before C (at 90).
        try s.block(a, now: at(ms: 95))
        XCTAssertEqual(s.decide(now: at(ms: 95)).vcpu, b)
        // A wakes UNDER, is boosted, and preempts.
        try s.wake(a, now: at(ms: 96))
        XCTAssertEqual(s.decide(now: at(ms: 96)), SchedulingDecision(vcpu: a, until: at(ms: 100), reason: .wake))
        // An OVER VCPU is not boosted on wake.
        try s.block(c, now: at(ms: 97))
        try s.wake(c, now: at(ms: 97))
        XCTAssertEqual(s.status(of: c)?.priority, .over)
    }

    func testCappedVCPUIsParkedWhenOverAndHeldNearItsCap() throws {
        var s = CreditScheduler<4>()
        try s.insert(a, parameters: CreditParameters(weight: 256, cap: 25), now: .zero)
        var parkedSeen = false
        let run = try drive(&s, to: at(ms: 3000)) { _, _, _, sched in
            if sched.status(of: self.a)?.state == .parked { parkedSeen = true }
        }
        XCTAssertTrue(parkedSeen)
        let got = supply(of: a, in: run, from: .zero, to: at(ms: 3000))
        // 25 % of 3 s is 750 ms; parking happens at 30 ms accountings, so allow
        // one accounting period either way.
        XCTAssertEqual(Double(got.nanoseconds), 750e6, accuracy: 30e6)
    }

    func testCapSurplusIsRedistributed() throws {
        var s = CreditScheduler<4>()
        try s.insert(a, parameters: CreditParameters(weight: 256, cap: 10), now: .zero)
        try s.insert(b, parameters: CreditParameters(weight: 256), now: .zero)
        let run = try drive(&s, to: at(ms: 6000))
        let gotA = Double(supply(of: a, in: run, from: .zero, to: at(ms: 6000)).nanoseconds) / 6e9
        let gotB = Double(supply(of: b, in: run, from: .zero, to: at(ms: 6000)).nanoseconds) / 6e9
        XCTAssertEqual(gotA, 0.10, accuracy: 0.02)
        XCTAssertEqual(gotB, 0.90, accuracy: 0.02, "B gets what A's cap leaves, not just its half")
    }

    func testUnusedCreditLeavesTheActiveSetHalved() throws {
        var s = CreditScheduler<4>()
        try s.insert(a, parameters: CreditParameters(), now: .zero)
        try s.insert(b, parameters: CreditParameters(), now: .zero)
        _ = try drive(&s, to: at(ms: 60)) // both become active
        XCTAssertEqual(s.status(of: b)?.active, true)
        try s.block(b, now: at(ms: 60))
        // B earns 15 ms per accounting while blocked: 0 -> 15 -> 30 -> 45 (> 30:
        // leaves the active set with 22.5 ms).
        var seenCredits: [Int64] = []
        let run = try drive(&s, from: at(ms: 60), to: at(ms: 200)) { _, from, _, sched in
            if from.nanoseconds % 30_000_000 == 0, let st = sched.status(of: self.b) { seenCredits.append(st.credit) }
        }
        XCTAssertEqual(s.status(of: b)?.active, false)
        XCTAssertEqual(s.status(of: b)?.credit, 22_500_000)
        XCTAssertTrue(seenCredits.contains(30_000_000))
        XCTAssertEqual(supply(of: a, in: run, from: at(ms: 60), to: at(ms: 200)), ms(140))
    }

    func testYieldGoesToTheTailOfItsPriority() throws {
        var s = CreditScheduler<4>()
        try s.insert(a, parameters: CreditParameters(), now: .zero)
        try s.insert(b, parameters: CreditParameters(), now: .zero)
        XCTAssertEqual(s.decide(now: .zero).vcpu, a)
        try s.yield(a, now: at(ms: 2))
        XCTAssertEqual(s.decide(now: at(ms: 2)), SchedulingDecision(vcpu: b, until: at(ms: 10), reason: .yield))
        XCTAssertEqual(s.status(of: a)?.credit, -2_000_000, "burned in proportion to time used")
    }

    func testIdleSchedulerSleepsUntilAccountingOrForever() throws {
        var s = CreditScheduler<4>()
        try s.insert(a, parameters: CreditParameters(), now: .zero)
        try s.block(a, now: .zero)
        // Nobody is active (no tick found anyone running): nothing to wait for.
        let d = s.decide(now: .zero)
        XCTAssertNil(d.vcpu)
        XCTAssertEqual(d.until, .never)
        // Once active, an idle CPU still wakes for accounting.
        try s.wake(a, now: at(ms: 1))
        _ = s.decide(now: at(ms: 1))
        _ = s.decide(now: at(ms: 10))
        try s.block(a, now: at(ms: 12))
        XCTAssertEqual(s.decide(now: at(ms: 12)), SchedulingDecision(vcpu: nil, until: at(ms: 30), reason: .block))
    }

    func testValidation() throws {
        var s = CreditScheduler<2>()
        func refused(_ e: SchedulerError, _ body: () throws -> Void) {
            XCTAssertThrowsError(try body()) { XCTAssertEqual($0 as? SchedulerError, e) }
        }
        refused(.invalidWeight) { try s.insert(a, parameters: CreditParameters(weight: 0), now: .zero) }
        refused(.invalidWeight) { try s.insert(a, parameters: CreditParameters(weight: 65536), now: .zero) }
        refused(.invalidCap) { try s.insert(a, parameters: CreditParameters(cap: 101), now: .zero) }
        try s.insert(a, parameters: CreditParameters(weight: 65535, cap: 100), now: .zero)
        refused(.duplicateVCPU) { try s.insert(a, parameters: CreditParameters(), now: .zero) }
        try s.insert(b, parameters: CreditParameters(weight: 1), now: .zero)
        refused(.capacityExceeded) { try s.insert(c, parameters: CreditParameters(), now: .zero) }
        refused(.unknownVCPU) { try s.wake(c, now: .zero) }
        refused(.invalidConfiguration) { _ = try CreditConfiguration(tick: .zero, accountingPeriod: ms(30), timeslice: ms(30)) }
        try s.setParameters(CreditParameters(weight: 512), for: b, now: .zero)
        XCTAssertEqual(s.parameters(of: b), CreditParameters(weight: 512))
    }
}
