import Foundation
import TestSupport
import XCTest

/// Hostile xenstore clients (attack=xenstore) against the driver domain's
/// xenstore, asserted from outside the hostile guest: the driver domain's own
/// count of what it refused it and why it dropped it, the back end's report of
/// its front end that never connected, and the other VMs carrying on.
/// Configs/xenstore-hostile.dts puts it beside Linux with its disk and the RT
/// guest (Linux writes and reads a file after the attack, the host finds it in
/// the image); Configs/xenstore-hostile-ring.dts ends the attacks with
/// impossible ring indices instead of an oversized header.
final class XenstoreHostileTests: XCTestCase {
    static let afterText = "written after the xenstore attack"
    static let session = LinuxTests.Session(
        system: "xenstore-hostile", commands: "cat /mnt/apus.txt\n",
        disk: (first: 2048, sectors: 8192), diskPlatforms: [.vexpressA15])

    func testHostileClientIsRefusedWhileLinuxsDiskAndTheRTGuestCarryOn() throws {
        // The hostile VM attacks after 8 s (after=8000), once Linux has
        // mounted its disk; the file is written once the attack is over.
        let run = try LinuxTests.run(Self.session, on: .vexpressA15, then: [
            (after: "[xs-hostile] HOSTILE attempts=",
             input: "echo \(Self.afterText) > /mnt/after.txt\nsync\ncat /mnt/after.txt\npoweroff\n"),
        ])
        let image = try Data(contentsOf: Self.session.diskImage(on: .vexpressA15))
        try? FileManager.default.removeItem(at: Self.session.diskImage(on: .vexpressA15))
        XCTAssertFalse(run.silent || run.timedOut, "hung or silent" + run.transcript)
        if let oops = LinuxConsole(run.output).oops { XCTFail("Linux oopsed or panicked:\n\(oops)") }
        XCTAssertEqual(run.status, 0, run.transcript)
        let report = GuestReport(output: run.output)
        assertRefusedAndDropped(run, hostile: "xs-hostile", domain: 3, reason: 3)

        // Linux was never refused anything but missing keys, never dropped.
        let consoled = report.lines(of: "consoled")
        let linux = Self.fields(consoled.first { $0.hasPrefix("XENSTORE dom=2 requests=") } ?? "")
        XCTAssertEqual(linux["dropped"], "no", run.transcript)
        XCTAssertTrue(["none", "ENOENT"].contains(linux["errors"] ?? ""), "\(linux)")
        // The RT guest has a ring too (every guest does) and never uses it.
        let rt = Self.fields(consoled.first { $0.hasPrefix("XENSTORE dom=1 requests=") } ?? "")
        XCTAssertEqual(rt["requests"], "0", run.transcript)
        print("xenstore-hostile: " + consoled.filter { $0.hasPrefix("XENSTORE dom=") && $0.contains(" requests=") }.joined(separator: " | "))

        // Linux's disk after the attack: the host's file, a new one written, synced and read back.
        let console = LinuxConsole(run.output)
        XCTAssertTrue(run.output.contains("apus-init: /dev/xvda mounted on /mnt"), run.transcript)
        XCTAssertEqual(console.answer(to: "cat /mnt/apus.txt"), "written by the host", run.transcript)
        XCTAssertEqual(console.answer(to: "cat /mnt/after.txt"), Self.afterText, run.transcript)
        let mounted = run.output.range(of: "apus-init: /dev/xvda mounted on /mnt")?.lowerBound
        let attackOver = run.output.range(of: "[xs-hostile] HOSTILE attempts=")?.lowerBound
        let written = run.output.range(of: "echo \(Self.afterText) > /mnt/after.txt")?.lowerBound
        if let mounted, let attackOver, let written {
            XCTAssertTrue(mounted < attackOver && attackOver < written, "mounted, attacked, then written" + run.transcript)
        } else {
            XCTFail("missing the mount, the attack or the write" + run.transcript)
        }
        let sliceStart = 2048 * 512, sliceEnd = (2048 + 8192) * 512
        XCTAssertNotNil(image[sliceStart..<sliceEnd].range(of: Data(Self.afterText.utf8)), "the file's bytes are on the disk")
        XCTAssertNil(image[..<sliceStart].firstIndex { $0 != 0 }, "a byte before Linux's slice changed")
        XCTAssertNil(image[sliceEnd...].firstIndex { $0 != 0 }, "a byte after Linux's slice changed (the hostile VM's slice)")
        let block = consoled.first { $0.hasPrefix("BLOCK disks=2 ") } ?? ""
        XCTAssertTrue(block.contains("refused=0") && !block.contains("served=0 "), block)
        assertRTKeptItsDeadlines(run)
    }

