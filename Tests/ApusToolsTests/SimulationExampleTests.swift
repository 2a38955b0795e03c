// The examples the project exists to show (docs/SCHEDULING.md §1 and §2), run from
// the scenario files in Examples/scenarios/.
@testable import ApusTools
import HypervisorCore
import InterfaceAnalysis
import XCTest

final class SimulationExampleTests: XCTestCase {
    /// §2: RT VM (10 ms, 3 ms) plus background work beside a CPU-bound VM,
    /// weight 256 each: credit's 30 ms timeslices starve the RT VM.
    func testCreditMissesDeadlinesOfTheRTGuest() throws {
        let outcome = try ScenarioExamples.run("credit-rt-beside-hog.scn", trace: true)
        let control = try XCTUnwrap(outcome.result.task("rt", "control"))
        XCTAssertEqual(control.jobs, 100)
        XCTAssertGreaterThan(control.misses, 30, "credit misses many deadlines")
        XCTAssertGreaterThanOrEqual(control.worstResponseNs ?? 0, 30_000_000, "a job waits through a whole 30 ms slice of the hog")
        // The RT VM gets its 50 % "how much", just not "when".
        XCTAssertEqual(try XCTUnwrap(outcome.result.vcpu("rt")).share, 0.5, accuracy: 0.02)
        XCTAssertEqual(try XCTUnwrap(outcome.result.vcpu("rt")).minSupplyNs, 0, "some 10 ms window gets nothing")
        // The pattern: 2 or more consecutive misses in every 60 ms once running.
        let misses = outcome.trace!.split(separator: "\n").filter { $0.hasPrefix("miss ") }
            .map { UInt64($0.split(separator: " ")[1])! }
        for window in stride(from: UInt64(60_000_000), to: 960_000_000, by: 60_000_000) {
            let inWindow = misses.filter { $0 >= window && $0 < window + 60_000_000 }.count
            XCTAssertGreaterThanOrEqual(inWindow, 2, "misses in [\(window), +60 ms)")
        }
    }

    /// Partitioned (docs/SMP.md): per-CPU admission lets 1.5 in all in; each CPU is
    /// simulated with its own SEDF, and nothing on CPU 0 delays the RT VCPU on CPU 1.
    func testPartitionedScenarioKeepsTheRTTaskOnItsOwnCPU() throws {
        let result = try ScenarioExamples.run("sedf-partitioned.scn").result
        let control = try XCTUnwrap(result.task("rt", "control"))
        XCTAssertEqual(control.jobs, 100)
        XCTAssertEqual(control.misses, 0)
        XCTAssertEqual(control.worstResponseNs, 3_000_000)
        XCTAssertEqual(try XCTUnwrap(result.vcpu("rt")).share, 1, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(result.vcpu("gp")).share, 0.3, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(result.vcpu("gp2")).share, 0.2, accuracy: 1e-9)
        XCTAssertEqual(result.vcpus.map(\.name), ["rt", "gp", "gp2"])
    }

    /// §2 under SEDF with the interface the analysis computes: zero misses.
    func testSEDFWithTheComputedInterfaceMissesNothing() throws {
        let result = try ScenarioExamples.run("sedf-rt-beside-hog.scn").result
        let control = try XCTUnwrap(result.task("rt", "control"))
        XCTAssertEqual(control.jobs, 100)
        XCTAssertEqual(control.completed, 100)
        XCTAssertEqual(control.misses, 0)
        XCTAssertLessThanOrEqual(control.worstResponseNs ?? .max, 10_000_000)
        XCTAssertEqual(result.totalMisses, 0)
        // And the interface in the file is the analysis's least budget.
        let tasks = [AnalysisTask(period: 10_000_000, execution: 3_000_000)]
        let theta = try InterfaceAnalysis.minimalBudget(for: tasks.span, period: 5_000_000, policy: .edf)
        XCTAssertEqual(theta, 2_666_667)
        // The hog still gets everything else (its reservation plus slack).
        XCTAssertEqual(try XCTUnwrap(result.vcpu("hog")).share + (try XCTUnwrap(result.vcpu("rt")).share), 1, accuracy: 1e-6)
    }

    /// §1: the same guest and interface; CBS wake rule 0 misses, Xen's 50.
    func testWakeRuleDecidesWhetherTheGuaranteeHolds() throws {
        let cbs = try ScenarioExamples.run("wake-rule-cbs.scn").result
        let xen = try ScenarioExamples.run("wake-rule-xen.scn").result
        XCTAssertEqual(cbs.totalMisses, 0)
        XCTAssertEqual(xen.task("rt", "b")?.misses, 50)
        XCTAssertEqual(xen.task("rt", "a")?.misses, 0)
        XCTAssertEqual(cbs.wakeRule, "cbs")
        XCTAssertEqual(xen.wakeRule, "xen")
        // The interface is the analysis's least budget for period 10 ms.
        let tasks = [AnalysisTask(period: 10_000_000, execution: 1_000_000), AnalysisTask(period: 10_000_000, execution: 2_000_000)]
        XCTAssertEqual(try InterfaceAnalysis.minimalBudget(for: tasks.span, period: 10_000_000, policy: .edf), 6_500_000)
    }

    func testRMGuestExampleMeetsItsDeadlines() throws {
        let result = try ScenarioExamples.run("rm-guest-with-io-blocking.scn").result
        XCTAssertEqual(result.totalMisses, 0)
        XCTAssertEqual(result.tasks.map(\.jobs), [400, 200, 50])
    }
}
