// The minimal budget against the schedule it was computed for: the task set run
// on the worst-case supply of Γ(Π, Θ) meets every deadline over the hyperperiod,
// and on Γ(Π, Θ - 1) some job misses.
import ApusTools
import HypervisorCore
import InterfaceAnalysis
import TestSupport
import XCTest

final class InterfaceSupplySimulationTests: XCTestCase {
    /// {(10,2),(20,5)}, EDF, Γ(10,7): supply [6,13), [16,23), [26,33), [36,43).
    /// Jobs: (10,2) due 10 runs 6-8; (20,5) due 20 runs 8-13; (10,2) due 20 runs 16-18;
    /// (10,2) due 30 runs 26-28; (20,5) due 40 runs 28-33; (10,2) due 40 runs 36-38. All met.
    /// Γ(10,6): supply [8,14), [18,24), ...: by 20 only 8 units arrive for dbf(20) = 9.
    func testHandWorkedSchedule() throws {
        let tasks = [AnalysisTask(period: 10, execution: 2), AnalysisTask(period: 20, execution: 5)]
        XCTAssertEqual(WorstCaseSupplySimulation.misses(tasks, on: try PeriodicResource(period: 10, budget: 7), policy: .edf, horizon: 40), [])
        let misses = WorstCaseSupplySimulation.misses(tasks, on: try PeriodicResource(period: 10, budget: 6), policy: .edf, horizon: 40)
        XCTAssertEqual(misses.first, SupplySimulationMiss(task: 1, release: 0, deadline: 20, remaining: 1))
    }

    func testRMOrderAndTies() throws {
        // Whole CPU, (10,3) before (10,4): the first runs 0-3, the second 3-7; both met.
        let tasks = [AnalysisTask(period: 10, execution: 3), AnalysisTask(period: 10, execution: 4)]
        XCTAssertEqual(WorstCaseSupplySimulation.misses(tasks, on: try PeriodicResource(period: 1, budget: 1), policy: .rm, horizon: 10), [])
        // {(4,2),(6,3)} under RM on a whole CPU: the (6,3) job gets 0 by 4... and misses at 6.
        let full = [AnalysisTask(period: 4, execution: 2), AnalysisTask(period: 6, execution: 3)]
        XCTAssertEqual(WorstCaseSupplySimulation.misses(full, on: try PeriodicResource(period: 1, budget: 1), policy: .rm, horizon: 12).first,
                       SupplySimulationMiss(task: 1, release: 0, deadline: 6, remaining: 1))
        // Under EDF it fits exactly (utilization 1).
        XCTAssertEqual(WorstCaseSupplySimulation.misses(full, on: try PeriodicResource(period: 1, budget: 1), policy: .edf, horizon: 12), [])
    }

    func testNoSupplyMissesEverything() throws {
        let tasks = [AnalysisTask(period: 5, execution: 1)]
        XCTAssertEqual(WorstCaseSupplySimulation.misses(tasks, on: try PeriodicResource(period: 5, budget: 0), policy: .edf, horizon: 15).count, 3)
    }

    /// The property of the issue: Θ meets every deadline over the hyperperiod on the
    /// worst-case supply, Θ - 1 misses one. Seeded random sets, both policies.
    func testMinimalBudgetIsTightOnTheWorstCaseSupply() throws {
        var random = SplitMix64(seed: 0xC0FFEE)
        var tight = 0
        for _ in 0..<400 {
            let count = random.next(in: 1...4)
            let tasks = (0..<count).map { _ -> AnalysisTask in
                let period = random.next(in: 2...24)
                return AnalysisTask(period: period, execution: random.next(in: 1...max(1, period * 2 / (count + 1))))
            }
            let period = random.next(in: 1...24)
            let hyperperiod = tasks.reduce(1) { lcm($0, $1.period) }
            guard hyperperiod <= 100_000 else { continue }
            for policy in [GuestPolicy.edf, .rm] {
                guard let budget = try InterfaceAnalysis.minimalBudget(for: tasks, period: period, policy: policy) else { continue }
                let enough = try PeriodicResource(period: period, budget: budget)
                XCTAssertEqual(WorstCaseSupplySimulation.misses(tasks, on: enough, policy: policy, horizon: hyperperiod), [],
                               "\(tasks) \(enough) \(policy)")
                guard budget > 0 else { continue }
                let short = try PeriodicResource(period: period, budget: budget - 1)
                XCTAssertFalse(WorstCaseSupplySimulation.misses(tasks, on: short, policy: policy, horizon: hyperperiod).isEmpty,
                               "\(tasks) \(short) \(policy)")
                tight += 1
            }
        }
        XCTAssertGreaterThan(tight, 200)
    }

    private func lcm(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return a / x * b
    }
}

