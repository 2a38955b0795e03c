import ApusTools
import ArgumentParser
import Foundation

/// `apus simulate FILE`: runs a scenario through the hierarchical simulator
/// (the core's SEDF or credit scheduler over VCPUs, EDF or RM inside each guest)
/// and reports per-task deadline misses and response times and per-VCPU supply.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate VCPUs under SEDF or credit with periodic guest tasks (scenario format: docs/SCENARIOS.md).")

    @Argument(help: "The scenario file.")
    var file: String

    @Flag(help: "Print the result as one JSON object instead of tables.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Also write the schedule as an apus-trace 1 file (docs/TRACE.md).", valueName: "out"))
    var trace: String?

    @Option(help: ArgumentHelp("Simulated time, overriding the scenario's 'duration' (e.g. 2s, 500ms).", valueName: "time"))
    var duration: String?

    func run() throws {
        do {
            var scenario = try ScenarioParser.load(path: file)
            if let duration {
                let span = try ScenarioParser.time(duration, source: "--duration")
                if span.nanoseconds == 0 {
                    throw ScenarioError(file: "--duration", line: nil, message: "must be greater than zero")
                }
                scenario.duration = span
            }
            let outcome = try Simulator.run(scenario, name: file, writeTrace: trace != nil)
            if let trace { try outcome.writeTrace(to: trace) }
            print(json ? SimulationReport.json(outcome.result) : SimulationReport.text(outcome.result), terminator: "")
        } catch let error as ScenarioError {
            FileHandle.standardError.write(Data("apus simulate: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
