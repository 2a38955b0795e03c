// Long runs of CPU hogs with seeded random weights: the CPU is shared in
// proportion to the weights, within stated tolerances, and deterministically.
//
// Tolerances (absolute, in fractions of the CPU, over 30 s):
//   - two hogs, any weights 1...65535: 0.01 (measured: < 0.002);
//   - two to six hogs, weights 256...1024: 0.06 (measured: < 0.05).
// The second is looser because of credit1 itself, not rounding: with several
// VCPUs UNDER at once they take turns in whole 30 ms slices (FIFO), so the
// heaviest cannot use its share, its credit passes one period's worth, it
// leaves the active set (credit halved) and the period is split among the
// others until a tick finds it running again. Xen's credit1 has the same
// known imprecision; SEDF is the scheduler that gives exact reservations.
import HypervisorCore
import TestSupport
import XCTest

final class CreditPropertyTests: XCTestCase {
    func checkShares(seed: UInt64, cases: Int, vcpus: ClosedRange<UInt64>, weights: ClosedRange<UInt64>,
                     tolerance: Double, line: UInt = #line) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<cases {
            let n = Int(rng.next(in: vcpus))
            var s = CreditScheduler<8>()
            var drawn: [UInt32] = []
            for i in 0..<n {
                let w = UInt32(rng.next(in: weights))
                drawn.append(w)
                try s.insert(VCPUID(UInt32(i)), parameters: CreditParameters(weight: w), now: .zero)
            }
            let end = at(ms: 30_000)
            let run = try drive(&s, to: end)
            let total = Double(drawn.reduce(0) { $0 + UInt64($1) })
            for i in 0..<n {
                let share = Double(supply(of: VCPUID(UInt32(i)), in: run, from: .zero, to: end).nanoseconds) / 30e9
                XCTAssertEqual(share, Double(drawn[i]) / total, accuracy: tolerance,
                               "weights \(drawn), vcpu \(i)", line: line)
            }
            XCTAssertFalse(run.contains { $0.vcpu == nil }, "hogs leave no idle time", line: line)
        }
    }

    func testTwoHogsShareByWeightWithinOnePercentagePoint() throws {
        try checkShares(seed: 0xC4ED17, cases: 30, vcpus: 2...2, weights: 1...65535, tolerance: 0.01)
    }

    func testUpToSixHogsShareByWeightWithinSixPercentagePoints() throws {
        try checkShares(seed: 0xC4ED18, cases: 30, vcpus: 2...6, weights: 256...1024, tolerance: 0.06)
    }

    func testSameInputsGiveTheSameSchedule() throws {
        func once() throws -> [RunInterval] {
            var s = CreditScheduler<8>()
            for i in 0..<4 { try s.insert(VCPUID(UInt32(i)), parameters: CreditParameters(weight: 100 * UInt32(i + 1)), now: .zero) }
            var events: [ScriptedEvent<CreditScheduler<8>>] = []
            for k in 0..<50 {
                let t = Instant(nanoseconds: UInt64(k) * 7_300_000)
                events.append(ScriptedEvent(time: t) { s, now in
                    if k % 2 == 0 { try s.block(VCPUID(1), now: now) } else { try s.wake(VCPUID(1), now: now) }
                })
            }
            return try drive(&s, to: at(ms: 1000), events: events)
        }
        let first = try once()
        XCTAssertGreaterThan(first.count, 50)
        XCTAssertEqual(first, try once())
    }
}

/// The bound behind the QEMU test of Configs/credit-weights.dts (two hogs,
/// weights 512:256; the hypervisor admits them a few ms apart as it loads
/// them, and its common window opens at the first dispatch, after both are
/// admitted, and lasts about 600 ms): in the core model, for admissions at any
/// phase of the 30 ms accounting grid, up to 5 ms apart in either order, and
/// any window of 500 to 700 ms from the later admission, the heavy VCPU's CPU
/// time stays within `creditWeightsBound` of two thirds of the window.
/// Credit1 hands the CPU out in whole 30 ms timeslices, so the error does not
/// shrink with the window: a timeslice run where 20 ms were due is 10 ms
/// ahead, and where the window starts inside the grid shifts it by a few more.
final class CreditWeightsBoundTests: XCTestCase {
    static let creditWeightsBound = TimeSpan.milliseconds(20)

    func testTwoHogs512To256StayWithinTheStatedBoundOverWindowsAfterAdmission() throws {
        var worst: UInt64 = 0
        for phase in stride(from: UInt64(0), to: 30, by: 1) {
            for (heavyDelay, lightDelay) in [(0, 0), (0, 2), (0, 5), (2, 0), (5, 0)] as [(UInt64, UInt64)] {
                let start = at(ms: phase + max(heavyDelay, lightDelay))
                var s = CreditScheduler<8>()
                try s.insert(VCPUID(0), parameters: CreditParameters(weight: 512), now: at(ms: phase + heavyDelay))
                try s.insert(VCPUID(1), parameters: CreditParameters(weight: 256), now: at(ms: phase + lightDelay))
                let run = try drive(&s, from: start, to: start + .milliseconds(700))
                for ms in stride(from: UInt64(500), through: 700, by: 1) {
                    let heavy = supply(of: VCPUID(0), in: run, from: start, to: start + .milliseconds(ms)).nanoseconds
                    let ideal = ms * 1_000_000 * 2 / 3
                    worst = max(worst, heavy > ideal ? heavy - ideal : ideal - heavy)
                }
            }
        }
        XCTAssertLessThanOrEqual(worst, Self.creditWeightsBound.nanoseconds, "worst deviation \(worst) ns")
    }
}
