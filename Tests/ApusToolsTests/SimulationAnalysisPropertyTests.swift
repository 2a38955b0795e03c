// The compositional guarantee, end to end: when the analysis (HypervisorCore
// /Analysis) says a task set is schedulable on Γ(Π, Θ), the simulator running
// it in a VCPU with SEDF (period Π, slice Θ) beside a CPU hog that takes all
// the rest of the CPU and wins every deadline tie, misses no deadline. Over
// seeded random task sets, EDF and RM guests, idle guests that block (so the
// wake rule is exercised) or busy ones, random release offsets.
@testable import ApusTools
import HypervisorCore
import InterfaceAnalysis
import TestSupport
import XCTest

final class SimulationAnalysisPropertyTests: XCTestCase {
    func testAnalysisSchedulableMeansNoMissesUnderSEDF() throws {
        var rng = SplitMix64(seed: 0xA9A1)
        let periodsMs: [UInt64] = [4, 5, 8, 10, 16, 20, 25, 40, 50]
        var checked = 0
        for round in 0..<60 {
            let n = Int(rng.next(in: 1...4))
            var tasks: [ScenarioTask] = []
            var analysis: [AnalysisTask] = []
            for i in 0..<n {
                let period = periodsMs[Int(rng.next(in: 0...UInt64(periodsMs.count - 1)))] * 1_000_000
                // Up to ~1/(n+1) of the CPU each, in 10 us steps.
                let wcet = rng.next(in: 1...(period / UInt64(n + 1) / 10_000)) * 10_000
                let offset = rng.next(in: 0...(period / 100_000)) * 100_000
                tasks.append(ScenarioTask(name: "t\(i)", period: TimeSpan(nanoseconds: period),
                                          wcet: TimeSpan(nanoseconds: wcet), offset: TimeSpan(nanoseconds: offset)))
                analysis.append(AnalysisTask(period: period, execution: wcet))
            }
            let policy: GuestPolicy = rng.next() % 2 == 0 ? .edf : .rm
            let shortest = tasks.map(\.period.nanoseconds).min()!
            // Resource periods from a quarter to the whole shortest task period.
            let resourcePeriod = shortest / rng.next(in: 1...4)
            guard let theta = try InterfaceAnalysis.minimalBudget(for: analysis.span, period: resourcePeriod, policy: policy),
                  theta > 0, theta < resourcePeriod
            else { continue }
            let idle: IdleBehaviour = rng.next() % 2 == 0 ? .block : .busy
            let scenario = Scenario(
                scheduler: .sedf(wakeRule: .constantBandwidth, slackQuantum: .microseconds(500)),
                duration: .milliseconds(1000),
                vcpus: [
                    // Declared first: VCPU 0 wins deadline ties against the guest.
                    ScenarioVCPU(name: "hog", sedf: SEDFParameters(period: TimeSpan(nanoseconds: resourcePeriod),
                                                                   slice: TimeSpan(nanoseconds: resourcePeriod - theta)),
                                 whenIdle: .busy),
                    ScenarioVCPU(name: "rt", sedf: SEDFParameters(period: TimeSpan(nanoseconds: resourcePeriod),
                                                                  slice: TimeSpan(nanoseconds: theta)),
                                 guest: policy == .edf ? .edf : .rm, whenIdle: idle, tasks: tasks),
                ])
            let result = try Simulator.run(scenario, name: "round \(round)").result
            // The same run with a slice 10 % below the task set's utilization
            // must miss: the check can fail, so passing it means something.
            let demand = analysis.reduce(0.0) { $0 + Double($1.execution) / Double($1.period) }
            let starved = UInt64(Double(resourcePeriod) * demand * 0.9)
            if starved > 0 {
                var short = scenario
                short.vcpus[1].sedf?.slice = TimeSpan(nanoseconds: starved)
                short.vcpus[1].whenIdle = .busy
                XCTAssertGreaterThan(try Simulator.run(short, name: "starved \(round)").result.totalMisses, 0, "round \(round) starved")
            }
            XCTAssertEqual(result.totalMisses, 0,
                           "round \(round): \(policy) tasks \(analysis.map { ($0.period, $0.execution) }) offsets \(tasks.map(\.offset.nanoseconds)) on Γ(\(resourcePeriod), \(theta)), idle \(idle)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 30, "enough schedulable sets were drawn")
    }
}
