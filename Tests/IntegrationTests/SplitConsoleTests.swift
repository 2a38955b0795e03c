import Foundation
import XCTest

/// The split console (docs/CONSOLE.md): a driver domain that owns UART0
/// serves the other VMs' Xen console rings; their lines reach the console
/// without a single console_io hypercall.
final class SplitConsoleTests: XCTestCase {
    func testGuestsPrintThroughTheirRingsAndTheDriverDomain() throws {
        let run = try QEMU.boot("systems/split-console.elf", timeout: 120, extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        XCTAssertEqual(run.status, 0, run.transcript)
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
