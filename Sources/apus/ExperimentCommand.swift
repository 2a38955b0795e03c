import ApusTools
import ArgumentParser
import Foundation
import HypervisorCore

// `apus experiment ...`: the pure parts of `make experiment` (docs/EXPERIMENT.md), which
// Tests/Experiment/run-matrix.sh calls: the RT VM's reservation and the bound, one cell's
// configuration from the template, and the report (table, results.json, histograms)
// from the runs' console logs. Bad input: one line on stderr, exit status 2.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "The paper's experiment on Linux guests: reservation, bound, cell configurations, report.",
        subcommands: [Reservation.self, Cell.self, Report.self])

    /// `key=value` lines for the runner script.
    struct Reservation: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The RT VM's SEDF reservation, credit weight and latency bounds from the calibration runs.",
            discussion: """
                Reads each calibration run's console log (PATH=LOG, PATH passthrough or split): its cyclictest
                max is the wake-up's CPU, its hypervisor's decide and vcpu-switch maxima what a loaded system
                adds. A run in which the RT VM waited for the CPU during cyclictest (Linux's steal time above
                --most-steal percent of cyclictest's run) is refused: its max may be that wait. One reservation serves the
                largest wake-up plus that (wakeup_us, whole us), with the cheapest slice Apus admits beside
                the other VMs of --cell (a configuration written from the template, e.g. the calibration
                cell: the scheduling minimum and the admission test of `apus check`); each path's bound uses
                its own numbers.
                Prints key=value lines (times in us unless named _ns): period, budget, analysed_budget,
                overhead, slice, weight, and per path wakeup_us_PATH, hypervisor_ns_PATH, steal_PATH (Linux's
                steal time / cyclictest's run, in 1/100 s), rt_wait_us_PATH (the hypervisor's longest runnable
                wait of the RT VM, whole run), bound_us_PATH.
                """)

        @Option(help: "cyclictest's interval (us): the task's period and deadline.") var interval: UInt64
        @Option(name: .customLong("calibration"), help: "A calibration run's console log, PATH=LOG (repeatable).")
        var calibrations: [String]
        @Option(help: "A cell's configuration (.dts or .dtb) whose other VMs the reservation must fit beside.")
        var cell: String
        @Option(name: .customLong("ram-mb"), help: "RAM of the machine in MiB (as apus check).") var ramMiB = 256
        @Option(name: .customLong("most-steal"), help: "The most a calibration's RT VM may wait for the CPU during cyclictest (% of its run).")
        var mostSteal: UInt64 = Calibration.mostStealPercent
        @Option(name: .customLong("rt-label")) var rtLabel = "rt-linux"

        func run() throws {
            let admission: ExperimentAdmission
            do {
                admission = try ExperimentAdmission(blob: try ConfigInput.deviceTreeBlob(path: cell), rtLabel: rtLabel,
                                                    platform: PlatformKind.vexpressA15.platform(ramSize: UInt64(ramMiB) << 20))
            } catch let problem as ExperimentAdmission.Problem {
                fail("\(cell): \(problem)")
            } catch let problem as ConfigInputError {
                fail("\(cell): \(problem.message)")
            }
            var measured: [(path: ExperimentRTIO, calibration: Calibration)] = []
            for entry in calibrations {
                guard let equals = entry.firstIndex(of: "="), let path = ExperimentRTIO(rawValue: String(entry[..<equals])) else {
                    fail("--calibration: expected passthrough=LOG or split=LOG, found '\(entry)'")
                }
                let log = String(entry[entry.index(after: equals)...])
                guard let console = try? String(contentsOfFile: log, encoding: .utf8) else { fail("\(log): cannot read it") }
                do {
                    measured.append((path, try Calibration.read(console: console, rtLabel: rtLabel, mostStealPercent: mostSteal)))
                } catch {
                    fail("\(log): \(error)")
                }
            }
            // The task the analysis serves: the wake-up and what a loaded hypervisor adds, in whole us.
            guard let largest = measured.map({ $0.calibration.wakeupUs + ($0.calibration.hypervisorNs + 999) / 1000 }).max()
            else { fail("no --calibration given") }
            let minimum = SchedulingMinimum.measured
            let reservation: ExperimentReservation
            do {
                reservation = try ExperimentReservation.compute(
                    interval: interval, wakeup: largest, overhead: SchedulingMinimum.overheadPerPeriod.nanoseconds / 1000,
                    minimumPeriod: minimum.period.nanoseconds / 1000, minimumSlice: minimum.slice.nanoseconds / 1000, admission: admission)
            } catch {
                fail("\(cell): \(error.description)")
            }
            guard let weight = CreditWeight.matching(slice: reservation.slice, period: reservation.period,
                                                     otherWeights: admission.otherWeights) else {
                fail("no credit weight gives a share of \(reservation.slice)/\(reservation.period)")
            }
            var lines = ["period=\(reservation.period)", "budget=\(reservation.budget)",
                         "analysed_budget=\(reservation.analysedBudget)", "overhead=\(reservation.overhead)",
                         "slice=\(reservation.slice)", "weight=\(weight)", "wakeup_us=\(largest)"]
            for (path, calibration) in measured {
                let bound = reservation.bound(wakeupNanoseconds: calibration.wakeupUs * 1000, hypervisorNanoseconds: calibration.hypervisorNs)
                guard let boundUs = try? bound.microseconds() else { fail("the bound is undefined for a zero budget") }
                lines += ["wakeup_us_\(path.rawValue)=\(calibration.wakeupUs)", "hypervisor_ns_\(path.rawValue)=\(calibration.hypervisorNs)",
                          "steal_\(path.rawValue)=\(calibration.steal)/\(calibration.window)",
                          "rt_wait_us_\(path.rawValue)=\(calibration.rtLongestWaitUs)", "bound_us_\(path.rawValue)=\(boundUs)"]
            }
            print(lines.joined(separator: "\n"))
        }
    }

    struct Cell: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one cell's configuration from the template.",
            discussion: "NAME is scheduler_gp-load_rt-io, e.g. sedf_cpu+io_split, and _smp after it for the cell on two CPUs (the RT Linux alone on CPU 1).")

        @Argument(help: "The cell.") var name: String
        @Option(help: "The template (Tests/Experiment/cell-template.dts).") var template: String
        @Option(help: "The RT VM's SEDF reservation, PERIOD:SLICE in us.") var sedf: String
        @Option(help: "The RT VM's credit weight in credit-weighted cells.") var weight: UInt64
        @Option(name: .customLong("set"), help: "More template values, NAME=VALUE (repeatable).") var values: [String] = []
        @Option(name: .customLong("trace-from"),
                help: "For TRACE=1 builds: the trace ring keeps its first records from MS ms after boot (the template's trace=on block).")
        var traceFrom: UInt32?
        @Option(name: .shortAndLong, help: "Where to write the configuration.") var output: String

        func run() throws {
            guard let cell = ExperimentCell(name: name) else {
                fail("'\(name)' is not a cell: scheduler (\(ExperimentScheduler.allCases.map(\.rawValue).joined(separator: "|")))_gp-load (\(ExperimentGPLoad.allCases.map(\.rawValue).joined(separator: "|")))_rt-io (\(ExperimentRTIO.allCases.map(\.rawValue).joined(separator: "|")))[_smp]")
            }
            let parts = sedf.split(separator: ":")
            guard parts.count == 2, let period = UInt64(parts[0]), let slice = UInt64(parts[1]) else {
                fail("--sedf: expected PERIOD:SLICE in us, found '\(sedf)'")
            }
            var table: [String: String] = [:]
            for value in values {
                guard let equals = value.firstIndex(of: "="), equals != value.startIndex else { fail("--set: expected NAME=VALUE, found '\(value)'") }
                table[String(value[..<equals])] = String(value[value.index(after: equals)...])
            }
            table.merge(ExperimentConfig.values(for: cell, sedfPeriod: period, sedfSlice: slice, weightedWeight: weight,
                                                traceFrom: traceFrom)) { _, cell in cell }
            guard let text = try? String(contentsOfFile: template, encoding: .utf8) else { fail("\(template): cannot read it") }
            do {
                let config = try ExperimentTemplate.instantiate(text, values: table, conditions: ExperimentConfig.conditions(for: cell, traceFrom: traceFrom))
                try Data(config.utf8).write(to: URL(fileURLWithPath: output))
            } catch let problem as ExperimentTemplate.Problem {
                fail("\(template): \(problem)")
            } catch {
                fail("\(output): cannot write it (\(error.localizedDescription))")
            }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every cell's run and print the table; write results.json and the histograms.",
            discussion: "RUNS holds <cell>.log (the console) and <cell>.status (QEMU's exit status) per cell.")

        @Argument(help: "The folder of the runs.") var runs: String
        @Option(help: "The samples cyclictest must report.") var loops: Int
        @Option(name: .customLong("bound"), help: "The SEDF bound per I/O path, PATH=US (repeatable).") var bounds: [String] = []
        @Option(name: .customLong("rt-label")) var rtLabel = "rt-linux"
        @Option(name: .customLong("native-label")) var nativeLabel = "rt"
        @Option(help: "Where to write results.json.") var json: String
        @Option(name: .customLong("svg-dir"), help: "Where to write <cell>.svg histograms.") var svgDirectory: String
        @Option(help: "Only these cells (comma-separated, e.g. with sedf_cpu+io_passthrough_smp; default all 18).") var cells: String?

        func run() throws {
            var boundTable: [ExperimentRTIO: UInt64] = [:]
            for entry in bounds {
                let parts = entry.split(separator: "=")
                guard parts.count == 2, let path = ExperimentRTIO(rawValue: String(parts[0])), let us = UInt64(parts[1]) else {
                    fail("--bound: expected passthrough=US or split=US, found '\(entry)'")
                }
                boundTable[path] = us
            }
            var chosen = ExperimentCell.matrix
            if let cells {
                chosen = cells.split(separator: ",").map { name in
                    guard let cell = ExperimentCell(name: String(name)) else { fail("--cells: '\(name)' is not a cell") }
                    return cell
                }
            }
            let runs = chosen.map { cell -> ExperimentRun in
                let base = URL(fileURLWithPath: self.runs).appendingPathComponent(cell.name)
                let console = (try? String(contentsOf: base.appendingPathExtension("log"), encoding: .utf8)) ?? ""
                let statusText = (try? String(contentsOf: base.appendingPathExtension("status"), encoding: .utf8)) ?? ""
                var run = ExperimentRun(cell: cell, console: console,
                                        exitStatus: Int(statusText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
                                        loops: loops, rtLabel: rtLabel, nativeLabel: nativeLabel)
                if statusText.isEmpty { run.failure = "not run (no \(cell.name).status)" }
                return run
            }
            let results = ExperimentResults(runs: runs, bounds: boundTable)
            do {
                try FileManager.default.createDirectory(atPath: svgDirectory, withIntermediateDirectories: true)
                try Data(results.json().utf8).write(to: URL(fileURLWithPath: json))
                for run in runs {
                    guard let report = run.cyclictest else { continue }
                    let svg = LatencyHistogramChart.render(report, title: "cyclictest latency, \(run.cell.name)",
                                                           boundUs: results.bound(for: run.cell))
                    try Data(svg.utf8).write(to: URL(fileURLWithPath: svgDirectory).appendingPathComponent("\(run.cell.name).svg"))
                }
            } catch {
                fail("cannot write the outputs (\(error.localizedDescription))")
            }
            print(results.table(), terminator: "")
        }
    }
}

/// One line on stderr, then exit status 2 (bad input).
private func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("apus experiment: \(message)\n".utf8))
    Foundation.exit(2)
}
