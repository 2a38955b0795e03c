import XCTest
@testable import HypervisorCore
import TestSupport

/// A wake that cannot change the decision does not ask for one
/// (`VCPUScheduling.wake`, the schedulers' `keepsDecision`). Driven by random
/// traps (wakes, blocks, yields, restarts, the timer), the loop must dispatch
/// exactly like a loop whose scheduler follows the rule before it (the
/// reference model, every wake asking) and that decides at every wake the
/// other skips: that decision keeps the running VCPU with the armed timer, and
/// every decision both take answers the same.
final class VCPUSchedulingWakeTests: XCTestCase {
    typealias Loop = VCPUScheduling<ConfiguredScheduler<8>, 8>

    func testSEDFWakesThatKeepTheDecisionAnswerWhatDecidingAnswers() throws {
        var skipped = 0
        for seed in UInt64(1)...200 {
            var random = SplitMix64(seed: seed)
            let vcpus = Int(random.next(in: 1...6))
            var parameters: [SEDFParameters] = []
            for _ in 0..<vcpus {
                let period = random.next(in: 1...6) * 1000
                parameters.append(SEDFParameters(period: .microseconds(period), slice: .microseconds(period / UInt64(vcpus + 1)),
                                                 extratime: random.chance(50)))
            }
            var shortcut = Loop(scheduler: ConfiguredScheduler(policy: .sedf))
            var deciding = VCPUScheduling<ReferenceSEDFScheduler<8>, 8>(scheduler: ReferenceSEDFScheduler(keepsDecisions: false))
            let windows = parameters.map { $0.period + $0.period }
            skipped += try run(seed: seed, vcpus: vcpus, random: &random, &shortcut, &deciding,
                               admitShortcut: { loop, v, now in try loop.admit(VCPUID(UInt32(v)), parameters: .sedf(parameters[v]), progressWindow: windows[v], now: now) },
                               admitDeciding: { loop, v, now in try loop.admit(VCPUID(UInt32(v)), parameters: parameters[v], progressWindow: windows[v], now: now) })
        }
        XCTAssertGreaterThan(skipped, 200, "SEDF: too few wakes kept the decision")
    }

    func testCreditWakesThatKeepTheDecisionAnswerWhatDecidingAnswers() throws {
        let fast = try CreditConfiguration(tick: .milliseconds(1), accountingPeriod: .milliseconds(3),
                                           timeslice: .milliseconds(2), rateLimit: .microseconds(300))
        var skipped = 0
        for seed in UInt64(1)...200 {
            var random = SplitMix64(seed: seed)
            let configuration = seed % 2 == 0 ? fast : CreditConfiguration()
            let vcpus = Int(random.next(in: 1...6))
            var parameters: [CreditParameters] = []
            for _ in 0..<vcpus {
                parameters.append(CreditParameters(weight: random.chance(50) ? 256 : UInt32(random.next(in: 1...512)),
                                                   cap: random.chance(20) ? UInt32(random.next(in: 10...100)) : 0))
            }
            let totalWeight = parameters.reduce(UInt64(0)) { $0 + UInt64($1.weight) }
            var shortcut = Loop(scheduler: ConfiguredScheduler(policy: .credit, credit: configuration))
            var deciding = VCPUScheduling<ReferenceCreditScheduler<8>, 8>(
                scheduler: ReferenceCreditScheduler(configuration: configuration, keepsDecisions: false))
            let windows = parameters.map {
                ConfiguredScheduler<8>.creditProgressWindow($0, vcpus: vcpus, totalWeight: totalWeight, configuration: configuration)
            }
            skipped += try run(seed: seed, vcpus: vcpus, random: &random, &shortcut, &deciding,
                               admitShortcut: { loop, v, now in try loop.admit(VCPUID(UInt32(v)), parameters: .credit(parameters[v]), progressWindow: windows[v], now: now) },
                               admitDeciding: { loop, v, now in try loop.admit(VCPUID(UInt32(v)), parameters: parameters[v], progressWindow: windows[v], now: now) })
        }
        XCTAssertGreaterThan(skipped, 400, "credit: too few wakes kept the decision")
    }

