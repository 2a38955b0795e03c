import ApusTools
import Foundation
import HypervisorCore
import InterfaceAnalysis
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The pure parts of `make experiment` (docs/EXPERIMENT.md): cyclictest's report, the
/// bound, the reservation and weight, the cell configurations, the results.
final class ExperimentTests: XCTestCase {
    static let console = """
        Apus: scheduler sedf, 4 VMs
        [rt-linux] apus-init: 6.1.0-57-rt-armmp up after 1.80 s
        [gp-linux] apus-init: starting a CPU hog (apus.hog=1)
        [rt-linux] apus-cyclictest: running cyclictest -t1 -p99 -i 1130 -l 1000 -m -q -h 50000 at uptime 6.00 s
        [rt-linux] apus-cyclictest: begin
        [rt-linux] # /dev/cpu_dma_latency set to 0us
        [gp-linux] 000001 000002
        [rt-linux] # Histogram
        [rt-linux] 000000 000000
        [rt-linux] 000011 000010
        [rt-linux] 000012 000985\r
        [rt-linux] 000031 000004
        [rt-linux] 41645 0
        [rt-linux]  000040 000001
        [rt-linux] 000050 000001 
        [rt-linux] # Total: 000000999
        [rt-linux] # Min Latencies: 00011
        [rt-linux] apus-cyclictest: end
        [rt-linux] apus-cyclictest: min=11 avg=12 max=250 samples=999 overflows=1
        [rt-linux] apus-rtio: reads=310 max_us=812 mean_us=95
        [rt] RESULT task=0 period=10000 cost=1500 released=400 completed=400 misses=2 dropped=0 worst_response=6554 mean_response=4371
        [rt] RESULT task=1 period=40000 cost=4000 released=100 completed=100 misses=1 dropped=0 worst_response=6554 mean_response=4371
          longest runnable wait: consoled 900 us, rt 5999 us, rt-linux 612 us, gp-linux 30000 us
        Apus: exit status 6
        """

