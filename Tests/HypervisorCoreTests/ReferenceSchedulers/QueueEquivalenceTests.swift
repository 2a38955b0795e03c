// The heap-based schedulers must decide exactly like the scan-based reference
// models they replaced: random operation sequences (insert, remove, block,
// wake, yield, setParameters, charge, decide at random and at scheduled times,
// now and then earlier than before), several capacities, ids that do not
// follow slot order and parameters that tie, so tie-breaking is exercised.
// After every operation: the same result or error, the same decision, the same
// status and parameters of every VCPU id in use.
import HypervisorCore
import TestSupport
import XCTest

final class QueueEquivalenceTests: XCTestCase {
    /// Wakes that kept the decision, over a test's sequences (not quiet ones).
    var keptDecisions = 0
    func testSEDFDecidesLikeTheReference() {
        for seed: UInt64 in 1...3 {
            for rule in [SEDFWakeRule.constantBandwidth, .xenShortBlockForfeit] {
                let options = SEDFOptions(wakeRule: rule, slackQuantum: .microseconds(seed % 3 == 0 ? 300 : 500))
                var a1 = SEDFScheduler<1>(options: options), b1 = ReferenceSEDFScheduler<1>(options: options)
                compare(&a1, &b1, seed: seed, maxID: 3, parameters: randomSEDF)
                var a3 = SEDFScheduler<3>(options: options), b3 = ReferenceSEDFScheduler<3>(options: options)
                compare(&a3, &b3, seed: seed, maxID: 6, parameters: randomSEDF)
                var a8 = SEDFScheduler<8>(options: options), b8 = ReferenceSEDFScheduler<8>(options: options)
                compare(&a8, &b8, seed: seed, maxID: 12, parameters: randomSEDF)
                var a64 = SEDFScheduler<64>(options: options), b64 = ReferenceSEDFScheduler<64>(options: options)
                compare(&a64, &b64, seed: seed, maxID: 80, parameters: randomSEDF)
                var a70 = SEDFScheduler<70>(options: options), b70 = ReferenceSEDFScheduler<70>(options: options)
                compare(&a70, &b70, seed: seed, maxID: 90, parameters: randomSEDF)
            }
        }
        XCTAssertGreaterThan(keptDecisions, 0, "no wake kept the decision")
    }

    func testCreditDecidesLikeTheReference() throws {
        let fast = try CreditConfiguration(tick: .milliseconds(1), accountingPeriod: .milliseconds(3),
                                           timeslice: .milliseconds(2), rateLimit: .microseconds(300))
        for seed: UInt64 in 1...3 {
            for configuration in [CreditConfiguration(), fast] {
                var a1 = CreditScheduler<1>(configuration: configuration)
                var b1 = ReferenceCreditScheduler<1>(configuration: configuration)
                compare(&a1, &b1, seed: seed, maxID: 3, parameters: randomCredit)
                var a3 = CreditScheduler<3>(configuration: configuration)
                var b3 = ReferenceCreditScheduler<3>(configuration: configuration)
                compare(&a3, &b3, seed: seed, maxID: 6, parameters: randomCredit)
                var a8 = CreditScheduler<8>(configuration: configuration)
                var b8 = ReferenceCreditScheduler<8>(configuration: configuration)
                compare(&a8, &b8, seed: seed, maxID: 12, parameters: randomCredit)
                var a64 = CreditScheduler<64>(configuration: configuration)
                var b64 = ReferenceCreditScheduler<64>(configuration: configuration)
                compare(&a64, &b64, seed: seed, maxID: 80, parameters: randomCredit)
                var a70 = CreditScheduler<70>(configuration: configuration)
                var b70 = ReferenceCreditScheduler<70>(configuration: configuration)
                compare(&a70, &b70, seed: seed, maxID: 90, parameters: randomCredit)
            }
        }
        XCTAssertGreaterThan(keptDecisions, 0, "no wake kept the decision")
    }