    func testImpossibleRingIndicesDropTheConnectionAndNothingElse() throws {
        let disk = try DiskImages.make(bytes: 16 << 20, for: self)
        let run = try QEMU.bootSystem("xenstore-hostile-ring", timeout: 300, extraArguments: DiskImages.arguments([disk]))
        assertRefusedAndDropped(run, hostile: "xs-ring", domain: 2, reason: 2)
        let image = try Data(contentsOf: disk)
        XCTAssertNil(image.firstIndex { $0 != 0 }, "nothing was written to the disk")
        assertRTKeptItsDeadlines(run)
    }

    /// The hostile VM's own view (every attempt refused as expected) matches
    /// the driver domain's count (requests, refusals, the errors used, why it
    /// dropped the connection); the back end waited for its front end on
    /// watches, not a timer; the driver domain stayed up to power off.
    private func assertRefusedAndDropped(_ run: QEMURun, hostile: String, domain: Int, reason: Int,
                                         file: StaticString = #filePath, line: UInt = #line) {
        let report = GuestReport(output: run.output)
        let consoled = report.lines(of: "consoled")
        XCTAssertEqual(report.checks(of: hostile)["hostile-xenstore"], true,
                       report.lines(of: hostile).joined(separator: "\n") + run.transcript, file: file, line: line)
        // Its controls too (its own subtree answered), so the refusals are answers to the attacks.
        let checks = report.checks(of: hostile)
        XCTAssertEqual(checks.filter { !$0.value }.keys.sorted(), [], run.transcript, file: file, line: line)
        XCTAssertEqual(checks["xs-control-write-own"], true, file: file, line: line)
        XCTAssertEqual(checks["xs-control-backend-id"], true, file: file, line: line)
        let own = report.records("XSTORE", of: hostile).first ?? [:]
        let served = consoled.first { $0.hasPrefix("XENSTORE dom=\(domain) requests=") } ?? ""
        let fields = Self.fields(served)
        XCTAssertEqual(fields["requests"], own["requests"], "\(served) vs \(own)" + run.transcript, file: file, line: line)
        XCTAssertEqual(fields["refused"], own["errors"], "\(served) vs \(own)", file: file, line: line)
        XCTAssertGreaterThan(Int(fields["refused"] ?? "") ?? 0, 30, served, file: file, line: line)
        let errors = Set((fields["errors"] ?? "").split(separator: ",").map(String.init))
        for name in ["EACCES", "EPERM", "ENOENT", "ENOSPC", "E2BIG", "EINVAL", "ENOSYS", "EBUSY"] {
            XCTAssertTrue(errors.contains(name), "\(hostile) was never refused with \(name): \(served)", file: file, line: line)
        }
        XCTAssertEqual(fields["dropped"], String(reason), served, file: file, line: line)
        XCTAssertTrue(consoled.contains("XENSTORE dom=\(domain) dropped reason=\(reason)"),
                      "the drop is reported when it happens" + run.transcript, file: file, line: line)
        let waiting = consoled.first { $0.hasPrefix("VBD dom=\(domain) never connected: ") } ?? ""
        XCTAssertTrue(waiting.contains("front end state=1, back end waited in state=2 "), waiting + run.transcript,
                      file: file, line: line)
        // Each lookup follows watch events; polling on the 2 ms tick would make thousands.
        let wakeUps = Int(report.records("EVENTS", of: "consoled").first?["wakeups"] ?? "") ?? 0
        XCTAssertLessThan(Int(Self.fields(waiting)["lookups"] ?? "") ?? .max, 20, waiting, file: file, line: line)
        XCTAssertGreaterThan(wakeUps, 200, "the driver domain's loop woke often meanwhile", file: file, line: line)
        XCTAssertEqual(report.checks(of: "consoled")["consoled-served"], true, run.transcript, file: file, line: line)
        XCTAssertTrue(run.output.contains("Apus: VM consoled stopped: shutdown (poweroff)"), run.transcript,
                      file: file, line: line)
    }

    /// Every deadline, and the hypervisor saw the RT guest (SEDF 2625/600 us)
    /// wait at most 2 (P - S) + 100 us for the CPU.
    private func assertRTKeptItsDeadlines(_ run: QEMURun, file: StaticString = #filePath, line: UInt = #line) {
        let report = GuestReport(output: run.output)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript, file: file, line: line)
        XCTAssertEqual(report.misses(of: "rt"), 0, run.transcript, file: file, line: line)
        let wait = report.longestRunnableWait(of: "rt")
        XCTAssertNotNil(wait, run.transcript, file: file, line: line)
        XCTAssertLessThanOrEqual(wait ?? .max, 2 * (2625 - 600) + 100, run.transcript, file: file, line: line)
    }

    /// `key=value` words of a line.
    static func fields(_ line: String) -> [String: String] {
        var fields: [String: String] = [:]
        for word in line.split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1].trimmingCharacters(in: .punctuationCharacters)) }
        }
        return fields
    }
}
