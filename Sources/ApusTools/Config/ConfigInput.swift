import Foundation
import HypervisorCore

/// Input that cannot be checked at all (as opposed to an invalid configuration):
/// an unreadable file, dtc missing or failing. `apus check` exits 2 for these.
public struct ConfigInputError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Turns a configuration file into DTB bytes: `.dtb` files are read as they are,
/// anything else is treated as device-tree source and compiled with
/// `dtc -I dts -O dtb`.
public enum ConfigInput {
    public static func deviceTreeBlob(path: String, dtc: String = "dtc") throws(ConfigInputError) -> [UInt8] {
        if path.hasSuffix(".dtb") { return try readFile(path) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ConfigInputError(message: "\(path): cannot read the file")
        }
        return try compile(path: path, dtc: dtc)
    }

    public static func readFile(_ path: String) throws(ConfigInputError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigInputError(message: "\(path): no such file")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw ConfigInputError(message: "\(path): cannot read the file")
        }
        return [UInt8](data)
    }

    /// Runs dtc, capturing the blob from stdout and its messages from stderr.
    static func compile(path: String, dtc: String) throws(ConfigInputError) -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [dtc, "-q", "-I", "dts", "-O", "dtb", path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw ConfigInputError(message: "cannot run \(dtc): \(error.localizedDescription) (install device-tree-compiler)")
        }
        // Read both pipes before waiting, so a large output cannot block dtc.
        let errorReader = Thread.detachedReader(errors)
        let blob = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let messages = String(decoding: errorReader.wait(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if process.terminationStatus == 127 {
            throw ConfigInputError(message: "cannot run \(dtc): not found (install device-tree-compiler)")
        }
        guard process.terminationStatus == 0 else {
            throw ConfigInputError(message: messages.isEmpty ? "\(path): dtc failed (status \(process.terminationStatus))"
                                                             : "\(path): dtc failed:\n\(messages)")
        }
        return [UInt8](blob)
    }
}

/// Drains a pipe on a background thread.
final class PipeDrain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ pipe: Pipe) {
        Thread.detachNewThread { [self] in
            data = pipe.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

extension Thread {
    static func detachedReader(_ pipe: Pipe) -> PipeDrain { PipeDrain(pipe) }
}
