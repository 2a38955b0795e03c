// The wake rule: the CBS-style rule keeps the periodic-resource guarantee;
// Xen's short-block forfeit loses supply (docs/SCHEDULING.md §1).
import HypervisorCore
import XCTest

/// Shin & Lee's supply bound function of Γ(period, slice), exact, in ns.
func sbf(_ t: TimeSpan, period: TimeSpan, slice: TimeSpan) -> TimeSpan {
    let p = period.nanoseconds, q = slice.nanoseconds, t = t.nanoseconds
    let blackout = p - q
    if t <= blackout { return .zero }
    let n = (t - blackout) / p
    let tail = t > 2 * blackout + n * p ? t - 2 * blackout - n * p : 0
    return TimeSpan(nanoseconds: n * q + tail)
}

final class SEDFWakeRuleTests: XCTestCase {
    let hog = VCPUID(0), rt = VCPUID(1)

    /// A hog (10, 7) and the RT VCPU (10, 3) that loses deadline ties, so it
    /// runs at the very end of its period [7, 10). It blocks right as its next
    /// period begins (10 ms) and wakes 0.5 ms later, then stays runnable.
    func run(_ rule: SEDFWakeRule) throws -> [RunInterval] {
        var s = SEDFScheduler<4>(options: SEDFOptions(wakeRule: rule))
        try s.insert(hog, parameters: SEDFParameters(period: ms(10), slice: ms(7)), now: .zero)
        try s.insert(rt, parameters: SEDFParameters(period: ms(10), slice: ms(3)), now: .zero)
        let rt = self.rt
        return try drive(&s, to: at(ms: 60), events: [
            ScriptedEvent(time: at(ms: 10)) { s, now in try s.block(rt, now: now) },
            ScriptedEvent(time: at(us: 10_500)) { s, now in try s.wake(rt, now: now) },
        ])
    }

    func testConstantBandwidthRuleKeepsTheSupplyBound() throws {
        let run = try run(.constantBandwidth)
        // The wake at 10.5 ms starts a new period (3*10 > 9.5*3): deadline 20.5.
        XCTAssertEqual(supply(of: rt, in: run, from: at(us: 10_500), to: at(us: 20_500)), ms(3))
        // Every window starting at the wake, while the VCPU wants the CPU, gets
        // at least sbf of its interface.
        for lengthMs in stride(from: UInt64(1), through: 45, by: 1) {
            let t = ms(lengthMs) + us(500)
            let got = supply(of: rt, in: run, from: at(us: 10_500), to: at(us: 10_500) + t)
            XCTAssertGreaterThanOrEqual(got, sbf(t, period: ms(10), slice: ms(3)), "window \(t.nanoseconds) ns")
        }
    }

    func testXenForfeitRuleLosesSupply() throws {
        let run = try run(.xenShortBlockForfeit)
        // It forfeits the period [10, 20) entirely and, losing the tie in
        // [20, 30), runs only at 27: nothing for 16.5 ms after waking, where
        // sbf(16.5 ms) of Γ(10, 3) is 2.5 ms.
        XCTAssertEqual(supply(of: rt, in: run, from: at(us: 10_500), to: at(ms: 20)), .zero)
        let window = ms(16) + us(500)
        let got = supply(of: rt, in: run, from: at(us: 10_500), to: at(us: 10_500) + window)
        XCTAssertEqual(got, .zero)
        XCTAssertEqual(sbf(window, period: ms(10), slice: ms(3)), ms(2) + us(500))
        XCTAssertEqual(run.first { $0.vcpu == rt && $0.start > at(ms: 10) }?.start, at(ms: 27))
    }

    func testWakingBeforeThePeriodBeginsKeepsWaitingUnderBothRules() throws {
        for rule in [SEDFWakeRule.constantBandwidth, .xenShortBlockForfeit] {
            var s = SEDFScheduler<4>(options: SEDFOptions(wakeRule: rule))
            try s.insert(rt, parameters: SEDFParameters(period: ms(10), slice: ms(3)), now: .zero)
            _ = s.decide(now: .zero)
            _ = s.decide(now: at(ms: 3)) // exhausted: next period [10, 20)
            try s.block(rt, now: at(ms: 4))
            try s.wake(rt, now: at(ms: 6))
            XCTAssertEqual(s.status(of: rt)?.deadline, at(ms: 20))
            XCTAssertEqual(s.decide(now: at(ms: 6)), SchedulingDecision(vcpu: nil, until: at(ms: 10), reason: .wake))
        }
    }

    func testLongBlockStartsAFreshPeriodAtTheWake() throws {
        for rule in [SEDFWakeRule.constantBandwidth, .xenShortBlockForfeit] {
            var s = SEDFScheduler<4>(options: SEDFOptions(wakeRule: rule))
            try s.insert(rt, parameters: SEDFParameters(period: ms(10), slice: ms(3)), now: .zero)
            try s.block(rt, now: at(ms: 1))
            try s.wake(rt, now: at(ms: 34))
            XCTAssertEqual(s.status(of: rt)?.deadline, at(ms: 44))
            XCTAssertEqual(s.status(of: rt)?.remaining, ms(3))
        }
    }

    func testConstantBandwidthRuleKeepsBudgetThatFitsTheRemainingTime() throws {
        var s = SEDFScheduler<4>()
        try s.insert(rt, parameters: SEDFParameters(period: ms(10), slice: ms(4)), now: .zero)
        _ = s.decide(now: .zero)
        try s.block(rt, now: at(ms: 3)) // 1 ms left, deadline 10
        try s.wake(rt, now: at(ms: 7)) // 1*10 <= 3*4: keep
        XCTAssertEqual(s.status(of: rt)?.deadline, at(ms: 10))
        XCTAssertEqual(s.status(of: rt)?.remaining, ms(1))
        try s.block(rt, now: at(ms: 7))
        try s.wake(rt, now: at(us: 7_600)) // 1*10 > 2.4*4: new period
        XCTAssertEqual(s.status(of: rt)?.deadline, at(us: 17_600))
        XCTAssertEqual(s.status(of: rt)?.remaining, ms(4))
    }
}
