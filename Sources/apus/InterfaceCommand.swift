import ApusTools
import ArgumentParser
import Foundation

// `apus interface`: the least periodic-resource budget (Shin & Lee) that keeps a
// guest's periodic tasks schedulable under EDF or RM, for a period or the best
// period of a range (docs/ANALYSIS.md). Options are read as strings and checked
// by ApusTools, so every bad input is one line on stderr and exit status 2;
// "no budget works" is exit status 1.
struct InterfaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interface",
        abstract: "Compute the minimal periodic-resource interface (period, budget) of a task set.",
        discussion: """
            Times are whole numbers in any one unit. Example:
              apus interface --policy edf --period 10 --tasks 10:2,20:5
              apus interface --policy rm --period-range 1...20 --overhead 1 --tasks 10:2,20:5 --json
            Exit status: 0 interface found, 1 no budget works, 2 bad input.
            """)

    @Option(parsing: .unconditional, help: ArgumentHelp("Scheduler inside the guest: edf or rm (default edf).", valueName: "edf|rm"))
    var policy: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Resource period Π: print the minimal budget for it.", valueName: "P"))
    var period: String?

    @Option(name: .customLong("period-range"), parsing: .unconditional,
            help: ArgumentHelp("Try every period in A...B and pick the cheapest.", valueName: "A...B"))
    var periodRange: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Tasks as period:execution pairs, comma-separated.", valueName: "p:e,p:e,..."))
    var tasks: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Per-period overhead added to the budget when reserving (default 0).", valueName: "O"))
    var overhead: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let outcome: InterfaceOutcome
        do {
            let request = try InterfaceRequest(
                policy: policy, period: period, periodRange: periodRange, tasks: tasks, overhead: overhead)
            outcome = try InterfaceOutcome.analyse(request)
        } catch {
            printError(error.message)
            throw ExitCode(2)
        }
        // Unbuffered like stderr, so a report and a message keep their order in one pipe.
        FileHandle.standardOutput.write(Data((json ? outcome.json() : outcome.text()).utf8))
        if let failure = outcome.failure {
            printError(failure)
            throw ExitCode(1)
        }
    }

    private func printError(_ message: String) {
        FileHandle.standardError.write(Data("apus interface: \(message)\n".utf8))
    }
}
