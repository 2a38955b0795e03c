import ApusTools
import Foundation
import XCTest

/// Systems that pass vexpress-a15's UARTs through, and configurations the
/// hypervisor itself must refuse, booted on vexpress-a15.
final class PassthroughSystemTests: XCTestCase {
    private let checks = SystemChecks(platform: .vexpressA15)

    private func boot(_ system: String) throws -> (QEMURun, GuestReport) { try checks.boot(system) }

    func testTwoVMsRunConcurrentlyAndBothReport() throws {
        let (run, report) = try boot("two-vms")
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.checks(of: "gp")["load-ran"], true, run.transcript)
        // The hog reports progress while the RT guest is still running its tasks.
        let progress = try XCTUnwrap(run.output.range(of: "[gp] PROGRESS 1"), run.transcript)
        let rtResult = try XCTUnwrap(run.output.range(of: "[rt] RESULT"), run.transcript)
        XCTAssertLessThan(progress.lowerBound, rtResult.lowerBound, run.transcript)
        XCTAssertGreaterThan(report.value("wakeups", "SUPPLY", of: "rt") ?? 0, 0, "virtual timer wake-ups" + run.transcript)
    }

    /// Isolation: every attack of the hostile guest fails, visibly to it, and
    /// the other VMs keep running and meeting deadlines.
    func testHostileGuestIsContained() throws {
        let (run, report) = try boot("hostile")
        let checks = report.checks(of: "hostile")
        XCTAssertGreaterThanOrEqual(checks.count, 20, run.transcript)
        XCTAssertEqual(checks.filter { !$0.value }.map(\.key), [], run.transcript)
        XCTAssertEqual(checks["hostile-isolation"], true, run.transcript)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.checks(of: "gp")["load-ran"], true, run.transcript)
        XCTAssertTrue(run.output.contains("Apus: VM hostile stopped: shutdown (poweroff)"), run.transcript)
    }

    /// A bad configuration (built without the host check) is refused by the
    /// hypervisor with the words `apus check` uses, and nothing starts.
    func testBadConfigurationIsRefusedAtBootWithTheCheckersMessage() throws {
        for name in ["overlapping-vms", "over-utilization"] {
            let run = try QEMU.boot("systems/refused-\(name).elf", timeout: 60)
            XCTAssertEqual(run.status, 2, run.transcript)
            let path = QEMU.repository.appendingPathComponent("Configs/bad/\(name).dts").path
            guard case .invalid(let failure) = try ConfigCheck.check(path: path, options: CheckOptions()) else {
                return XCTFail("apus check accepted Configs/bad/\(name).dts")
            }
            XCTAssertTrue(run.output.contains("Apus: configuration refused: \(failure.message)"), failure.message + run.transcript)
            XCTAssertFalse(run.output.contains("Apus: scheduler"), "no VM may start" + run.transcript)
        }
    }}
