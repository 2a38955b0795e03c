import ApusTools
import ArgumentParser
import Foundation

// `apus trace FILE [--jobs LOG] [--json] [--svg OUT [--from T] [--to T]]`: reads a trace
// (docs/TRACE.md), adds the guests' jobs from a console log when given one, prints its
// summary statistics and optionally draws it as an SVG Gantt chart.
// Bad input of any kind prints one line on stderr and exits 2; the window bounds are taken
// as strings and parsed here so that a malformed number also exits 2, not ArgumentParser's 64.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Summarise a trace file and draw it as an SVG Gantt chart.",
        discussion: "The format is described in docs/TRACE.md. Times are nanoseconds.")

    @Argument(help: "Trace file in the apus-trace 1 format.")
    var file: String

    @Option(name: .customLong("svg"), help: ArgumentHelp("Write an SVG Gantt chart to this file.", valueName: "OUT"))
    var svgPath: String?

    @Option(help: ArgumentHelp("Start of the drawn window in ns (default: start of the trace).", valueName: "T"))
    var from: String?

    @Option(help: ArgumentHelp("End of the drawn window in ns (default: end of the trace).", valueName: "T"))
    var to: String?

    @Option(help: ArgumentHelp("Add the jobs that RT guests run with jobs=report printed (JOBS and DONE lines) in this console log.", valueName: "LOG"))
    var jobs: String?

    @Flag(help: "Print the statistics as JSON instead of tables.")
    var json = false

    func run() throws {
        if svgPath == nil && (from != nil || to != nil) {
            try fail("--from and --to choose the window drawn by --svg; add --svg OUT")
        }
        let requestedFrom = try from.map { try nanoseconds($0, option: "--from") }
        let requestedTo = try to.map { try nanoseconds($0, option: "--to") }
        let trace = try readTrace()
        // Check the window before printing anything, so a bad one leaves no partial output.
        let whole = GanttWindow(covering: trace)
        let start = requestedFrom ?? whole.from
        let end = requestedTo ?? whole.to
        guard let window = GanttWindow(from: start, to: end) else {
            try fail("empty window: --from \(start) must be before --to \(end) (trace covers \(trace.start)..\(trace.end))")
        }

        let title = URL(fileURLWithPath: file).lastPathComponent
        let stats = TraceStatistics(trace)
        print(json ? TraceReport.json(stats, title: title) : TraceReport.text(stats, title: title), terminator: "")

        guard let svgPath else { return }
        let svg = GanttChart.render(trace, window: window, options: GanttOptions(title: title))
        do {
            try TraceFileIO.write(svg, to: svgPath)
        } catch {
            try fail("\(svgPath): cannot write the SVG (\(error.reason))")
        }
        standardError("wrote \(svgPath)\n")
    }

    private func readTrace() throws -> Trace {
        do {
            guard let jobs else { return try TraceReader.read(path: file) }
            let merged: String
            do {
                merged = try TraceGuestJobs.merge(trace: try text(of: file), log: try text(of: jobs))
            } catch let error as TraceGuestJobs.LogError {
                try fail("\(jobs):\(error.line): \(error.reason)", prefixed: false)
            }
            do {
                return try TraceReader.parse(merged)
            } catch {
                try fail("\(file) with the jobs of \(jobs): \(error.reason)")
            }
        } catch let error as TraceError {
            // Compiler style, so editors and terminals can jump to the line.
            try fail("\(file):\(error.line): \(error.reason)", prefixed: false)
        } catch let error as TraceFileError {
            try fail(error.description)
        }
    }

    private func text(of path: String) throws -> String {
        guard let bytes = try? TraceFileIO.read(path), let text = String(validating: bytes, as: UTF8.self) else {
            try fail("\(path): cannot read it as UTF-8 text")
        }
        return text
    }

    private func nanoseconds(_ text: String, option: String) throws -> UInt64 {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = UInt64(text) else {
            try fail("\(option): expected a time in nanoseconds (a non-negative integer), found '\(text)'")
        }
        return value
    }

    /// One line on stderr, then exit status 2 (bad input). Private to this command so that
    /// other commands in the module can have helpers of the same name.
    private func fail(_ message: String, prefixed: Bool = true) throws -> Never {
        standardError(prefixed ? "apus trace: \(message)\n" : "\(message)\n")
        throw ExitCode(2)
    }

    private func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
