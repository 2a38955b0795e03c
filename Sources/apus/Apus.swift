import ArgumentParser
import Foundation

/// `apus`: the host-side companion of the hypervisor (analysis, simulation, traces, benchmarks).
@main
struct Apus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apus",
        abstract: "Host tools for the Apus hypervisor: interfaces, simulation, traces, benchmarks.",
        subcommands: [InterfaceCommand.self, ExperimentCommand.self, SimulateCommand.self, TraceCommand.self, BenchCommand.self, CheckCommand.self, PackCommand.self, PlatformCommand.self])

    /// Like ArgumentParser's own `main`, except that a usage error (unknown option,
    /// missing value, ValidationError), which it would report with exit status 64
    /// and a usage block, becomes ONE line on stderr and exit status 2, the status
    /// every subcommand uses for bad input. Help, --version and ExitCode pass through.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                FileHandle.standardError.write(Data("apus: \(message) (see 'apus help')\n".utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
