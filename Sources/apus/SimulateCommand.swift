import ArgumentParser

// Placeholder until this subcommand lands; it refuses to pretend.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate", abstract: "(not implemented yet)")
    func run() throws { throw ValidationError("apus simulate is not implemented yet") }
}
