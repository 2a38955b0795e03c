import ApusTools
import Foundation
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
        XCTAssertEqual(try Calibration.read(console: log, rtLabel: "rt-linux"), Calibration(wakeupUs: 250, hypervisorNs: 874 + 375))
        XCTAssertThrowsError(try Calibration.read(console: Self.console, rtLabel: "rt-linux"))
        let failed = "[rt-linux] apus-cyclictest: failed: cyclictest exited with status 1\n" + log
        XCTAssertThrowsError(try Calibration.read(console: failed, rtLabel: "rt-linux")) { error in
            XCTAssertTrue("\(error)".contains("cyclictest failed: cyclictest exited with status 1"), "\(error)")
        }
    }
}
