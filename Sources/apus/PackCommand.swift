import ApusTools
import ArgumentParser
import Foundation

// `apus pack CONFIG --images DIR -o OUT`: writes the image pack (docs/CONFIG.md,
// "Images") of the guest images the configuration names. The configuration is
// checked first; exit status as `apus check` (1 invalid, 2 unusable input/output).
struct PackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Pack the guest images a configuration names into one image pack.")

    @Argument(help: "Configuration: device-tree source (compiled with dtc) or a .dtb.")
    var config: String

    @Option(name: .customLong("images"), help: ArgumentHelp("Directory holding the guest images.", valueName: "DIR"))
    var imagesDirectory = "build/guests"

    @Option(name: .customLong("ram-mb"), help: ArgumentHelp("RAM of the machine in MiB (16..2048).", valueName: "N"))
    var ramMiB = 256

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the pack.", valueName: "OUT"))
    var output: String

    @Option(name: .customLong("large-images"), help: ArgumentHelp("Directory holding Linux kernels and initramfs.", valueName: "DIR"))
    var largeImagesDirectory = "build/linux"

    @Option(name: .customLong("large-output"),
            help: ArgumentHelp("Where to write the large-image pack (Linux VMs; docs/LINUX.md).", valueName: "OUT"))
    var largeOutput: String?

    func validate() throws {
        guard (16...2048).contains(ramMiB) else { throw ValidationError("--ram-mb must be 16..2048") }
    }

    func run() throws {
        let options = CheckOptions(imagesDirectory: imagesDirectory, ramMiB: ramMiB, largeImagesDirectory: largeImagesDirectory)
        let blob: [UInt8]
        do {
            blob = try ConfigInput.deviceTreeBlob(path: config)
        } catch {
            fail("apus pack: \(error.message)", status: 2)
        }
        switch ConfigPack.pack(blob: blob, options: options) {
        case .success(let pack):
            guard FileManager.default.createFile(atPath: output, contents: Data(pack)) else {
                fail("apus pack: \(output): cannot write the file", status: 2)
            }
            print("wrote \(output) (\(pack.count) bytes)")
            writeLargeImages(blob: blob, options: options)
        case .failure(.invalid(let failure)):
            fail("\(config): \(failure.message)", status: 1)
        case .failure(.unusable(let message)):
            fail("apus pack: \(message)", status: 2)
        }
    }

    /// The large-image pack, when the configuration has Linux VMs (then --large-output is required).
    private func writeLargeImages(blob: [UInt8], options: CheckOptions) {
        switch ConfigPack.packLargeImages(blob: blob, options: options) {
        case .success(nil):
            return
        case .success(let pack?):
            guard let largeOutput else { fail("apus pack: \(config) has Linux VMs: give --large-output OUT", status: 2) }
            guard FileManager.default.createFile(atPath: largeOutput, contents: Data(pack)) else {
                fail("apus pack: \(largeOutput): cannot write the file", status: 2)
            }
            print("wrote \(largeOutput) (\(pack.count) bytes)")
        case .failure(.invalid(let failure)):
            fail("\(config): \(failure.message)", status: 1)
        case .failure(.unusable(let message)):
            fail("apus pack: \(message)", status: 2)
        }
    }

    private func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        Apus.exit(withError: ExitCode(status))
    }
}
