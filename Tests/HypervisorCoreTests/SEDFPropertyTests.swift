// Property tests over seeded random VCPU sets: hard reservation (never more
// than the slice per period without extratime) and the guarantee (a backlogged,
// admitted VCPU gets its full slice in every period), with random blocking.
import HypervisorCore
import TestSupport
import XCTest

final class SEDFPropertyTests: XCTestCase {
    /// Inserts random VCPUs until admission refuses a few; returns their parameters.
    func randomAdmittedSet(_ rng: inout SplitMix64, into s: inout SEDFScheduler<16>) -> [VCPUID: SEDFParameters] {
        var admitted: [VCPUID: SEDFParameters] = [:]
        var refusals = 0
        var id: UInt32 = 0
        while refusals < 3 && admitted.count < 12 {
            let period = us(100 * rng.next(in: 5...500)) // 0.5 ... 50 ms
            let slice = TimeSpan(nanoseconds: rng.next(in: 1_000...period.nanoseconds))
            let p = SEDFParameters(period: period, slice: slice)
            do {
                try s.insert(VCPUID(id), parameters: p, now: .zero)
                admitted[VCPUID(id)] = p
                id += 1
            } catch {
                XCTAssertEqual(error, .overloaded)
                refusals += 1
            }
        }
        return admitted
    }

    struct PeriodKey: Hashable { var vcpu: VCPUID; var deadline: Instant }

    func testNeverMoreThanTheSlicePerPeriodWithoutExtratime() throws {
        var rng = SplitMix64(seed: 0x5EDF)
        for rule in [SEDFWakeRule.constantBandwidth, .xenShortBlockForfeit] {
            for _ in 0..<25 {
                var s = SEDFScheduler<16>(options: SEDFOptions(wakeRule: rule))
                let set = randomAdmittedSet(&rng, into: &s)
                // Random blocks and wakes of random VCPUs.
                var events: [ScriptedEvent<SEDFScheduler<16>>] = []
                for _ in 0..<40 {
                    let who = VCPUID(UInt32(rng.next(in: 0...UInt64(set.count - 1))))
                    let time = Instant(nanoseconds: rng.next(in: 0...200_000_000))
                    let blocks = rng.chance(50)
                    events.append(ScriptedEvent(time: time) { s, now in
                        if blocks { try s.block(who, now: now) } else { try s.wake(who, now: now) }
                    })
                }
                var received: [PeriodKey: TimeSpan] = [:]
                _ = try drive(&s, to: at(ms: 200), events: events) { decision, from, to, sched in
                    guard let v = decision.vcpu, let st = sched.status(of: v) else { return }
                    XCTAssertEqual(st.state, .running, "no slack without extratime")
                    XCTAssertGreaterThanOrEqual(from, st.deadline - st.parameters.period, "runs inside its period")
                    XCTAssertLessThanOrEqual(to, st.deadline, "and never past its deadline")
                    received[PeriodKey(vcpu: v, deadline: st.deadline), default: .zero] += to.since(from)
                }
                for (key, got) in received {
                    XCTAssertLessThanOrEqual(got, set[key.vcpu]!.slice, "\(key) under \(rule)")
                }
            }
        }
    }

    func testBackloggedVCPUsGetTheirFullSliceInEveryPeriod() throws {
        var rng = SplitMix64(seed: 0xF011)
        for _ in 0..<40 {
            var s = SEDFScheduler<16>()
            let set = randomAdmittedSet(&rng, into: &s)
            // Half of the VCPUs (odd ids) block and wake at random; the others
            // are backlogged all the time and must not notice.
            var events: [ScriptedEvent<SEDFScheduler<16>>] = []
            for (id, _) in set where id.rawValue % 2 == 1 {
                var t: UInt64 = 0
                while t < 300_000_000 {
                    t += rng.next(in: 100_000...20_000_000)
                    let blocks = rng.chance(50)
                    events.append(ScriptedEvent(time: Instant(nanoseconds: t)) { s, now in
                        if blocks { try s.block(id, now: now) } else { try s.wake(id, now: now) }
                    })
                }
            }
            let end = at(ms: 300)
            let run = try drive(&s, to: end, events: events)
            for (id, p) in set where id.rawValue % 2 == 0 {
                var start = Instant.zero
                while start + p.period <= end {
                    XCTAssertEqual(supply(of: id, in: run, from: start, to: start + p.period), p.slice,
                                   "\(id) period at \(start.nanoseconds)")
                    start += p.period
                }
            }
        }
    }
}
