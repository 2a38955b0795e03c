import Foundation

// Formats bench results for people (tables with a growth column) and programs (JSON).

public struct BenchReport: Sendable {
    public var host: String
    public var build: String
    public var runs: Int
    public var scheduler: [SchedulerBenchResult]
    public var analysis: [AnalysisBenchResult]
    /// Lines printed under the tables (what could not be measured, and why).
    public var notes: [String]

    public init(host: String, build: String, runs: Int, scheduler: [SchedulerBenchResult],
                analysis: [AnalysisBenchResult], notes: [String]) {
        self.host = host
        self.build = build
        self.runs = runs
        self.scheduler = scheduler
        self.analysis = analysis
        self.notes = notes
    }

    public func text() -> String {
        var out = "apus bench: \(host), \(build) build; ns per operation, median of \(runs) runs (min..max)\n"
        if !scheduler.isEmpty {
            out += "\nscheduler: charge(now) + decide(now), CPU-bound VCPUs, next call at the decision's `until`;\n"
                + "decisions/s of simulated time, cpu % = median cost x that rate\n"
            var table = BenchTable(header: ["policy", "vcpus", "slots", "median ns", "min ns", "max ns", "vs 1 vcpu",
                                            "decisions/s", "cpu %"])
            for result in scheduler {
                let base = baseline(for: result.benchCase.policy)
                table.add([result.benchCase.policy.rawValue, String(result.benchCase.vcpus), String(result.benchCase.capacity),
                           Self.ns(result.timing.median), Self.ns(result.timing.minimum), Self.ns(result.timing.maximum),
                           base.map { String(format: "%.1fx", result.timing.median / $0) } ?? "-",
                           String(format: "%.0f", result.decisionsPerSecond), String(format: "%.3f", result.cpuPercent)])
            }
            out += table.render()
            out += growth().map { "\n" + $0 }.joined() + (growth().isEmpty ? "" : "\n")
        }
        if !analysis.isEmpty {
            out += "\nanalysis: compositional interface of a \(analysis[0].tasks)-task set\n"
            var table = BenchTable(header: ["computation", "median", "min", "max"])
            for result in analysis {
                table.add([result.name, Self.human(result.timing.median), Self.human(result.timing.minimum),
                           Self.human(result.timing.maximum)])
            }
            out += table.render()
        }
        for note in notes { out += "\nnote: \(note)" }
        return out + (notes.isEmpty ? "" : "\n")
    }

    /// Growth of one charge+decide with the number of VCPUs, from the
    /// configuration-sized builds: each size against 1 VCPU in 1 slot.
    func growth() -> [String] {
        SchedulerBenchCase.Policy.allCases.compactMap { policy in
            let sized = scheduler.filter { $0.benchCase.policy == policy && $0.benchCase.vcpus == $0.benchCase.capacity }
                .sorted { $0.benchCase.vcpus < $1.benchCase.vcpus }
            guard let one = sized.first(where: { $0.benchCase.vcpus == 1 }),
                  let most = sized.last, most.benchCase.vcpus > 1 else { return nil }
            let ratios = sized.map { "\($0.benchCase.vcpus): " + String(format: "%.1fx", $0.timing.median / one.timing.median) }
            return "\(policy.rawValue): \(most.benchCase.vcpus) VCPUs cost "
                + String(format: "%.1fx", most.timing.median / one.timing.median)
                + " of 1 VCPU per charge+decide (" + ratios.joined(separator: ", ")
                + (policy == .credit ? "; heap queue, lazy accounting, O(log n))" : "; heap queues, O(log n))")
        }
    }

    public func json() -> String {
        var object: [String: Any] = [
            "host": host, "build": build, "runs": runs, "notes": notes,
            "scheduler": scheduler.map { result -> [String: Any] in
                ["policy": result.benchCase.policy.rawValue, "vcpus": result.benchCase.vcpus,
                 "slots": result.benchCase.capacity, "decisionsPerSecond": result.decisionsPerSecond.rounded(),
                 "cpuPercent": (result.cpuPercent * 1000).rounded() / 1000] + Self.timing(result.timing)
            },
            "analysis": analysis.map { result -> [String: Any] in
                ["computation": result.name, "tasks": result.tasks] + Self.timing(result.timing)
            },
        ]
        object["growth"] = growth()
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else {
            return "{}\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private func baseline(for policy: SchedulerBenchCase.Policy) -> Double? {
        scheduler.first { $0.benchCase.policy == policy && $0.benchCase.vcpus == 1 && $0.benchCase.capacity == 1 }?
            .timing.median
    }

    private static func timing(_ timing: BenchTiming) -> [String: Any] {
        ["medianNs": rounded(timing.median), "minNs": rounded(timing.minimum), "maxNs": rounded(timing.maximum),
         "samplesNs": timing.samples.map(rounded), "operationsPerRun": timing.operationsPerRun]
    }

    private static func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    /// Nanoseconds in the unit that keeps three or more significant figures readable.
    static func human(_ nanoseconds: Double) -> String {
        if nanoseconds < 1e3 { return String(format: "%.1f ns", nanoseconds) }
        if nanoseconds < 1e6 { return String(format: "%.2f us", nanoseconds / 1e3) }
        if nanoseconds < 1e9 { return String(format: "%.2f ms", nanoseconds / 1e6) }
        return String(format: "%.3f s", nanoseconds / 1e9)
    }

    /// Three significant figures at least, one decimal below 1000 ns.
    static func ns(_ value: Double) -> String {
        value >= 1000 ? String(format: "%.0f", value) : String(format: "%.1f", value)
    }
}

private func + (a: [String: Any], b: [String: Any]) -> [String: Any] {
    a.merging(b) { first, _ in first }
}