    /// Credit's lazy accounting over long quiet stretches: VCPUs inserted up
    /// front, then mostly decisions at `until`, so that many accountings pass
    /// without a change of the active set and VCPUs earn lazily for many
    /// periods (OVER back to UNDER, parked and unparked, leaving the active set).
    func testCreditAccountsLikeTheReferenceOverQuietStretches() throws {
        let fast = try CreditConfiguration(tick: .milliseconds(1), accountingPeriod: .milliseconds(3),
                                           timeslice: .milliseconds(2), rateLimit: .microseconds(300))
        for seed: UInt64 in 1...4 {
            for configuration in [CreditConfiguration(), fast] {
                var a4 = CreditScheduler<4>(configuration: configuration)
                var b4 = ReferenceCreditScheduler<4>(configuration: configuration)
                compare(&a4, &b4, seed: seed, maxID: 5, steps: 3000, prefill: 4, quiet: true, parameters: randomCredit)
                var a16 = CreditScheduler<16>(configuration: configuration)
                var b16 = ReferenceCreditScheduler<16>(configuration: configuration)
                compare(&a16, &b16, seed: seed, maxID: 20, steps: 3000, prefill: 12, quiet: true, parameters: randomCredit)
                var a64 = CreditScheduler<64>(configuration: configuration)
                var b64 = ReferenceCreditScheduler<64>(configuration: configuration)
                compare(&a64, &b64, seed: seed, maxID: 70, steps: 3000, prefill: 48, quiet: true, parameters: randomCredit)
            }
        }
    }

    /// Periods from a small set (so deadlines tie), slices up to the period.
    func randomSEDF(_ rng: inout SplitMix64, vcpus: Int) -> SEDFParameters {
        let period = TimeSpan.microseconds(500 * rng.next(in: 1...8))
        let share = rng.chance(20) ? rng.next(in: 1...100) : rng.next(in: 1...UInt64(max(1, 100 / max(1, vcpus))))
        let slice = TimeSpan(nanoseconds: max(1, period.nanoseconds * share / 100))
        return SEDFParameters(period: period, slice: slice, extratime: rng.chance(50))
    }

    /// Weights that often tie, sometimes a cap; now and then an invalid one.
    func randomCredit(_ rng: inout SplitMix64, vcpus: Int) -> CreditParameters {
        if rng.chance(2) { return CreditParameters(weight: 0) }
        let weight = rng.chance(50) ? 256 : UInt32(rng.next(in: 1...1024))
        let cap = rng.chance(30) ? UInt32(rng.next(in: 1...100)) : 0
        return CreditParameters(weight: weight, cap: cap)
    }

