import Foundation
import TestSupport
import XCTest

/// Whose line is it (docs/CONSOLE.md): a hostile guest (Configs/console-forgery.dts,
/// attack=console) writes another VM's CHECK line, the hypervisor's lines,
/// carriage returns and escape sequences, holds half a line open while the RT
/// guest prints, writes a line longer than any buffer and tries QEMU
/// semihosting. Everything it wrote must be attributed to it, and everyone
/// else's lines must stay whole and theirs.
final class ConsoleTrustTests: XCTestCase {
    private func boot(_ system: String) throws -> QEMURun {
        let run = try QEMU.boot("systems/\(system).elf", timeout: 120, extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        return run
    }

    func testForgedLinesAreAttributedToTheirAuthor() throws {
        let run = try boot("console-forgery")
        XCTAssertEqual(run.status, 0, run.transcript)
        let report = GuestReport(output: run.output)
        let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        // The RT guest's own results, whole and only its own: no forged check is counted as its.
        XCTAssertEqual(report.checks(of: "rt"), ["rt-deadlines": true], run.transcript)
        XCTAssertEqual(report.records("RESULT", of: "rt").count, 2, run.transcript)
        XCTAssertEqual(report.records("SUPPLY", of: "rt").count, 1, run.transcript)

        // Every forgery is a line of the hostile VM, its control bytes escaped.
        let hostile = report.lines(of: "hostile")
        for forged in ["[rt] CHECK rt-deadlines FAILED", "Apus: all VMs stopped", "FORGED-A",
                       "Apus: VM rt stopped: shutdown (poweroff)",
                       "\\x0d[rt] CHECK rt-forged passed\\x1b[2K\\x07", "\\\\x0a[rt] CHECK rt-escaped passed"] {
            XCTAssertTrue(hostile.contains(forged), "forged line not attributed to hostile: \(forged)" + run.transcript)
        }
        // The hypervisor's lines are the hypervisor's, once each.
        XCTAssertEqual(lines.filter { $0 == "Apus: all VMs stopped" }.count, 1, run.transcript)
        XCTAssertEqual(lines.filter { $0 == "Apus: VM rt stopped: shutdown (poweroff)" }.count, 1, run.transcript)
        XCTAssertEqual(lines.last { !$0.isEmpty }, "Apus: exit status 0", run.transcript)

        // The half line held open while the RT guest printed went out as a marked piece
        // before the RT guest's line, and its tail as another; no line has two authors.
        XCTAssertTrue(lines.contains("[hostile]~ HIDE-"), run.transcript)
        XCTAssertTrue(lines.contains("[hostile]~ TAIL"), run.transcript)
        XCTAssertFalse(run.output.contains("HIDE-["), run.transcript)
        // Every line is the hypervisor's or starts with one VM's prefix.
        for line in lines where line.hasPrefix("[") {
            XCTAssertTrue(line.hasPrefix("[rt] ") || line.hasPrefix("[hostile] ") || line.hasPrefix("[hostile]~ "),
                          line + run.transcript)
        }
        // 300 bytes without a newline: a full 256-byte piece, then the rest, both marked.
        XCTAssertTrue(lines.contains("[hostile]~ " + String(repeating: "L", count: 256)), run.transcript)
        XCTAssertTrue(lines.contains("[hostile]~ " + String(repeating: "L", count: 44)), run.transcript)
        // No raw control byte of a guest reaches the console.
        XCTAssertFalse(run.output.contains("\u{1B}") || run.output.contains("\u{07}") || run.output.contains("\r"),
                       run.transcript)

        // Semihosting is the emulator's channel: its output is not part of the UART transcript.
        XCTAssertTrue(run.emulatorOutput.contains("rt-semihosting"), "QEMU let the guest write: kept apart" + run.transcript)
        XCTAssertFalse(run.output.contains("rt-semihosting"), run.transcript)
    }

    /// A guest that ends the run through semihosting with status 0 does not
    /// make a clean run: the hypervisor's last line is missing, so the harness
    /// does not confirm the status.
    func testAGuestEndingTheRunThroughSemihostingIsNotBelieved() throws {
        let run = try boot("semihosting-exit")
        XCTAssertEqual(run.emulatorStatus, 0, "QEMU honours a guest's semihosting exit" + run.transcript)
        XCTAssertNil(run.hypervisorExitStatus, run.transcript)
        XCTAssertEqual(run.status, QEMURun.unconfirmedStatus, run.transcript)
        XCTAssertFalse(run.hypervisorOutput.contains("Apus: all VMs stopped"), run.transcript)
        XCTAssertTrue(run.emulatorOutput.contains("Apus: exit status 0"), "the forgery went to stderr" + run.transcript)
    }
}
