import Foundation
import TestSupport
import XCTest

/// The split console (docs/CONSOLE.md): a driver domain that owns UART0
/// serves the other VMs' Xen console rings; their lines reach the console
/// without a single console_io hypercall.
final class SplitConsoleTests: XCTestCase {
    func testGuestsPrintThroughTheirRingsAndTheDriverDomain() throws {
        try guestsPrintThroughTheirRings(on: .vexpressA15)
    }

    /// The same on virt (Configs/virt/split-console.dts): consoled owns virt's
    /// one PL011 (named by its bootargs uart= and uart-irq=): the rings' lines
    /// reach QEMU's serial port only if it writes the right address.
    func testGuestsPrintThroughTheirRingsOnVirt() throws {
        try guestsPrintThroughTheirRings(on: .virt)
    }

    private func guestsPrintThroughTheirRings(on platform: TestPlatform) throws {
        let run = try QEMU.bootSystem("split-console", on: platform, timeout: 120)
        let report = GuestReport(output: run.output)
        XCTAssertTrue(run.output.contains("\n[consoled] CONSOLE name=rt dom=1"), run.transcript)
        XCTAssertTrue(run.output.contains("\n[consoled] CONSOLE name=gp dom=2"), run.transcript)
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
        try typedLinesReachTheSelectedGuestOnly(on: .vexpressA15)
    }

    /// The same on virt (Configs/virt/console-input.dts): the receive
    /// interrupt is virt's PL011 SPI (INTID 33), named by consoled's bootargs.
    func testTypedLinesReachTheSelectedGuestOnlyOnVirt() throws {
        try typedLinesReachTheSelectedGuestOnly(on: .virt)
    }

    private func typedLinesReachTheSelectedGuestOnly(on platform: TestPlatform) throws {
        let typed = "hello left\r" + "\u{1D}2" + "hello right\rquit\r" + "\u{1D}9" + "\u{1D}1" + "quit\r"
        let run = try QEMU.bootSystem("console-input", on: platform, timeout: 120, input: typed,
                                      typeAfter: "[consoled] INPUT -> left dom=1")
        let lines = run.output.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        XCTAssertEqual(lines.filter { $0.hasPrefix("[left] ECHO ") && !$0.contains("ready") },
                       ["[left] ECHO hello left", "[left] ECHO quit"], run.transcript)
        XCTAssertEqual(lines.filter { $0.hasPrefix("[right] ECHO ") && !$0.contains("ready") },
                       ["[right] ECHO hello right", "[right] ECHO quit"], run.transcript)
        XCTAssertTrue(run.output.contains("\n[consoled] INPUT -> left dom=1"), run.transcript)
        XCTAssertTrue(run.output.contains("\n[consoled] INPUT -> right dom=2"), run.transcript)
        XCTAssertTrue(run.output.contains("\n[consoled] INPUT: dom=9") == false, "9 is not a domain digit" + run.transcript)
        XCTAssertTrue(run.output.contains("\n[consoled] INPUT: type Ctrl-]"), "Ctrl-] 9 gets the usage line" + run.transcript)
        let report = GuestReport(output: run.output)
        XCTAssertEqual(report.checks(of: "left")["echo-input"], true, run.transcript)
        XCTAssertEqual(report.checks(of: "right")["echo-input"], true, run.transcript)
        // 11 + 17 + 5 bytes routed (the Ctrl-] pairs are consumed), none discarded.
        XCTAssertTrue(run.output.contains("CONSOLED lines=8 consoles=2 input=33 discarded=0"), run.transcript)
    }
}

/// Console input without a driver domain (Configs/console-input-direct.dts,
/// docs/CONSOLE.md): the hypervisor reads UART0, queues bytes for the focused
/// VM and raises VIRQ_CONSOLE for it; the echo guests bind that VIRQ, block,
/// and collect their bytes with console_io read. Ctrl-] and a VM index move
/// the focus.
final class HypervisorConsoleInputTests: XCTestCase {
    func testTypedLinesReachTheFocusedVMThroughConsoleIORead() throws {
        let typed = "hello left\r" + "\u{1D}1" + "hello right\r" + "\u{1D}9" + "\u{1D}1" + "quit\r" + "\u{1D}0" + "quit\r"
        // Typed once both guests are ready (bytes typed while the hypervisor sets UART0 up may be lost).
        let run = try QEMU.boot("systems/console-input-direct.elf", timeout: 120,
                                extraArguments: ["-icount", "shift=0,sleep=off"], input: typed,
                                typeAfter: "\n[right] ECHO ready port=1")
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        XCTAssertEqual(run.status, 0, run.transcript)
        let report = GuestReport(output: run.output)
        // Each guest got a VIRQ_CONSOLE port (bind_virq succeeded) and exactly its own lines.
        for vm in ["left", "right"] {
            XCTAssertEqual(report.lines(of: vm).first, "ECHO ready port=1", run.transcript)
            XCTAssertEqual(report.checks(of: vm)["echo-input"], true, run.transcript)
        }
        XCTAssertEqual(report.lines(of: "left").filter { $0.hasPrefix("ECHO ") }, ["ECHO ready port=1", "ECHO hello left", "ECHO quit"],
                       run.transcript)
        XCTAssertEqual(report.lines(of: "right").filter { $0.hasPrefix("ECHO ") },
                       ["ECHO ready port=1", "ECHO hello right", "ECHO quit"], run.transcript)
        // The focus moves are the hypervisor's own lines; 9 is not a VM.
        let hypervisor = run.hypervisorOutput
        XCTAssertTrue(hypervisor.contains("\nApus: console input goes to VM right\n"), run.transcript)
        XCTAssertTrue(hypervisor.contains("\nApus: console input goes to VM left\n"), run.transcript)
        XCTAssertTrue(hypervisor.contains("\nApus: console input: type Ctrl-] and a VM index, 0 to 1\n"), run.transcript)
        // Both blocked waiting for input without the stall detector ending the run.
        XCTAssertFalse(hypervisor.contains("nothing can wake them"), run.transcript)
    }
}
