import Foundation
import TestSupport
import XCTest

/// Configs/xenstore-hostile.dts: two hostile VMs attack the driver domain's
/// xenstore through their own rings (attack=xenstore) beside Linux with its
/// disk and the RT guest. Asserted from outside the hostile guests: the
/// driver domain's own count of what it refused each of them and why it
/// dropped them, Linux writing and reading a file on its disk after the
/// attacks (and the host finding it in the image), the RT guest's deadlines
/// and the hypervisor's longest runnable wait for it, and the back end's
/// report of the two front ends that never connected.
final class XenstoreHostileTests: XCTestCase {
    static let afterText = "written after the xenstore attack"
    static let session = LinuxTests.Session(
        system: "xenstore-hostile",
        commands: "cat /mnt/apus.txt\necho \(afterText) > /mnt/after.txt\nsync\ncat /mnt/after.txt\npoweroff\n",
        disk: (first: 2048, sectors: 8192), diskPlatforms: [.vexpressA15])

    /// The hostile VMs: label, domain id, the page error (XENSTORE_ERROR_*) their ending must cause.
    static let hostiles = [(label: "xs-proto", domain: 3, dropped: 3), (label: "xs-ring", domain: 4, dropped: 2)]

    func testHostileClientsAreRefusedWhileLinuxsDiskAndTheRTGuestCarryOn() throws {
        let run = try LinuxTests.run(Self.session, on: .vexpressA15)
        let image = try Data(contentsOf: Self.session.diskImage(on: .vexpressA15))
        try? FileManager.default.removeItem(at: Self.session.diskImage(on: .vexpressA15))
        XCTAssertFalse(run.silent || run.timedOut, "hung or silent" + run.transcript)
        if let oops = LinuxConsole(run.output).oops { XCTFail("Linux oopsed or panicked:\n\(oops)") }
        XCTAssertEqual(run.status, 0, run.transcript)
        let report = GuestReport(output: run.output)
        let consoled = report.lines(of: "consoled")

        for hostile in Self.hostiles {
            // The guest's own view: every attempt refused as expected.
            XCTAssertEqual(report.checks(of: hostile.label)["hostile-xenstore"], true,
                           report.lines(of: hostile.label).joined(separator: "\n"))
            let own = report.records("XSTORE", of: hostile.label).first ?? [:]
            // The driver domain's view, counted by the store itself.
            let line = consoled.first { $0.hasPrefix("XENSTORE dom=\(hostile.domain) requests=") } ?? ""
            let fields = Self.fields(line)
            XCTAssertEqual(fields["requests"], own["requests"], "\(hostile.label): \(line) vs \(own)" + run.transcript)
            XCTAssertEqual(fields["refused"], own["errors"], "\(hostile.label): \(line) vs \(own)")
            XCTAssertGreaterThan(Int(fields["refused"] ?? "") ?? 0, 30, line)
            let errors = Set((fields["errors"] ?? "").split(separator: ",").map(String.init))
            for name in ["EACCES", "EPERM", "ENOENT", "ENOSPC", "E2BIG", "EINVAL", "ENOSYS", "EBUSY"] {
                XCTAssertTrue(errors.contains(name), "\(hostile.label) was never refused with \(name): \(line)")
            }
            XCTAssertEqual(fields["dropped"], String(hostile.dropped), line)
            XCTAssertTrue(consoled.contains("XENSTORE dom=\(hostile.domain) dropped reason=\(hostile.dropped)"),
                          "the drop is reported when it happens" + run.transcript)
            // Its front end never connected: the back end waited on watches, not on a timer.
            let waiting = consoled.first { $0.hasPrefix("VBD dom=\(hostile.domain) never connected: ") } ?? ""
            XCTAssertTrue(waiting.contains("front end state=1, back end waited in state=2 "), waiting + run.transcript)
            XCTAssertLessThan(Int(Self.fields(waiting)["lookups"] ?? "") ?? .max, 100, waiting)
        }
        // Linux was never dropped and the driver domain stayed up to power off.
        let linux = Self.fields(consoled.first { $0.hasPrefix("XENSTORE dom=2 requests=") } ?? "")
        XCTAssertEqual(linux["dropped"], "no", run.transcript)
        XCTAssertEqual(report.checks(of: "consoled")["consoled-served"], true, run.transcript)
        XCTAssertTrue(run.output.contains("Apus: VM consoled stopped: shutdown (poweroff)"), run.transcript)

        // Linux's disk after the attacks: the host's file, a new one written, synced and read back.
        let console = LinuxConsole(run.output)
        XCTAssertEqual(console.answer(to: "cat /mnt/apus.txt"), "written by the host", run.transcript)
        XCTAssertEqual(console.answer(to: "cat /mnt/after.txt"), Self.afterText, run.transcript)
        let attacksOver = Self.hostiles.compactMap { run.output.range(of: "[\($0.label)] HOSTILE attempts=")?.lowerBound }
        let written = run.output.range(of: "# echo \(Self.afterText)")?.lowerBound
        XCTAssertEqual(attacksOver.count, 2, run.transcript)
        if let written { XCTAssertTrue(attacksOver.allSatisfy { $0 < written }, "the file was written after both attacks") }
        let sliceStart = 2048 * 512, sliceEnd = (2048 + 8192) * 512
        XCTAssertNotNil(image[sliceStart..<sliceEnd].range(of: Data(Self.afterText.utf8)), "the file's bytes are on the disk")
        XCTAssertNil(image[..<sliceStart].firstIndex { $0 != 0 }, "a byte before Linux's slice changed")
        XCTAssertNil(image[sliceEnd...].firstIndex { $0 != 0 }, "a byte after Linux's slice changed (the hostile VMs' slices)")
        let block = consoled.first { $0.hasPrefix("BLOCK disks=3 ") } ?? ""
        XCTAssertTrue(block.contains("refused=0"), block)

        // The RT guest: every deadline, and the hypervisor saw it wait less than one period.
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.misses(of: "rt"), 0, run.transcript)
        let wait = report.longestRunnableWait(of: "rt")
        XCTAssertNotNil(wait, run.transcript)
        XCTAssertLessThan(wait ?? .max, 2625, "rt's period is 2625 us")
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
