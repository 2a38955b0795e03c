import ArgumentParser

/// `apus`: the host-side companion of the hypervisor (analysis, simulation, traces, benchmarks).
@main
struct Apus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apus",
        abstract: "Host tools for the Apus hypervisor: interfaces, simulation, traces, benchmarks.",
        subcommands: [InterfaceCommand.self, SimulateCommand.self, TraceCommand.self, BenchCommand.self, CheckCommand.self, PackCommand.self])
}
