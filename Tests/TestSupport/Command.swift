import Foundation

/// A finished program: its exit status and what it wrote to stdout and
/// stderr together, in order.
public struct CommandRun {
    public let status: Int32
    public let output: String
}

/// Runs `executable` to its end from the repository's root, with the
/// current environment plus `environment`.
public func runCommand(_ executable: URL, _ arguments: [String] = [],
                       environment: [String: String] = [:]) throws -> CommandRun {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = QEMU.repository
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return CommandRun(status: process.terminationStatus, output: output)
}
