import Foundation
import XCTest

/// `apus check` and `apus pack` as a user runs them: output and exit status
/// (0 valid, 1 invalid configuration, 2 unusable input).
final class CheckCommandTests: XCTestCase {
    private var images: URL!

    override func setUpWithError() throws {
        images = FileManager.default.temporaryDirectory.appendingPathComponent("apus-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for name in ["rt.bin", "load.bin"] { try GuestImageFixture.bytes(size: 100).write(to: images.appendingPathComponent(name)) }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: images) }

    /// The `apus` executable SwiftPM built beside the test bundle.
    private func apus() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("apus")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw XCTSkip("the apus executable is not built next to the tests")
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = try apus()
        process.arguments = arguments
        process.currentDirectoryURL = CheckRulesTests.repository
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func testValidConfigurationExitsZero() throws {
        let result = try run(["check", "Configs/two-vms.dts", "--images", images.path])
        XCTAssertEqual(result.status, 0, result.errors)
        XCTAssertTrue(result.output.hasPrefix("Configs/two-vms.dts: valid\nscheduler sedf"), result.output)
    }

    func testInvalidConfigurationExitsOne() throws {
        let result = try run(["check", "Configs/bad/overlapping-vms.dts", "--images", images.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.errors, "Configs/bad/overlapping-vms.dts: /vm@1: property \"physical-base\": memory at physical "
            + "0x81200000-0x815fffff overlaps /vm@0 (0x81000000-0x813fffff)\n")
        XCTAssertEqual(result.output, "")
    }

    func testUnusableInputExitsTwo() throws {
        let missing = try run(["check", "Configs/does-not-exist.dts"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.errors.hasPrefix("apus check: Configs/does-not-exist.dts:"), missing.errors)

        let broken = images.appendingPathComponent("broken.dts")
        try "/dts-v1/;\n/ { oops".write(to: broken, atomically: true, encoding: .utf8)
        let syntax = try run(["check", broken.path])
        XCTAssertEqual(syntax.status, 2)
        XCTAssertTrue(syntax.errors.contains("dtc failed"), syntax.errors)

        let notATree = images.appendingPathComponent("junk.dtb")
        try Data(repeating: 0x41, count: 64).write(to: notATree)
        let junk = try run(["check", notATree.path])
        XCTAssertEqual(junk.status, 1, "a readable but malformed blob is an invalid configuration")
        XCTAssertTrue(junk.errors.hasSuffix(": invalid device tree: not a device tree blob (magic 0x41414141, expected 0xd00dfeed)\n"), junk.errors)
    }

    func testPackWritesAndRefuses() throws {
        let out = images.appendingPathComponent("images.pack")
        let ok = try run(["pack", "Configs/two-vms.dts", "--images", images.path, "-o", out.path])
        XCTAssertEqual(ok.status, 0, ok.errors)
        XCTAssertEqual(try Data(contentsOf: out).prefix(8), Data("APUSPACK".utf8))
        let missing = try run(["pack", "Configs/hostile.dts", "--images", images.path, "-o", out.path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.errors.contains("/vm@2: property \"image\": image \"hostile.bin\" not found"), missing.errors)
    }
}
