import ApusTools
import Foundation
import TestSupport
import XCTest

/// Configs/linux-cyclictest.dts (docs/LINUX.md, "cyclictest"): cyclictest in
/// the PREEMPT_RT guest beside the stock kernel running a CPU hog and disk
/// load, Apus's native RT guest and the driver domain, one CPU, SEDF. What is
/// asserted comes from outside the measuring guest where it can: the
/// hypervisor's stop lines and report, the host's disk image, the RT guest's
/// own report; cyclictest's numbers from its output, checked for consistency.
final class LinuxCyclictestTests: XCTestCase {
    /// The configuration's apus.cyclictest= and rt-linux's SEDF reservation.
    private let loops = 1000
    private let period = 660, slice = 205
    private let gpDisk = LinuxTests.linuxDisk
    private static let session = LinuxTests.Session(system: "linux-cyclictest", commands: "",
                                                     disk: LinuxTests.linuxDisk, diskPlatforms: [.vexpressA15],
                                                     platforms: [.vexpressA15])

    func testCyclictestEndsTheRunBesideALoadedLinux() throws {
        let run = try LinuxTests.run(Self.session, on: .vexpressA15, timeout: 300)
        XCTAssertFalse(run.silent, "silent for 20 s of virtual time" + LinuxConsole(run.output).tail)
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        if let oops = LinuxConsole(run.output).oops { XCTFail("Linux oopsed or panicked:\n\(oops)") }
        XCTAssertEqual(run.status, 0, run.transcript)

        // The run ended because the RT Linux powered off (ends-run), the loaded one still going.
        let output = run.hypervisorOutput
        let rtLinuxStopped = try XCTUnwrap(output.range(of: "Apus: VM rt-linux stopped: shutdown (poweroff)\n"), run.transcript)
        let gpStopped = try XCTUnwrap(output.range(of: "Apus: VM gp-linux stopped: run ended by rt-linux\n"), run.transcript)
        XCTAssertLessThan(rtLinuxStopped.lowerBound, gpStopped.lowerBound, run.transcript)

        // The summary line, and the histogram it summarises, between begin and end
        // (read as `apus experiment report` reads them).
        let cyclictest = try CyclictestReport.parse(console: run.output, label: "rt-linux")
        XCTAssertEqual(cyclictest.samples, loops, run.transcript)
        XCTAssertEqual(cyclictest.overflows, 0, run.transcript)
        XCTAssertTrue(cyclictest.minUs <= cyclictest.avgUs && cyclictest.avgUs <= cyclictest.maxUs && cyclictest.maxUs > 0, "\(cyclictest)")
        XCTAssertEqual(cyclictest.histogram.map(\.count).reduce(0, +), loops, "histogram: \(cyclictest.histogram)")
        XCTAssertEqual(cyclictest.histogram.first?.bucketUs, cyclictest.minUs, "\(cyclictest.histogram)")
        XCTAssertEqual(cyclictest.histogram.last?.bucketUs, cyclictest.maxUs, "\(cyclictest.histogram)")
        // The hypervisor saw rt-linux wait at most 2 (P - S) plus its own latency for the CPU.
        let waits = try XCTUnwrap(Self.longestWaits(in: output), run.transcript)
        XCTAssertLessThanOrEqual(try XCTUnwrap(waits["rt-linux"]), 2 * (period - slice) + 100, "\(waits)")

        // The general-purpose Linux ran its load: its hog and its disk load
        // started, and its slice of the host's image holds what it wrote.
        XCTAssertTrue(run.output.contains("[gp-linux] apus-init: starting a CPU hog (apus.hog=1)"), run.transcript)
        XCTAssertTrue(run.output.contains("[gp-linux] apus-diskload: first pass done"), run.transcript)
        let image = try Data(contentsOf: Self.session.diskImage(on: .vexpressA15))
        let slice = (gpDisk.first * 512)..<((gpDisk.first + gpDisk.sectors) * 512)
        XCTAssertEqual(String(decoding: image[slice.lowerBound..<(slice.lowerBound + 28)], as: UTF8.self), "apus-diskload\napus-diskload\n")
        XCTAssertTrue(image[slice.upperBound...].allSatisfy { $0 == 0 }, "bytes after gp-linux's slice changed")
        XCTAssertTrue(image[..<slice.lowerBound].allSatisfy { $0 == 0 }, "bytes before gp-linux's slice changed")
        XCTAssertGreaterThan(try XCTUnwrap(HypervisorReport(output: run.output).commonWindow?.received["gp-linux"]), 0)

        // Apus's native RT guest kept every deadline beside them and reported before the end.
        let report = GuestReport(output: run.output)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.value("misses", "RESULT", of: "rt"), 0, run.transcript)
        try? FileManager.default.removeItem(at: Self.session.diskImage(on: .vexpressA15))
    }

    /// `  longest runnable wait: a N us, b N us`.
    static func longestWaits(in output: String) -> [String: Int]? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("  longest runnable wait:") }) else { return nil }
        var waits: [String: Int] = [:]
        for entry in line.dropFirst("  longest runnable wait:".count).split(separator: ",") {
            let words = entry.split(separator: " ")
            if words.count == 3, let us = Int(words[1]) { waits[String(words[0])] = us }
        }
        return waits
    }
}
