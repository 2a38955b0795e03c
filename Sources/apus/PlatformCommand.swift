import ApusTools
import ArgumentParser
import Foundation
import HypervisorCore

// `apus platform NAME [--ram-mb N] [--emit-header FILE] [--emit-linker-script FILE]
// [--emit-guest-linker-script FILE] [--exit METHOD]`: the files the bare-metal
// build derives from a platform description, written only when their text
// changes (so make rebuilds only what depends on a changed fact). Without an
// --emit option it prints the description's header. --exit checks that the
// build's EXIT= method works on the platform.
struct PlatformCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platform",
        abstract: "Write the boot stub's header and linker fragments for a platform.")

    @Argument(help: ArgumentHelp("Platform: \(PlatformKind.acceptedNames).", valueName: "NAME"))
    var name: String

    @Option(name: .customLong("ram-mb"), help: ArgumentHelp("RAM of the machine in MiB (16..2048).", valueName: "N"))
    var ramMiB = 256

    @Option(name: .customLong("emit-header"), help: ArgumentHelp("Write board.h here.", valueName: "FILE"))
    var headerPath: String?

    @Option(name: .customLong("emit-linker-script"), help: ArgumentHelp("Write board.ld here.", valueName: "FILE"))
    var linkerScriptPath: String?

    @Option(name: .customLong("emit-guest-linker-script"), help: ArgumentHelp("Write guest-memory.ld here.", valueName: "FILE"))
    var guestLinkerScriptPath: String?

    @Option(name: .customLong("exit"), help: ArgumentHelp("Check that this EXIT= method works here.", valueName: "METHOD"))
    var exitMethod: String?

    func validate() throws {
        guard PlatformKind(named: name) != nil else {
            throw ValidationError("unknown platform \"\(name)\" (known: \(PlatformKind.acceptedNames))")
        }
        guard (16...2048).contains(ramMiB) else { throw ValidationError("--ram-mb must be 16..2048") }
        if let exitMethod {
            let platform = PlatformKind(named: name)!.platform(ramSize: 0)
            let accepted = ["semihosting", platform.powerOff.exitName.description]
            guard accepted.contains(exitMethod) else {
                throw ValidationError("EXIT=\(exitMethod) does not work on \(name) (use: \(accepted.joined(separator: ", ")))")
            }
        }
    }

    func run() throws {
        let platform = PlatformKind(named: name)!.platform(ramSize: UInt64(ramMiB) << 20)
        let files = [(headerPath, BoardFiles.header(for: platform)),
                     (linkerScriptPath, BoardFiles.linkerScript(for: platform)),
                     (guestLinkerScriptPath, BoardFiles.guestLinkerScript())]
        if files.allSatisfy({ $0.0 == nil }) {
            print(BoardFiles.header(for: platform), terminator: "")
            return
        }
        for case let (path?, text) in files {
            if (try? String(contentsOfFile: path, encoding: .utf8)) == text { continue }
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                FileHandle.standardError.write(Data("apus platform: \(path): cannot write the file\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}
