import Foundation

// Runs every benchmark in a fixed order and collects the report. Progress goes to a
// callback (the command prints it on stderr) so stdout holds only the results.

public enum BenchSuite {
    public static func run(harness: BenchHarness, filter: BenchFilter = .all,
                           progress: (String) -> Void) throws -> BenchReport {
        let cases = SchedulerBenchCase.standardCases().filter(filter.includes)
        if cases.isEmpty && !filter.includesAnalysis {
            throw BenchSetupError(description: "--only matches no benchmark (tables of "
                                  + "\(SchedulerBenchCase.capacities.map(String.init).joined(separator: ", ")) slots)")
        }
        var scheduler: [SchedulerBenchResult] = []
        for benchCase in cases {
            progress("\(benchCase.policy.rawValue), \(benchCase.vcpus) vcpus, \(benchCase.capacity) slots")
            scheduler.append(try SchedulerBenchmarks.run(benchCase, harness: harness))
        }
        var notes: [String] = []
        let analysis = filter.includesAnalysis ? try AnalysisBenchmarks.run(harness: harness, progress: progress) : []
        #if DEBUG
        notes.append("debug build: these numbers say little; use `swift run -c release apus bench`")
        #endif
        if let fixed = harness.fixedOperations {
            notes.append("fixed \(fixed) operations per run, no calibration or warm-up")
        }
        return BenchReport(host: hostDescription(), build: buildName, runs: harness.runs,
                           scheduler: scheduler, analysis: analysis, notes: notes)
    }

    static var buildName: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }

    static func hostDescription() -> String {
        let info = ProcessInfo.processInfo
        #if arch(x86_64)
        let arch = "x86_64"
        #elseif arch(arm64)
        let arch = "arm64"
        #else
        let arch = "other architecture"
        #endif
        return "host \(arch), \(info.activeProcessorCount) logical CPUs"
    }
}
