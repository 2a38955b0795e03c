// Hand-worked simulations: guest EDF vs RM, response times, supply, block
// patterns, idle behaviour, determinism and the min-supply computation.
@testable import ApusTools
import HypervisorCore
import TestSupport
import XCTest

final class SimulationEngineTests: XCTestCase {
    func testEDFGuestOnAWholeCPU() throws {
        // EDF at 0: (10,3) runs 0-3, (20,5) 3-8; at 10: 10-13; at 20 both again.
        let r = try simulate("""
            scheduler sedf
            duration 100ms
            vcpu g period=10ms slice=10ms guest=edf
            task g t1 period=10ms wcet=3ms
            task g t2 period=20ms wcet=5ms
            """).result
        XCTAssertEqual(r.task("g", "t1")?.worstResponseNs, 3_000_000)
        XCTAssertEqual(r.task("g", "t2")?.worstResponseNs, 8_000_000)
        XCTAssertEqual(r.task("g", "t1")?.jobs, 10)
        XCTAssertEqual(r.task("g", "t2")?.completed, 5)
        XCTAssertEqual(r.vcpu("g")?.supplyNs, 55_000_000, "an idle=block guest uses only what its jobs need")
        XCTAssertEqual(r.totalMisses, 0)
    }

    func testRMMissesWhereEDFDoesNot() throws {
        // U = 2/5 + 4/7 = 0.97: EDF-schedulable, not RM-schedulable (at 7 the
        // low-priority job has had 3 of its 4 ms).
        func run(_ policy: String) throws -> SimulationResult {
            try simulate("""
                scheduler sedf
                duration 350ms
                vcpu g period=1ms slice=1ms guest=\(policy)
                task g fast period=5ms wcet=2ms
                task g slow period=7ms wcet=4ms
                """).result
        }
        XCTAssertEqual(try run("edf").totalMisses, 0)
        let rm = try run("rm")
        XCTAssertEqual(rm.task("g", "fast")?.misses, 0)
        XCTAssertGreaterThan(rm.task("g", "slow")?.misses ?? 0, 0)
    }

    func testBlockPatternTakesTheVCPUOff() throws {
        let r = try simulate("""
            scheduler sedf
            duration 100ms
            vcpu hog period=10ms slice=10ms idle=busy
            block hog every=10ms at=2ms for=3ms
            """).result
        XCTAssertEqual(r.vcpu("hog")?.supplyNs, 70_000_000)
        XCTAssertEqual(r.vcpu("hog")?.minSupplyNs, 7_000_000)
    }

    func testCreditHogsShareAndIdleGuestsGetNothing() throws {
        let r = try simulate("""
            scheduler credit
            duration 3s
            vcpu a weight=512 idle=busy
            vcpu b weight=256 idle=busy
            vcpu sleeper idle=block
            """).result
        XCTAssertEqual(r.vcpu("a")?.share ?? 0, 2.0 / 3.0, accuracy: 0.02)
        XCTAssertEqual(r.vcpu("b")?.share ?? 0, 1.0 / 3.0, accuracy: 0.02)
        XCTAssertEqual(r.vcpu("sleeper")?.supplyNs, 0)
    }

    func testSEDFExtratimeHandsOutSlackOnlyToThoseWhoMayHaveIt() throws {
        let r = try simulate("""
            scheduler sedf
            duration 1s
            vcpu capped period=10ms slice=2ms idle=busy
            vcpu greedy period=10ms slice=3ms extratime=yes idle=busy
            """).result
        XCTAssertEqual(r.vcpu("capped")?.supplyNs, 200_000_000, "hard reservation: exactly its slice")
        XCTAssertEqual(r.vcpu("greedy")?.supplyNs, 800_000_000, "its slice plus all the slack")
        XCTAssertEqual(r.vcpu("capped")?.guaranteedNs, 0, "sbf(10 ms) of Γ(10, 2) is 0")
    }

    func testLateJobsKeepRunningAndAreCountedOnce() throws {
        // 6 ms of work every 10 ms in a 5/10 reservation: every job is late,
        // each late job is one miss, and the backlog grows.
        let r = try simulate("""
            scheduler sedf
            duration 100ms
            vcpu g period=10ms slice=5ms
            task g t period=10ms wcet=6ms
            """).result
        let t = try XCTUnwrap(r.task("g", "t"))
        XCTAssertEqual(t.jobs, 10)
        XCTAssertEqual(t.misses, 10)
        XCTAssertEqual(t.completed, 8) // 100 ms * 0.5 = 50 ms of work = 8 jobs and a part
    }

    func testSameScenarioSameResultAndTrace() throws {
        let text = try String(contentsOfFile: ScenarioExamples.path("rm-guest-with-io-blocking.scn"), encoding: .utf8)
        let a = try simulate(text, trace: true)
        let b = try simulate(text, trace: true)
        XCTAssertEqual(a.result, b.result)
        XCTAssertEqual(a.trace, b.trace)
    }

    func testMinimumSupplyMatchesBruteForce() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<200 {
            var record = SupplyRecord()
            var t: UInt64 = 0
            var intervals: [(UInt64, UInt64)] = []
            while t < 200 {
                let start = t + rng.next(in: 0...15), end = start + rng.next(in: 1...15)
                if end > 200 { break }
                record.add(from: Instant(nanoseconds: start), to: Instant(nanoseconds: end))
                intervals.append((start, end))
                t = end
            }
            let w = rng.next(in: 1...60)
            var best = UInt64.max
            for s in 0...(200 - w) {
                let got = intervals.reduce(UInt64(0)) { acc, iv in
                    let a = max(iv.0, s), b = min(iv.1, s + w)
                    return acc + (b > a ? b - a : 0)
                }
                best = min(best, got)
            }
            XCTAssertEqual(record.minimumSupply(inWindowsOf: TimeSpan(nanoseconds: w), horizon: Instant(nanoseconds: 200))?.nanoseconds, best)
        }
    }

    func testSupplyBoundFunction() {
        // Γ(10, 3): nothing for 14, then 3 in [14,17), gap to 24, ...
        let p = TimeSpan(nanoseconds: 10), q = TimeSpan(nanoseconds: 3)
        let values = (0...40).map { SupplyBound.sbf(TimeSpan(nanoseconds: $0), period: p, slice: q).nanoseconds }
        XCTAssertEqual(Array(values[0...14]), Array(repeating: 0, count: 15))
        XCTAssertEqual(Array(values[15...17]), [1, 2, 3])
        XCTAssertEqual(Array(values[18...24]), Array(repeating: 3, count: 7))
        XCTAssertEqual(Array(values[25...27]), [4, 5, 6])
    }
}
