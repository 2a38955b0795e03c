import Foundation
import TestSupport
import XCTest

/// The build runs what you asked for: `make` in a scratch build folder (a copy
/// of the built objects, so only what the options shape is rebuilt) with one
/// CONFIG, then another, then the first again, then the same file name in a
/// folder outside the repository, then another RAM_MB; each image boots and
/// its banner and behaviour are the ones asked for.
final class MakeTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        let apus = QEMU.repository.appendingPathComponent(".build/debug/apus")
        guard FileManager.default.isExecutableFile(atPath: apus.path) else {
            throw XCTSkip("\(apus.path) is missing: `make all` builds it")
        }
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("apus-make-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        // The objects every system shares, timestamps kept: make rebuilds only
        // what depends on the options this test changes.
        try copySharedObjects(to: scratch)
    }

    private func copySharedObjects(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for item in ["platform", "core", "rings", "guestkit", "hv", "gen", "runtime.o", "guests", "guest-runtime", "options"] {
            try run("/bin/cp", ["-a", QEMU.buildDirectory.appendingPathComponent(item).path, folder.path])
        }
        // Clang's module caches record their own path: each build makes its own.
        let platforms = folder.appendingPathComponent("platform")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: platforms.path)) ?? [] {
            try? FileManager.default.removeItem(at: platforms.appendingPathComponent(name).appendingPathComponent("module-cache"))
        }
    }

    override func tearDownWithError() throws {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        let run = try runCommand(URL(fileURLWithPath: tool), arguments)
        guard run.status == 0 else {
            throw NSError(domain: "MakeTests", code: Int(run.status),
                          userInfo: [NSLocalizedDescriptionKey: "\(tool) \(arguments.joined(separator: " ")) failed:\n\(run.output)"])
        }
        return run.output
    }

    /// `make BUILD=scratch OPTIONS scratch/apus.elf`, then boots it.
    private func makeAndBoot(_ options: [String]) throws -> QEMURun {
        let apus = QEMU.repository.appendingPathComponent(".build/debug/apus").path
        try run("/usr/bin/env", ["make", "-s", "BUILD=\(scratch.path)", "APUS_TOOL=\(apus)"] + options + ["\(scratch.path)/apus.elf"])
        let boot = try QEMU.boot(scratch.appendingPathComponent("apus.elf").path, timeout: 300,
                                 extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertFalse(boot.timedOut, "hung" + boot.transcript)
        XCTAssertEqual(boot.status, 0, boot.transcript)
        return boot
    }

    func testSwitchingConfigBootsTheNewOneEveryTime() throws {
        let sedf = try makeAndBoot(["CONFIG=Configs/two-vms.dts"])
        XCTAssertTrue(sedf.output.contains("built for: config Configs/two-vms.dts, platform "), sedf.transcript)
        XCTAssertTrue(sedf.output.contains("Apus: scheduler sedf, 2 VMs"), sedf.transcript)

        let credit = try makeAndBoot(["CONFIG=Configs/credit.dts"])
        XCTAssertTrue(credit.output.contains("built for: config Configs/credit.dts, platform "), credit.transcript)
        XCTAssertTrue(credit.output.contains("Apus: scheduler credit, 2 VMs"), credit.transcript)

        // Back to the first: its system image is now older than apus.elf.
        let again = try makeAndBoot(["CONFIG=Configs/two-vms.dts"])
        XCTAssertTrue(again.output.contains("built for: config Configs/two-vms.dts, platform "), again.transcript)
        XCTAssertTrue(again.output.contains("Apus: scheduler sedf, 2 VMs"), again.transcript)

        // The same file name outside the repository, with other contents.
        let elsewhere = scratch.appendingPathComponent("elsewhere/two-vms.dts")
        try FileManager.default.createDirectory(at: elsewhere.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: QEMU.repository.appendingPathComponent("Configs/credit.dts"), to: elsewhere)
        let outside = try makeAndBoot(["CONFIG=\(elsewhere.path)"])
        XCTAssertTrue(outside.output.contains("built for: config \(elsewhere.path), platform "), outside.transcript)
        XCTAssertTrue(outside.output.contains("Apus: scheduler credit, 2 VMs"), outside.transcript)

        // An option given to an existing build is not ignored.
        let smaller = try makeAndBoot(["CONFIG=Configs/two-vms.dts", "RAM_MB=128"])
        XCTAssertTrue(smaller.output.contains("RAM_MB=128"), smaller.transcript)
        XCTAssertTrue(smaller.output.contains("RAM: 0x80000000 - 0x87ffffff"), smaller.transcript)
    }

    /// `make trace` of the paper's credit run: the hypervisor's trace gets the
    /// RT guest's jobs (jobs=report), so its chart and report count the same
    /// deadline misses the guest reported, not "0" or "unknown".
    func testTraceOfTheCreditRunCountsTheGuestsMisses() throws {
        try copySharedObjects(to: scratch.appendingPathComponent("trace"))
        let apus = QEMU.repository.appendingPathComponent(".build/debug/apus").path
        let output = try run("/usr/bin/env", ["make", "-s", "BUILD=\(scratch.path)", "APUS_TOOL=\(apus)",
                                              "CONFIG=Configs/paper-credit.dts", "trace"])
        let log = try String(contentsOf: scratch.appendingPathComponent("trace.log"), encoding: .utf8)
            .replacingOccurrences(of: "\r", with: "")
        let guestMisses = GuestReport(output: log).misses(of: "rt")
        XCTAssertGreaterThan(guestMisses, 0, log)
        // The report's task row: vcpu, task, name, jobs, completed, misses, worst response.
        let row = output.split(separator: "\n").first { $0.split(separator: " ").count == 8 && $0.contains("task0") }
        XCTAssertEqual(row?.split(separator: " ")[5], "\(guestMisses)", "the report's misses column\n" + output)
        let svg = try String(contentsOf: scratch.appendingPathComponent("trace.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains(" · \(guestMisses) deadline misses</text>"), "the chart's subtitle\n" + output)
    }
}