    /// A loaded cell whose GP load began after cyclictest did measured no load: it fails.
    func testLoadedCellFailsWhenTheLoadStartedAfterCyclictest() throws {
        let cell = try XCTUnwrap(ExperimentCell(name: "sedf_cpu_split"))
        XCTAssertNil(ExperimentRun(cell: cell, console: Self.console, exitStatus: 6, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt").failure)
        let hog = "[gp-linux] apus-init: starting a CPU hog (apus.hog=1)\n"
        let late = Self.console.replacingOccurrences(of: hog, with: "") + "\n" + hog
        let run = ExperimentRun(cell: cell, console: late, exitStatus: 6, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt")
        XCTAssertEqual(run.failure?.hasPrefix("gp-linux's load started after cyclictest began"), true, run.failure ?? "no failure")
        let none = Self.console.replacingOccurrences(of: hog, with: "")
        XCTAssertNotNil(ExperimentRun(cell: cell, console: none, exitStatus: 6, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt").failure)
        // An idle GP Linux starts no load.
        let idle = try XCTUnwrap(ExperimentCell(name: "sedf_idle_split"))
        XCTAssertNil(ExperimentRun(cell: idle, console: none, exitStatus: 6, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt").failure)
    }

    /// A Gantt chart's run gets the template's `trace=on` block with its start time; the others not.
    func testTraceWindowOnlyInTracedCells() throws {
        let cell = try XCTUnwrap(ExperimentCell(name: "sedf_cpu+io_split"))
        let template = "scheduler = \"@SCHEDULER@\";\n/* if trace=on */\ntrace-from = <@TRACE_FROM@>;\n/* end if */"
        let traced = ExperimentConfig.values(for: cell, sedfPeriod: 446, sedfSlice: 230, weightedWeight: 818, traceFrom: 5500)
        XCTAssertEqual(try ExperimentTemplate.instantiate(template, values: traced,
                                                          conditions: ExperimentConfig.conditions(for: cell, traceFrom: 5500)),
                       "scheduler = \"sedf\";\ntrace-from = <5500>;")
        let plain = ExperimentConfig.values(for: cell, sedfPeriod: 446, sedfSlice: 230, weightedWeight: 818)
        XCTAssertEqual(try ExperimentTemplate.instantiate(template, values: plain, conditions: ExperimentConfig.conditions(for: cell)),
                       "scheduler = \"sedf\";")
    }

    func testCyclictestReportReadsTheSummaryAndOnlyItsOwnHistogram() throws {
        let report = try CyclictestReport.parse(console: Self.console, label: "rt-linux")
        XCTAssertEqual([report.minUs, report.avgUs, report.maxUs, report.samples, report.overflows, report.measured], [11, 12, 250, 999, 1, 1000])
        XCTAssertEqual(report.histogram.map(\.bucketUs), [11, 12, 31], "empty buckets dropped; the other VM's line and rows not in cyclictest's format ignored")
        XCTAssertEqual(report.histogram.map(\.count), [10, 985, 4])
        XCTAssertEqual(report.rtio, ["reads": "310", "max_us": "812", "mean_us": "95"])
    }

    func testCyclictestReportWithoutSummaryIsAnError() {
        let cut = Self.console.replacingOccurrences(of: "apus-cyclictest: min=", with: "apus-cyclictest: mi")
        XCTAssertThrowsError(try CyclictestReport.parse(console: cut, label: "rt-linux")) { error in
            XCTAssertTrue("\(error)".contains("did not finish"), "\(error)")
        }
        let bad = Self.console.replacingOccurrences(of: "max=250", with: "max=x")
        XCTAssertThrowsError(try CyclictestReport.parse(console: bad, label: "rt-linux")) { error in
            XCTAssertTrue("\(error)".contains("'max='"), "\(error)")
        }
    }

    /// The bound is the least t with sbf(t) >= demand, checked against the analysis's own sbf.
    func testBoundIsTheInverseOfTheSupplyBound() throws {
        for period in UInt64(1)...12 {
            for budget in UInt64(1)...period {
                let resource = try PeriodicResource(period: period, budget: budget)
                for demand in UInt64(1)...40 {
                    let t = LatencyBound.inverseSupply(demand, period: period, budget: budget)
                    XCTAssertGreaterThanOrEqual(resource.supplyBound(at: t), demand, "Γ(\(period), \(budget)) demand \(demand)")
                    XCTAssertLessThan(resource.supplyBound(at: t - 1), demand, "Γ(\(period), \(budget)) demand \(demand)")
                }
            }
        }
        // Within one budget it is the blackout plus the work: 2(585 - 180) us + 40 us + 2.4 us.
        let bound = LatencyBound(period: 585_000, budget: 180_000, wakeup: 40_000, hypervisor: 2_400)
        XCTAssertEqual(try bound.nanoseconds(), 852_400)
        XCTAssertEqual(try bound.microseconds(), 853)
        XCTAssertThrowsError(try LatencyBound(period: 10, budget: 0, wakeup: 1, hypervisor: 0).nanoseconds())
    }

    func testReservationIsTheCheapestAdmissibleInterface() throws {
        let reservation = try ExperimentReservation.compute(interval: 1130, wakeup: 417, overhead: 20, minimumPeriod: 220, minimumSlice: 200)
        XCTAssertGreaterThanOrEqual(reservation.slice, 200)
        // The analysis's least budget at that period, raised to the minimum slice, schedules the task...
        let least = try XCTUnwrap(InterfaceAnalysis.minimalBudget(for: [AnalysisTask(period: 1130, execution: 417)],
                                                                   period: reservation.period, policy: .edf))
        XCTAssertEqual(reservation.analysedBudget, least)
        XCTAssertEqual(reservation.budget, max(least, 180))
        // ...and no period in the range is cheaper with a slice Apus admits.
        for period in UInt64(220)...1130 {
            guard let budget = try InterfaceAnalysis.minimalBudget(for: [AnalysisTask(period: 1130, execution: 417)], period: period, policy: .edf)
            else { continue }
            let slice = max(budget, 180) + 20
            guard slice <= period else { continue }
            XCTAssertGreaterThanOrEqual(slice * reservation.period, reservation.slice * period, "period \(period) is cheaper")
        }
        // The bound then meets the deadline: the wake-up is done before the next one.
        XCTAssertLessThanOrEqual(try reservation.bound(wakeupNanoseconds: 417_000, hypervisorNanoseconds: 0).microseconds(), 1130)
        // A wake-up that needs more than the minimum keeps the analysis's budget.
        let large = try ExperimentReservation.compute(interval: 1000, wakeup: 700, overhead: 20, minimumPeriod: 220, minimumSlice: 200)
        XCTAssertEqual(large.budget, large.analysedBudget)
        XCTAssertThrowsError(try ExperimentReservation.compute(interval: 1000, wakeup: 1001, overhead: 20, minimumPeriod: 220, minimumSlice: 200))
        XCTAssertThrowsError(try ExperimentReservation.compute(interval: 1000, wakeup: 990, overhead: 20, minimumPeriod: 220, minimumSlice: 200))
    }

    /// A cell of the experiment's own template (Tests/Experiment/cell-template.dts), compiled with dtc:
    /// the other VMs' reservations come from there, as in `make experiment`.
    static func templateCell(_ name: String = "sedf_idle_split", sedf: (UInt64, UInt64) = (1000, 600)) throws -> ExperimentAdmission {
        let cell = try XCTUnwrap(ExperimentCell(name: name))
        let template = try String(contentsOf: CheckRulesTests.repository.appendingPathComponent("Tests/Experiment/cell-template.dts"), encoding: .utf8)
        let values = ExperimentConfig.values(for: cell, sedfPeriod: sedf.0, sedfSlice: sedf.1, weightedWeight: 256)
            .merging(["LOOPS": "10", "INTERVAL": "1130", "NATIVE_START": "1", "NATIVE_DURATION": "1", "RT_START": "0"]) { cell, _ in cell }
        let dts = FileManager.default.temporaryDirectory.appendingPathComponent("apus-cell-\(UUID().uuidString).dts")
        defer { try? FileManager.default.removeItem(at: dts) }
        try Data(ExperimentTemplate.instantiate(template, values: values, conditions: ExperimentConfig.conditions(for: cell)).utf8).write(to: dts)
        return try ExperimentAdmission(blob: ConfigInput.deviceTreeBlob(path: dts.path), rtLabel: "rt-linux",
                                       platform: PlatformKind.vexpressA15.platform(ramSize: 256 << 20))
    }

    /// The template's other VMs reserve 200/2000 + 600/2625 + 500/10000 (37.86 %): Apus's own
    /// validation admits a slice for the RT VM up to the rest and refuses one above it.
    func testAdmissionIsApusOwnRuleBesideTheTemplatesOtherVMs() throws {
        let cell = try Self.templateCell()
        XCTAssertEqual(cell.othersReserved, 0.2 / 2 + 0.6 / 2.625 + 0.5 / 10, accuracy: 1e-9)
        XCTAssertEqual(cell.otherWeights, [256, 256, 256], "the other VMs' credit weights, from the cell")
        // 1 - 0.378571 = 0.621429: 621 of 1000 fits, 622 does not (exact arithmetic, no rounding).
        XCTAssertTrue(cell.admits(period: 1000, slice: 621))
        XCTAssertEqual(cell.refusal(period: 1000, slice: 622), .overloaded)
        // Below the scheduling minimum, refused as apus check refuses it.
        XCTAssertEqual(cell.refusal(period: 1000, slice: 150), .sliceBelowMinimum(slice: 150, minimum: 200))
        XCTAssertEqual(cell.refusal(period: 210, slice: 200), .periodBelowMinimum(period: 210, minimum: 220))
        XCTAssertThrowsError(try ExperimentAdmission(blob: [0, 1, 2], rtLabel: "rt-linux", platform: PlatformKind.vexpressA15.platform(ramSize: 256 << 20)))
    }

    /// The reservation considers only slices the cell admits; with no room it says what was needed.
    func testReservationFitsBesideTheOtherVMsOrSaysWhatItNeeded() throws {
        let cell = try Self.templateCell()
        let free = try ExperimentReservation.compute(interval: 1130, wakeup: 423, overhead: 20, minimumPeriod: 220, minimumSlice: 200)
        let admitted = try ExperimentReservation.compute(interval: 1130, wakeup: 423, overhead: 20, minimumPeriod: 220, minimumSlice: 200, admission: cell)
        XCTAssertEqual(admitted, free, "a small wake-up's cheapest interface fits (51.9 % against 62.1 % left)")
        XCTAssertTrue(cell.admits(period: admitted.period, slice: admitted.slice))
        // 690 us every 1130 us: the cheapest interface takes more than the 62.1 % the other VMs leave.
        let large = try ExperimentReservation.compute(interval: 1130, wakeup: 690, overhead: 20, minimumPeriod: 220, minimumSlice: 200)
        XCTAssertFalse(cell.admits(period: large.period, slice: large.slice))
        XCTAssertThrowsError(try ExperimentReservation.compute(interval: 1130, wakeup: 690, overhead: 20, minimumPeriod: 220,
                                                               minimumSlice: 200, admission: cell)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("wake-up of 690 us every 1130 us"), text)
            XCTAssertTrue(text.contains("they reserve 37.9 % of the CPU, leaving 62.1 %"), text)
            XCTAssertTrue(text.contains("Γ(\(large.period) us, \(large.budget) us), a slice of \(large.slice) us"), text)
            XCTAssertTrue(text.contains("overloaded") || text.contains("exceed"), text)
        }
        // Admission bounds slice/period, so the cheapest interface is chosen when it fits and
        // nothing fits when it does not: from 423 to 690 us, every wake-up is one or the other.
        var fits = 0, refused = 0
        for wakeup in stride(from: UInt64(423), through: 690, by: 3) {
            let cheapest = try ExperimentReservation.compute(interval: 1130, wakeup: wakeup, overhead: 20, minimumPeriod: 220, minimumSlice: 200)
            do {
                let fitting = try ExperimentReservation.compute(interval: 1130, wakeup: wakeup, overhead: 20, minimumPeriod: 220,
                                                                minimumSlice: 200, admission: cell)
                XCTAssertEqual(fitting, cheapest, "wake-up \(wakeup)")
                XCTAssertTrue(cell.admits(period: fitting.period, slice: fitting.slice), "wake-up \(wakeup)")
                fits += 1
            } catch {
                XCTAssertEqual(error, .notAdmitted("\(error)"), "wake-up \(wakeup)")
                XCTAssertFalse(cell.admits(period: cheapest.period, slice: cheapest.slice), "wake-up \(wakeup)")
                refused += 1
            }
        }
        XCTAssertTrue(fits > 0 && refused > 0, "\(fits) fit, \(refused) refused")
    }

    func testCreditWeightBuysTheReservedShare() throws {
        let weight = try XCTUnwrap(CreditWeight.matching(slice: 200, period: 585, otherWeights: [256, 256, 256]))
        XCTAssertEqual(weight, 399)  // 200 * 768 / 385 = 398.96
        XCTAssertEqual(Double(weight) / Double(weight + 768), 200.0 / 585.0, accuracy: 0.001)
        XCTAssertEqual(CreditWeight.matching(slice: 1, period: 2, otherWeights: [256]), 256)
        XCTAssertNil(CreditWeight.matching(slice: 5, period: 5, otherWeights: [256]))
    }

    func testCellsAreTheWholeMatrixAndNamesRoundTrip() {
        XCTAssertEqual(ExperimentCell.matrix.count, 18)
        XCTAssertEqual(Set(ExperimentCell.matrix).count, 18)
        for cell in ExperimentCell.matrix { XCTAssertEqual(ExperimentCell(name: cell.name), cell) }
        XCTAssertEqual(ExperimentCell.matrix[5].name, "sedf_cpu+io_split")
        XCTAssertNil(ExperimentCell(name: "sedf_cpu"))
        XCTAssertNil(ExperimentCell(name: "rtds_cpu_split"))
        XCTAssertFalse(ExperimentCell.matrix.contains { $0.smp }, "the matrix is the one-CPU cells")
    }

    /// The SMP cell: `_smp` after a cell's name, two CPUs, the template's `cpus=2` block, no bound.
    func testTheSMPCellPutsTheRTLinuxOnCPU1AndHasNoBound() throws {
        let cell = try XCTUnwrap(ExperimentCell(name: "sedf_cpu+io_passthrough_smp"))
        XCTAssertEqual(cell, ExperimentCell(scheduler: .sedf, gpLoad: .cpuIO, rtIO: .passthrough, smp: true))
        XCTAssertEqual(ExperimentCell(name: cell.name), cell)
        XCTAssertEqual(cell.cpus, 2)
        XCTAssertNil(ExperimentCell(name: "sedf_cpu+io_passthrough_two"))
        XCTAssertNil(ExperimentCell(name: "sedf_cpu_split_smp_smp"))
        let template = "label = \"rt-linux\";\n/* if cpus=2 */\ncpu = <1>;\n/* end if */\nsedf = <@RT_SEDF@>;"
        let values = ExperimentConfig.values(for: cell, sedfPeriod: 446, sedfSlice: 230, weightedWeight: 818)
        XCTAssertEqual(try ExperimentTemplate.instantiate(template, values: values, conditions: ExperimentConfig.conditions(for: cell)),
                       "label = \"rt-linux\";\ncpu = <1>;\nsedf = <446 230 1>;")
        let one = ExperimentCell(scheduler: .sedf, gpLoad: .cpuIO, rtIO: .passthrough)
        XCTAssertEqual(try ExperimentTemplate.instantiate(template, values: values, conditions: ExperimentConfig.conditions(for: one)),
                       "label = \"rt-linux\";\nsedf = <446 230 1>;")

        let results = ExperimentResults(runs: [
            ExperimentRun(cell: one, console: Self.console, exitStatus: 0, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt"),
            ExperimentRun(cell: cell, console: Self.console, exitStatus: 0, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt"),
        ], bounds: [.passthrough: 900])
        let objects = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(results.json().utf8)) as? [[String: Any]])
        XCTAssertEqual(objects.map { $0["smp"] as? Bool }, [false, true])
        XCTAssertEqual(objects.map { $0["cpus"] as? Int }, [1, 2])
        XCTAssertEqual(objects[0]["bound_us"] as? Int, 900)
        XCTAssertTrue(objects[1]["bound_us"] is NSNull, "no bound on two CPUs under -icount")
        XCTAssertEqual(objects[1]["cyclictest_max_us"] as? Int, 250)
        XCTAssertEqual(objects[1]["native_rt_misses"] as? Int, 3)
        XCTAssertTrue(results.table().contains(" 2 (smp) "), results.table())
    }

    func testTemplateKeepsTheCellsBlocksAndFillsEveryValue() throws {
        let template = """
            scheduler = "@SCHEDULER@";
            sedf = <@RT_SEDF@>; credit = <@RT_WEIGHT@ 0>;
                /* if rt_io=passthrough */
            device@1c130400 { compatible = "virtio,mmio"; };
                /* end if */
            /* if rt_io=split */
            disk = <2048 8192>;
            /* end if */
            bootargs = "@GP_LOAD@ apus.cyclictest=@LOOPS@";
            """
        let cell = try XCTUnwrap(ExperimentCell(name: "credit-weighted_cpu+io_split"))
        var values = ExperimentConfig.values(for: cell, sedfPeriod: 585, sedfSlice: 200, weightedWeight: 399)
        values["LOOPS"] = "500"
        let text = try ExperimentTemplate.instantiate(template, values: values, conditions: ExperimentConfig.conditions(for: cell))
        XCTAssertEqual(text, """
            scheduler = "credit";
            sedf = <585 200 1>; credit = <399 0>;
            disk = <2048 8192>;
            bootargs = "apus.hog=1 apus.diskload=1 apus.cyclictest=500";
            """)
        let equal = try XCTUnwrap(ExperimentCell(name: "credit-equal_idle_passthrough"))
        let other = try ExperimentTemplate.instantiate(template, values: ExperimentConfig.values(for: equal, sedfPeriod: 585, sedfSlice: 200, weightedWeight: 399).merging(["LOOPS": "1"]) { a, _ in a },
                                                       conditions: ExperimentConfig.conditions(for: equal))
        XCTAssertTrue(other.contains("credit = <256 0>") && other.contains("virtio,mmio") && !other.contains("disk ="), other)

        XCTAssertThrowsError(try ExperimentTemplate.instantiate(template, values: values.filter { $0.key != "LOOPS" },
                                                                conditions: ExperimentConfig.conditions(for: cell))) { error in
            XCTAssertEqual(error as? ExperimentTemplate.Problem, ExperimentTemplate.Problem(line: 4, reason: "no value for @LOOPS@ (output line)"))
        }
        XCTAssertThrowsError(try ExperimentTemplate.instantiate("/* if rt_io=split */\nx", values: [:], conditions: ["rt_io": "split"])) { error in
            XCTAssertEqual((error as? ExperimentTemplate.Problem)?.line, 1)
        }
        XCTAssertThrowsError(try ExperimentTemplate.instantiate("/* if disk=split */\n/* end if */", values: [:], conditions: ["rt_io": "split"]))
    }

    func testRunReadsTheNativeGuestAndTheHypervisorAndJudgesItsEnd() throws {
        let cell = try XCTUnwrap(ExperimentCell(name: "sedf_cpu_split"))
        let run = ExperimentRun(cell: cell, console: Self.console, exitStatus: 6, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt")
        XCTAssertNil(run.failure)
        XCTAssertEqual(run.nativeJobs, 500)
        XCTAssertEqual(run.nativeMisses, 3)
        XCTAssertEqual(run.rtLongestWaitUs, 612)

        XCTAssertEqual(ExperimentRun(cell: cell, console: Self.console, exitStatus: 6, loops: 2000, rtLabel: "rt-linux", nativeLabel: "rt").failure,
                       "cyclictest measured 1000 wake-ups (999 + 1 overflows), not 2000")
        let hung = ExperimentRun(cell: cell, console: "[rt-linux] apus-init: up\n", exitStatus: 124, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt")
        XCTAssertTrue(hung.failure?.hasPrefix("not finished within the runner's timeout") == true, hung.failure ?? "")
        XCTAssertNil(hung.cyclictest)
        XCTAssertNotNil(ExperimentRun(cell: cell, console: Self.console, exitStatus: 1, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt").failure)

        // A Linux VM's oops fails the cell, whatever else the console says; another VM's line does not.
        let oops = "[rt] BUG: not a Linux line\n[rt-linux] 000828 000001[   11.120386] BUG: FP instruction issued in kernel mode with FP unit disabled\n"
        let oopsed = ExperimentRun(cell: cell, console: oops + Self.console, exitStatus: ExperimentRun.oopsStatus, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt")
        XCTAssertEqual(oopsed.failure, "a Linux VM oopsed: [rt-linux] 000828 000001[   11.120386] BUG: FP instruction issued in kernel mode with FP unit disabled")
        XCTAssertNil(ExperimentRun(cell: cell, console: "[rt] BUG: x\n" + Self.console, exitStatus: 6, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt").failure)
    }

    func testResultsJSONHasTheIssuesFieldsForEveryCellAndAFailedCellSaysSo() throws {
        let sedf = try XCTUnwrap(ExperimentCell(name: "sedf_cpu_split"))
        let credit = try XCTUnwrap(ExperimentCell(name: "credit-equal_cpu_split"))
        let results = ExperimentResults(runs: [
            ExperimentRun(cell: sedf, console: Self.console, exitStatus: 0, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt"),
            ExperimentRun(cell: credit, console: "", exitStatus: 124, loops: 1000, rtLabel: "rt-linux", nativeLabel: "rt"),
        ], bounds: [.split: 240, .passthrough: 900])
        let objects = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(results.json().utf8)) as? [[String: Any]])
        XCTAssertEqual(objects.count, 2)
        for key in ["scheduler", "gp_load", "rt_io", "cyclictest_min_us", "cyclictest_avg_us", "cyclictest_max_us", "bound_us", "samples"] {
            XCTAssertTrue(objects.allSatisfy { $0.keys.contains(key) }, key)
        }
        XCTAssertEqual(objects[0]["scheduler"] as? String, "sedf")
        XCTAssertEqual(objects[0]["cyclictest_max_us"] as? Int, 250)
        XCTAssertEqual(objects[0]["bound_us"] as? Int, 240, "the split path's bound")
        XCTAssertEqual(objects[0]["within_bound"] as? Bool, false)
        XCTAssertEqual(objects[1]["status"] as? String, "failed")
        XCTAssertTrue(objects[1]["bound_us"] is NSNull, "no bound for credit")
        XCTAssertTrue(objects[1]["cyclictest_max_us"] is NSNull)
        let table = results.table()
        XCTAssertTrue(table.contains("failed: not finished within the runner's timeout"), table)
        XCTAssertTrue(table.contains(" NO "), table)
    }

    func testHistogramChartIsWellFormedWithBarsMaxAndBound() throws {
        let report = try CyclictestReport.parse(console: Self.console, label: "rt-linux")
        let svg = LatencyHistogramChart.render(report, title: "cyclictest latency, sedf_cpu_split <&>", boundUs: 240)
        let summary = try SVGSummary(svg)
        XCTAssertEqual(summary.root, "svg")
        XCTAssertEqual(summary.count(class: "bar"), 3)
        XCTAssertEqual(summary.texts(class: "max"), ["max 250"])
        XCTAssertEqual(summary.texts(class: "bound"), ["bound 240"])
        XCTAssertTrue(summary.texts(class: "caption").first?.contains("1 beyond the histogram") == true)
        let credit = try SVGSummary(LatencyHistogramChart.render(report, title: "credit", boundUs: nil))
        XCTAssertEqual(credit.count(class: "bound"), 0)
    }

    func testCalibrationReadsTheWakeupAndTheHypervisorsOwnCosts() throws {
        let log = Self.console + """

            BENCH hypervisor trap-handling n=4591 min=119 mean=5224 max=21612
            BENCH hypervisor decide n=3068 min=375 mean=491 max=874
            BENCH hypervisor vcpu-switch n=1020 min=375 mean=375 max=375
            """
        // Linux's steal time over cyclictest's run judges it (the hypervisor's 612 us is the whole run's, reported).
        let quiet = log + "\n[rt-linux] apus-cyclictest: cpu busy=377 idle=73 steal=2 (1/100 s) until uptime 13.74 s"
        XCTAssertEqual(try Calibration.read(console: quiet, rtLabel: "rt-linux"),
                       Calibration(wakeupUs: 250, hypervisorNs: 874 + 375, steal: 2, window: 452, rtLongestWaitUs: 612))
        // A VM that waited for the others (here 9.2 % of the run: the flat histogram of a calibration
        // beside a booting GP Linux) is refused, saying how long and why.
        let delayed = log + "\n[rt-linux] apus-cyclictest: cpu busy=215 idle=208 steal=43 (1/100 s) until uptime 6.88 s"
        XCTAssertThrowsError(try Calibration.read(console: delayed, rtLabel: "rt-linux")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("rt-linux waited for the CPU 430 ms of cyclictest's 4660 ms"), text)
            XCTAssertTrue(text.contains("more than 2 %"), text)
            XCTAssertTrue(text.contains("cyclictest's max (250 us)"), text)
        }
        XCTAssertEqual(try Calibration.read(console: delayed, rtLabel: "rt-linux", mostStealPercent: 10).steal, 43)
        XCTAssertThrowsError(try Calibration.read(console: log, rtLabel: "rt-linux"), "no cpu line")
        let noReport = quiet.replacingOccurrences(of: "longest runnable wait", with: "longest wait")
        XCTAssertThrowsError(try Calibration.read(console: noReport, rtLabel: "rt-linux"))
        XCTAssertThrowsError(try Calibration.read(console: Self.console, rtLabel: "rt-linux"))
        let failed = "[rt-linux] apus-cyclictest: failed: cyclictest exited with status 1\n" + log
        XCTAssertThrowsError(try Calibration.read(console: failed, rtLabel: "rt-linux")) { error in
            XCTAssertTrue("\(error)".contains("cyclictest failed: cyclictest exited with status 1"), "\(error)")
        }
    }
}
