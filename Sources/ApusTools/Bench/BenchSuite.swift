import Foundation

// Runs every benchmark in a fixed order and collects the report. Progress goes to a
// callback (the command prints it on stderr) so stdout holds only the results.

public enum BenchSuite {
    public static func run(harness: BenchHarness, progress: (String) -> Void) throws -> BenchReport {
        var scheduler: [SchedulerBenchResult] = []
        for benchCase in SchedulerBenchCase.standardCases() {
            progress("\(benchCase.policy.rawValue), \(benchCase.vcpus) vcpus, \(benchCase.capacity) slots")
            scheduler.append(SchedulerBenchResult(benchCase: benchCase,
                                                  timing: try SchedulerBenchmarks.run(benchCase, harness: harness)))
        }
        var notes: [String] = []
        let analysis = try AnalysisBenchmarks.run(harness: harness, progress: progress)
        #if DEBUG
        notes.append("debug build: these numbers say little; use `swift run -c release apus bench`")
        #endif
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
