import ArgumentParser

// Placeholder until this subcommand lands; it refuses to pretend.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trace", abstract: "(not implemented yet)")
    func run() throws { throw ValidationError("apus trace is not implemented yet") }
}
