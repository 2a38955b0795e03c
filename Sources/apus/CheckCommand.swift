import ApusTools
import ArgumentParser
import Foundation
import HypervisorCore

// `apus check CONFIG [--images DIR] [--ram-mb N]`: the hypervisor's configuration
// validation, run on the host. Exit 0 valid (summary on stdout), 1 invalid
// configuration (`FILE: /node: property "x": reason` on stderr, the first error
// only, as the hypervisor would stop at it), 2 unusable input (unreadable file,
// dtc missing or failing).
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a system configuration (.dts or .dtb) and summarise it.",
        discussion: "Rules and format: docs/CONFIG.md. Exit status: 0 valid, 1 invalid configuration, 2 unusable input.")

    @Argument(help: "Configuration: device-tree source (compiled with dtc) or a .dtb.")
    var config: String

    @Option(name: .customLong("images"), help: ArgumentHelp("Directory holding the guest images.", valueName: "DIR"))
    var imagesDirectory = "build/guests"

    @Option(name: .customLong("ram-mb"), help: ArgumentHelp("RAM of the machine in MiB (16..2048).", valueName: "N"))
    var ramMiB = 256

    @Option(name: .customLong("platform"), help: ArgumentHelp("The machine: \(PlatformKind.acceptedNames).", valueName: "NAME"))
    var platformName = "vexpress-a15"

    @Option(name: .customLong("smp"), help: ArgumentHelp("Physical CPUs the machine runs (1..4; default: the platform's 4).", valueName: "N"))
    var smp: Int?

    @Flag(name: .customLong("print-cpus"), help: "Print only how many physical CPUs the configuration uses (make's default SMP).")
    var printCPUs = false

    @Option(name: .customLong("large-images"), help: ArgumentHelp("Directory holding Linux kernels and initramfs.", valueName: "DIR"))
    var largeImagesDirectory = "build/linux"

    func validate() throws {
        guard (16...2048).contains(ramMiB) else { throw ValidationError("--ram-mb must be 16..2048") }
        if let smp, !(1...Platform.maximumCPUs).contains(smp) { throw ValidationError("--smp must be 1..\(Platform.maximumCPUs)") }
        guard PlatformKind(named: platformName) != nil else {
            throw ValidationError("unknown platform \"\(platformName)\" (known: \(PlatformKind.acceptedNames))")
        }
    }

    func run() throws {
        let options = CheckOptions(imagesDirectory: imagesDirectory, ramMiB: ramMiB, platform: PlatformKind(named: platformName)!,
                                   largeImagesDirectory: largeImagesDirectory, smp: smp)
        if printCPUs {
            do {
                print(try ConfigCheck.cpusUsed(path: config) ?? 1)
            } catch {
                FileHandle.standardError.write(Data("apus check: \(error.message)\n".utf8))
                throw ExitCode(2)
            }
            return
        }
        let outcome: CheckOutcome
        do {
            outcome = try ConfigCheck.check(path: config, options: options)
        } catch {
            FileHandle.standardError.write(Data("apus check: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
        switch outcome {
        case .valid(let summary):
            print("\(config): valid")
            print(summary, terminator: "")
        case .invalid(let failure):
            FileHandle.standardError.write(Data("\(config): \(failure.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
