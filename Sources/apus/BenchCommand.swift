import ArgumentParser

// Placeholder until this subcommand lands; it refuses to pretend.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "(not implemented yet)")
    func run() throws { throw ValidationError("apus bench is not implemented yet") }
}
