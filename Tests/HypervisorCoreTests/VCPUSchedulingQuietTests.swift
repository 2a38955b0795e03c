import XCTest
@testable import HypervisorCore
import TestSupport

/// VCPUScheduling skips its pass over the VCPUs while nothing can be due
/// (before `earliestWake` and `watchRunsOut`). Driven by random events, a loop that skips must answer
/// exactly what a loop forced to make the pass at every decision answers.
final class VCPUSchedulingQuietTests: XCTestCase {
    typealias Loop = VCPUScheduling<ConfiguredScheduler<8>, 8>

    func loops(policy: SchedulingPolicy, vcpus: Int, random: inout SplitMix64) throws -> Loop {
        var loop = Loop(scheduler: ConfiguredScheduler(policy: policy))
        var all: [PolicyParameters] = []
        for _ in 0..<vcpus {
            switch policy {
            case .sedf:
                let period = UInt64.random(in: 1...6, using: &random)
                all.append(.sedf(SEDFParameters(period: ms(period), slice: .microseconds(period * 1000 / UInt64(vcpus + 1)),
                                                extratime: Bool.random(using: &random))))
            case .credit:
                all.append(.credit(CreditParameters(weight: UInt32.random(in: 1...512, using: &random))))
            }
        }
        let creditWeight = all.reduce(UInt64(0)) { total, parameters in
            if case .credit(let credit) = parameters { return total + UInt64(credit.weight) }
            return total
        }
        for (i, parameters) in all.enumerated() {
            try loop.admit(VCPUID(UInt32(i)), parameters: parameters,
                           progressWindow: loop.scheduler.progressWindow(for: parameters, vcpus: vcpus, creditWeight: creditWeight),
                           now: .zero)
        }
        return loop
    }

    func testSkippingThePassAnswersWhatThePassAnswers() throws {
        for policy in [SchedulingPolicy.sedf, .credit] {
            for seed in UInt64(1)...40 {
                var random = SplitMix64(seed: seed)
                let vcpus = Int.random(in: 1...6, using: &random)
                var skipping = try loops(policy: policy, vcpus: vcpus, random: &random)
                var passing = skipping
                var now = Instant.zero
                var retired: UInt64 = 0
                var skipped = 0
                for step in 0..<400 {
                    let vcpu = VCPUID(UInt32.random(in: 0..<UInt32(vcpus + 1), using: &random))  // one id past the last: unknown
                    // Every step decides: pending from the start, so no wake keeps the last
                    // decision (that shortcut is VCPUSchedulingWakeTests').
                    skipping.timerFired(); passing.timerFired()
                    switch UInt32.random(in: 0..<10, using: &random) {
                    case 0, 1:
                        let wakeAt = Bool.random(using: &random) ? Instant.never : now + .microseconds(UInt64.random(in: 0...8000, using: &random))
                        skipping.block(vcpu, wakeAt: wakeAt, now: now); passing.block(vcpu, wakeAt: wakeAt, now: now)
                    case 2, 3:
                        skipping.wake(vcpu, now: now); passing.wake(vcpu, now: now)
                    case 4:
                        skipping.yield(vcpu, now: now); passing.yield(vcpu, now: now)
                    case 5:
                        skipping.progressed(vcpu, now: now); passing.progressed(vcpu, now: now)
                    default:
                        break
                    }
                    // Mostly progress, sometimes none (the watch runs on), rarely no counter.
                    let counted: UInt64?
                    switch UInt32.random(in: 0..<20, using: &random) {
                    case 0: counted = nil
                    case 1...6: counted = retired
                    default: retired &+= UInt64.random(in: 1...1000, using: &random); counted = retired
                    }
                    if now < skipping.earliestWake && now < skipping.watchRunsOut { skipped += 1 }
                    passing.watchRunsOut = .zero
                    let expected = passing.decide(now: now, retired: counted)
                    let got = skipping.decide(now: now, retired: counted)
                    XCTAssertEqual(got, expected, "\(policy) seed \(seed) step \(step) at \(now.nanoseconds) ns")
                    if got != expected { return }
                    for i in 0..<vcpus {
                        let id = VCPUID(UInt32(i))
                        XCTAssertEqual(skipping.isBlocked(id), passing.isBlocked(id))
                        XCTAssertEqual(skipping.longestWait(id), passing.longestWait(id))
                    }
                    // The next decision: at the timer, or earlier (an interrupt), sometimes much later.
                    let gap = UInt64.random(in: 0...3000, using: &random)
                    let byTimer = expected.timer == .never ? now + .microseconds(gap) : expected.timer
                    now = Bool.random(using: &random) ? byTimer : now + .microseconds(gap)
                }
                XCTAssertGreaterThan(skipped, 0, "\(policy) seed \(seed): the pass was never skipped")
            }
        }
    }
}
