import ArgumentParser

// Placeholder until this subcommand lands; it refuses to pretend.
struct InterfaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "interface", abstract: "(not implemented yet)")
    func run() throws { throw ValidationError("apus interface is not implemented yet") }
}
