import Foundation

// The matrix's outputs: one table for people, results.json for programs (one object per
// cell with the fields: scheduler, gp_load, rt_io, cyclictest_min_us,
// cyclictest_avg_us, cyclictest_max_us, bound_us, samples; and more). A failed cell is a
// row that says `failed` and why, never a missing one.

public struct ExperimentResults: Sendable {
    public var runs: [ExperimentRun]
    /// The SEDF bound per I/O path, in µs (the calibration differs per path).
    public var bounds: [ExperimentRTIO: UInt64]

    public init(runs: [ExperimentRun], bounds: [ExperimentRTIO: UInt64]) {
        self.runs = runs
        self.bounds = bounds
    }

    /// The bound a cell is judged by: defined for SEDF on one CPU only. On two CPUs under
    /// -icount the RT Linux's CPU waits while QEMU runs the other one (docs/SMP.md), time
    /// the analysis of one CPU's supply does not cover.
    public func bound(for cell: ExperimentCell) -> UInt64? {
        cell.scheduler == .sedf && !cell.smp ? bounds[cell.rtIO] : nil
    }

    public func table() -> String {
        var table = TraceTextTable(
            header: ["scheduler", "gp_load", "rt_io", "cpus", "min_us", "avg_us", "max_us", "bound_us", "max<=bound",
                     "rt_wait_us", "native_misses", "samples", "status"],
            rightAligned: [false, false, false, false, true, true, true, true, false, true, true, true, false])
        for run in runs {
            let report = run.cyclictest
            let bound = bound(for: run.cell)
            let within: String = if let bound, let report, run.succeeded { UInt64(report.maxUs) <= bound ? "yes" : "NO" } else { "-" }
            table.add([run.cell.scheduler.rawValue, run.cell.gpLoad.rawValue, run.cell.rtIO.rawValue,
                       run.cell.smp ? "2 (smp)" : "1",
                       report.map { String($0.minUs) } ?? "-", report.map { String($0.avgUs) } ?? "-",
                       report.map { String($0.maxUs) } ?? "-", bound.map(String.init) ?? "-", within,
                       run.rtLongestWaitUs.map(String.init) ?? "-",
                       run.nativeMisses.map { "\($0)/\(run.nativeJobs ?? 0)" } ?? "-",
                       report.map { String($0.measured) } ?? "-",
                       run.failure.map { "failed: \($0)" } ?? "ok"])
        }
        return table.render()
    }

    public func json() -> String {
        "[\n" + runs.map { "  " + object(for: $0) }.joined(separator: ",\n") + "\n]\n"
    }

    private func object(for run: ExperimentRun) -> String {
        let report = run.cyclictest
        let bound = bound(for: run.cell)
        var fields: [(String, String)] = [
            ("scheduler", Self.string(run.cell.scheduler.rawValue)),
            ("gp_load", Self.string(run.cell.gpLoad.rawValue)),
            ("rt_io", Self.string(run.cell.rtIO.rawValue)),
            ("cpus", String(run.cell.cpus)),
            ("smp", run.cell.smp ? "true" : "false"),
            ("cyclictest_min_us", Self.number(report?.minUs)),
            ("cyclictest_avg_us", Self.number(report?.avgUs)),
            ("cyclictest_max_us", Self.number(report?.maxUs)),
            ("bound_us", Self.number(bound.map { Int($0) })),
            ("samples", Self.number(report?.measured)),
            ("status", Self.string(run.succeeded ? "ok" : "failed")),
        ]
        if let failure = run.failure { fields.append(("failure", Self.string(failure))) }
        if let bound, let report, run.succeeded { fields.append(("within_bound", UInt64(report.maxUs) <= bound ? "true" : "false")) }
        fields += [
            ("histogram_overflows", Self.number(report?.overflows)),
            ("rt_longest_wait_us", Self.number(run.rtLongestWaitUs)),
            ("native_rt_jobs", Self.number(run.nativeJobs)),
            ("native_rt_misses", Self.number(run.nativeMisses)),
            ("exit_status", String(run.exitStatus)),
        ]
        if let rtio = report?.rtio {
            fields.append(("rtio", "{" + rtio.keys.sorted().map { "\(Self.string($0)):\(Self.string(rtio[$0]!))" }.joined(separator: ",") + "}"))
        }
        return "{" + fields.map { "\(Self.string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func number(_ value: Int?) -> String { value.map(String.init) ?? "null" }

    static func string(_ text: String) -> String { JSONText.quoted(text) }
}
