import Foundation
import TestSupport
import XCTest

/// The split console (docs/CONSOLE.md): a driver domain that owns UART0
/// serves the other VMs' Xen console rings; their lines reach the console
/// without a single console_io hypercall.
final class SplitConsoleTests: XCTestCase {
    func testGuestsPrintThroughTheirRingsAndTheDriverDomain() throws {
        let run = try QEMU.bootSystem("split-console", timeout: 120)
        let report = GuestReport(output: run.output)
        XCTAssertTrue(run.output.contains("[consoled] CONSOLE name=rt dom=1"), run.transcript)
        XCTAssertTrue(run.output.contains("[consoled] CONSOLE name=gp dom=2"), run.transcript)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, "rt's lines came through its ring" + run.transcript)
        XCTAssertEqual(report.checks(of: "gp")["load-ran"], true, run.transcript)
        XCTAssertEqual(report.checks(of: "consoled")["consoled-served"], true, run.transcript)
        for vm in ["rt", "gp"] {
            XCTAssertTrue(run.output.contains("VM \(vm): hypercalls "), run.transcript)
            let counters = run.output.components(separatedBy: "VM \(vm): hypercalls ").last ?? ""
            XCTAssertTrue(counters.contains("console_io writes 0,"), "\(vm) must not use console_io" + run.transcript)
        }
    }
}

/// Console input (docs/CONSOLE.md): bytes typed on UART0 reach the guest
/// that has the input focus, through the `in` stream of its ring; Ctrl-]
/// and a domain id move the focus.
final class ConsoleInputTests: XCTestCase {
    func testTypedLinesReachTheSelectedGuestOnly() throws {
        let typed = "hello left\r" + "\u{1D}2" + "hello right\rquit\r" + "\u{1D}9" + "\u{1D}1" + "quit\r"
        let run = try QEMU.bootSystem("console-input", timeout: 120, input: typed,
                                      typeAfter: "[consoled] INPUT -> left dom=1")
        let lines = run.output.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        XCTAssertEqual(lines.filter { $0.hasPrefix("[left] ECHO ") && !$0.contains("ready") },
                       ["[left] ECHO hello left", "[left] ECHO quit"], run.transcript)
        XCTAssertEqual(lines.filter { $0.hasPrefix("[right] ECHO ") && !$0.contains("ready") },
                       ["[right] ECHO hello right", "[right] ECHO quit"], run.transcript)
        XCTAssertTrue(run.output.contains("[consoled] INPUT -> left dom=1"), run.transcript)
        XCTAssertTrue(run.output.contains("[consoled] INPUT -> right dom=2"), run.transcript)
        XCTAssertTrue(run.output.contains("[consoled] INPUT: dom=9") == false, "9 is not a domain digit" + run.transcript)
        XCTAssertTrue(run.output.contains("[consoled] INPUT: type Ctrl-]"), "Ctrl-] 9 gets the usage line" + run.transcript)
        let report = GuestReport(output: run.output)
        XCTAssertEqual(report.checks(of: "left")["echo-input"], true, run.transcript)
        XCTAssertEqual(report.checks(of: "right")["echo-input"], true, run.transcript)
        // 11 + 17 + 5 bytes routed (the Ctrl-] pairs are consumed), none discarded.
        XCTAssertTrue(run.output.contains("CONSOLED lines=8 consoles=2 input=33 discarded=0"), run.transcript)
    }
}
