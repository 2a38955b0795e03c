import ApusTools
import ArgumentParser
import Foundation

// `apus bench [--json] [--runs N] [--quick] [--only PART] [--operations N]`: host
// micro-benchmarks of the scheduling core (docs/BENCHMARKS.md). Prints numbers; it never
// judges them. Build with `-c release`. Numeric options are parsed here so that bad values
// exit 2 like every other bad input, not with ArgumentParser's 64.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure scheduler decisions and interface analysis on this host.",
        discussion: "Run a release build: swift run -c release apus bench. See docs/BENCHMARKS.md.")

    @Flag(help: "Print the results as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Timed runs per measurement; the median is reported (default 7).", valueName: "N"))
    var runs: String?

    @Flag(help: "Shorter runs (3 runs of about 10 ms each) for a quick look.")
    var quick = false

    @Option(help: ArgumentHelp("Run one part: sedf, credit, sedf/16, sedf/16/64 (policy/vcpus/slots) or analysis.",
                               valueName: "PART"))
    var only: String?

    @Option(help: ArgumentHelp("Exactly N operations per run, no calibration or warm-up (for instruction counts).",
                               valueName: "N"))
    var operations: String?

    func run() throws {
        var harness = quick ? BenchHarness(runs: 3, targetRunTime: .milliseconds(10)) : BenchHarness()
        if let runs {
            guard let count = Int(runs), (1...1000).contains(count), runs.allSatisfy(\.isASCII) else {
                try fail("--runs: expected a whole number from 1 to 1000, found '\(runs)'")
            }
            harness.runs = count
        }
        if let operations {
            guard let count = Int(operations), count > 0, operations.allSatisfy(\.isASCII) else {
                try fail("--operations: expected a positive whole number, found '\(operations)'")
            }
            harness.fixedOperations = count
        }
        var filter = BenchFilter.all
        if let only {
            guard let parsed = BenchFilter(only) else {
                try fail("--only: expected sedf, credit, POLICY/VCPUS, POLICY/VCPUS/SLOTS or analysis, found '\(only)'")
            }
            filter = parsed
        }
        let report: BenchReport
        do {
            report = try BenchSuite.run(harness: harness, filter: filter) { step in
                FileHandle.standardError.write(Data("bench: \(step)\n".utf8))
            }
        } catch {
            try fail("\(error)")
        }
        print(json ? report.json() : report.text(), terminator: "")
    }

    /// One line on stderr, exit status 2.
    private func fail(_ message: String) throws -> Never {
        FileHandle.standardError.write(Data("apus bench: \(message)\n".utf8))
        throw ExitCode(2)
    }
}