    /// Returns how many wakes the shortcut loop did not decide at.
    private func run<Reference: VCPUScheduler>(
        seed: UInt64, vcpus: Int, random: inout SplitMix64,
        _ shortcut: inout Loop, _ deciding: inout VCPUScheduling<Reference, 8>,
        admitShortcut: (inout Loop, Int, Instant) throws -> Void,
        admitDeciding: (inout VCPUScheduling<Reference, 8>, Int, Instant) throws -> Void
    ) throws -> Int {
        var now = Instant.zero
        for v in 0..<vcpus {
            try admitShortcut(&shortcut, v, now)
            try admitDeciding(&deciding, v, now)
        }
        // A machine counts guest instructions or it does not, for the whole run.
        let counting = seed % 5 != 0
        var retired: UInt64 = 0
        var count: UInt64? { counting ? retired : nil }
        var skipped = 0
        func decideBoth(_ context: String) -> Dispatch? {
            XCTAssertEqual(shortcut.decisionNeeded, deciding.decisionNeeded, context)
            guard shortcut.decisionNeeded else { return nil }
            let expected = deciding.decide(now: now, retired: count)
            let got = shortcut.decide(now: now, retired: count)
            XCTAssertEqual(got, expected, context)
            for v in 0..<vcpus {
                let id = VCPUID(UInt32(v))
                XCTAssertEqual(shortcut.isBlocked(id), deciding.isBlocked(id), context)
                XCTAssertEqual(shortcut.longestWait(id), deciding.longestWait(id), context)
            }
            return got
        }
        var timer = decideBoth("seed \(seed) start")?.timer ?? .never
        var ranOn = false
        for step in 0..<500 {
            let context = "seed \(seed) step \(step)"
            let gap = TimeSpan.microseconds(random.next(in: 0...1500))
            if timer != .never && now + gap >= timer {
                // The timer fires first.
                now = max(now, timer)
                retired &+= random.next(in: 1...1000)
                shortcut.timerFired(); deciding.timerFired()
                if let dispatch = decideBoth(context + " timer") { timer = dispatch.timer }
                if testRun?.failureCount ?? 0 > 0 { return skipped }
                continue
            }
            now = now + gap
            // The guest that trapped ran (mostly retiring something; always after a
            // skipped decision: the trap returned to it), then the trap's events.
            if ranOn || random.chance(85) { retired &+= random.next(in: 1...1000) }
            var skippedHere = false
            for _ in 0..<random.next(in: 1...2) {
                let vcpu = VCPUID(UInt32(random.next(in: 0...UInt64(vcpus - 1))))
                let running = shortcut.running
                switch random.next(in: 0...99) {
                case 0..<55:
                    shortcut.wake(vcpu, now: now); deciding.wake(vcpu, now: now)
                    if !shortcut.decisionNeeded && deciding.decisionNeeded {
                        // The decision the shortcut skipped: the same VCPU, the armed timer.
                        let kept = deciding.decide(now: now, retired: count)
                        XCTAssertEqual(kept.vcpu, running, context)
                        XCTAssertFalse(kept.switches, context)
                        XCTAssertEqual(kept.timer, timer, context)
                        XCTAssertNil(kept.starved, context)
                        skipped += 1
                        skippedHere = true
                    }
                case 55..<72:
                    let blocked = running ?? vcpu
                    let wakeAt = random.chance(50) ? Instant.never : now + .microseconds(random.next(in: 0...6000))
                    shortcut.block(blocked, wakeAt: wakeAt, now: now); deciding.block(blocked, wakeAt: wakeAt, now: now)
                case 72..<80:
                    let wakeAt = random.chance(50) ? Instant.never : now + .microseconds(random.next(in: 0...6000))
                    shortcut.block(vcpu, wakeAt: wakeAt, now: now); deciding.block(vcpu, wakeAt: wakeAt, now: now)
                case 80..<88:
                    if let running { shortcut.yield(running, now: now); deciding.yield(running, now: now) }
                case 88..<90:
                    // A VM restart: out of the scheduler and in again.
                    shortcut.remove(vcpu, now: now); deciding.remove(vcpu, now: now)
                    try admitShortcut(&shortcut, Int(vcpu.rawValue), now)
                    try admitDeciding(&deciding, Int(vcpu.rawValue), now)
                default:
                    break  // a trap that changes nothing
                }
            }
            ranOn = skippedHere
            if testRun?.failureCount ?? 0 > 0 { return skipped }
        }
        return skipped
    }
}