    private func compare<New: VCPUScheduler, Reference: VCPUScheduler>(
        _ new: inout New, _ reference: inout Reference, seed: UInt64, maxID: UInt32,
        steps: Int = 1000, prefill: Int = 0, quiet: Bool = false,
        parameters: (inout SplitMix64, Int) -> New.Parameters,
        file: StaticString = #filePath, line: UInt = #line
    ) where New.Parameters == Reference.Parameters, New.Status == Reference.Status,
            New.Status: Equatable, New.Parameters: Equatable {
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9 &+ UInt64(maxID))
        var now = Instant.zero
        var until = Instant.never
        var operations = 0
        var decisions = 0
        var kept = 0
        for k in 0..<prefill {
            let p = parameters(&rng, prefill)
            same(try new.insert(VCPUID(UInt32(k)), parameters: p, now: now),
                 try reference.insert(VCPUID(UInt32(k)), parameters: p, now: now),
                 "prefill \(k), seed \(seed)", file: file, line: line)
        }
        for step in 0..<steps {
            // Mostly forwards: to the last decision's `until` (as the hypervisor
            // does), just before or after it, or by a random step; rarely back.
            let roll = rng.next(in: 0...99)
            if roll < 35 && until != .never {
                now = max(now, until)
            } else if roll < 40 && until != .never && until.nanoseconds > 0 {
                now = Instant(nanoseconds: until.nanoseconds - 1)
            } else if roll < 97 {
                now = now + TimeSpan(nanoseconds: rng.next(in: 0...2_000_000))
            } else {
                now = Instant(nanoseconds: now.nanoseconds - min(now.nanoseconds, rng.next(in: 0...3_000_000)))
            }
            let id = VCPUID(UInt32(rng.next(in: 0...UInt64(maxID))))
            // Quiet: 19 in 20 steps decide (58...99), the rest any operation.
            let what = quiet && rng.next(in: 0...19) != 0 ? 58 + rng.next(in: 0...41) : rng.next(in: 0...99)
            let context = "seed \(seed), \(New.self), step \(step), t=\(now.nanoseconds)"
            switch what {
            case 0..<12:
                let p = parameters(&rng, new.vcpuCount + 1)
                same(try new.insert(id, parameters: p, now: now), try reference.insert(id, parameters: p, now: now),
                     "insert \(id.rawValue) \(p), \(context)", file: file, line: line)
            case 12..<15:
                same(try new.remove(id, now: now), try reference.remove(id, now: now),
                     "remove \(id.rawValue), \(context)", file: file, line: line)
            case 15..<27:
                same(try new.block(id, now: now), try reference.block(id, now: now),
                     "block \(id.rawValue), \(context)", file: file, line: line)
            case 27..<33:
                same(try new.wake(id, now: now), try reference.wake(id, now: now),
                     "wake \(id.rawValue), \(context)", file: file, line: line)
            case 33..<40:
                // Whether the wake kept the decision, too: the reference decides on a copy.
                var asksA: Bool? = nil, asksB: Bool? = nil
                same(try asksA = new.wakeKeepingDecision(id, now: now),
                     try asksB = reference.wakeKeepingDecision(id, now: now),
                     "wakeKeepingDecision \(id.rawValue), \(context)", file: file, line: line)
                XCTAssertEqual(asksA, asksB, "wake \(id.rawValue) asks for a decision, \(context)", file: file, line: line)
                if asksA == false { kept += 1 }
            case 40..<47:
                same(try new.yield(id, now: now), try reference.yield(id, now: now),
                     "yield \(id.rawValue), \(context)", file: file, line: line)
            case 47..<50:
                let p = parameters(&rng, new.vcpuCount)
                same(try new.setParameters(p, for: id, now: now), try reference.setParameters(p, for: id, now: now),
                     "setParameters \(id.rawValue) \(p), \(context)", file: file, line: line)
            case 50..<58:
                new.charge(now: now)
                reference.charge(now: now)
            default:
                let a = new.decide(now: now)
                let b = reference.decide(now: now)
                XCTAssertEqual(a, b, "decide, \(context)", file: file, line: line)
                until = b.until
                decisions += 1
            }
            operations += 1
            XCTAssertEqual(new.vcpuCount, reference.vcpuCount, context, file: file, line: line)
            // Every id after a decision; otherwise the one just operated on.
            let checked = what >= 58 ? 0...maxID : id.rawValue...id.rawValue
            for raw in checked {
                let v = VCPUID(raw)
                XCTAssertEqual(new.status(of: v), reference.status(of: v), "status \(raw), \(context)", file: file, line: line)
                XCTAssertEqual(new.parameters(of: v), reference.parameters(of: v), "parameters \(raw), \(context)",
                               file: file, line: line)
            }
            if testRun?.failureCount ?? 0 > 0 { return } // the first difference is the one to read
        }
        XCTAssertGreaterThan(decisions, steps * 3 / 10, file: file, line: line)
        if !quiet { keptDecisions += kept }
    }

    private func same(_ a: @autoclosure () throws(SchedulerError) -> Void,
                      _ b: @autoclosure () throws(SchedulerError) -> Void,
                      _ context: String, file: StaticString, line: UInt) {
        var errorA: SchedulerError? = nil, errorB: SchedulerError? = nil
        do throws(SchedulerError) { try a() } catch { errorA = error }
        do throws(SchedulerError) { try b() } catch { errorB = error }
        XCTAssertEqual(errorA, errorB, context, file: file, line: line)
    }
}
