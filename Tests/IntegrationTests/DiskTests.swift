import Foundation
import TestSupport
import XCTest

/// Passthrough virtio-blk (Configs/disk-direct*.dts, disk.bin): a pattern
/// written in one boot must still be there after the power-off, in the next
/// boot and in the host's image file at the right byte offsets; a fresh
/// image must fail the same verify.
final class DiskTests: XCTestCase {
    /// The sectors disk-direct-write.dts and disk-direct-verify.dts name (first=16 sectors=200 seed=7).
    private let first = 16
    private let sectors = 200
    private let seed: UInt32 = 7

    private func makeImage() throws -> URL { try DiskImages.make(bytes: 8 << 20, for: self) }

    private func boot(_ system: String, disk: URL?, on platform: TestPlatform = .vexpressA15,
                      status: Int32 = 0) throws -> (QEMURun, GuestReport) {
        try boot(system, disks: disk.map { [$0] } ?? [], on: platform, status: status)
    }

    /// The first disk lands on transport 3, the second on transport 2 (on virt: 31 and 30).
    /// `status` 6: the guest fails on purpose (a FAILED check, a crash), and the run must say so.
    private func boot(_ system: String, disks: [URL], on platform: TestPlatform = .vexpressA15,
                      status: Int32 = 0) throws -> (QEMURun, GuestReport) {
        let run = try QEMU.bootExpectingCleanEnd(system, on: platform, timeout: 120,
                                                 extraArguments: DiskImages.arguments(disks), expectingStatus: status)
        return (run, GuestReport(output: run.output))
    }

    func testWrittenPatternSurvivesPowerOffAndLandsAtItsSectors() throws {
        try writtenPatternSurvivesPowerOff(on: .vexpressA15)
    }

    /// The same on virt (Configs/virt/disk-direct-*.dts): the VM drives transport 31.
    func testWrittenPatternSurvivesPowerOffOnVirt() throws {
        try writtenPatternSurvivesPowerOff(on: .virt)
    }

    private func writtenPatternSurvivesPowerOff(on platform: TestPlatform) throws {
        let image = try makeImage()
        let (written, writeReport) = try boot("disk-direct-write", disk: image, on: platform)
        let writeChecks = writeReport.checks(of: "disk")
        for name in ["disk-grant-copy", "disk-device", "disk-write", "disk-interrupts"] {
            XCTAssertEqual(writeChecks[name], true, "CHECK \(name)" + written.transcript)
        }
        XCTAssertEqual(writeReport.value("capacity", "DEVICE", of: "disk"), 16384, written.transcript)
        // GNTTABOP_copy both ways through a self-grant; a copy into a read-only grant: GNTST_general_error.
        XCTAssertEqual(writeReport.value("read_status", "GRANTCOPY", of: "disk"), 0, written.transcript)
        XCTAssertEqual(writeReport.value("write_status", "GRANTCOPY", of: "disk"), 0, written.transcript)
        XCTAssertEqual(writeReport.value("readonly_status", "GRANTCOPY", of: "disk"), -1, written.transcript)
        // Batches of 1, 16, 17 and 100 copies in one hypercall each (the hypervisor restarts
        // the call every 16): every operation's status and bytes right, as the guest saw them...
        XCTAssertEqual(writeChecks["disk-grant-batches"], true, written.transcript)
        for count in [1, 16, 17, 100] {
            let batch = writeReport.records("GRANTBATCH", of: "disk").first { $0["count"] == "\(count)" }
            XCTAssertEqual(batch?["result"], "0", "batch of \(count)" + written.transcript)
            XCTAssertEqual(batch?["right"], "\(count)", "batch of \(count)" + written.transcript)
        }
        // ...and as the hypervisor counted them: setup_table, the 3 single copies, 1 + 16 + 17 + 100
        // (on virt the VM's line goes on with its forwarded accesses).
        XCTAssertTrue(written.output.split(separator: "\n").contains {
            $0.hasPrefix("  VM disk: ") && $0.components(separatedBy: ", ").contains("grant operations 138")
        }, written.transcript)
        XCTAssertTrue(written.hypervisorOutput.contains("Apus: VM disk stopped: shutdown (poweroff)"), written.transcript)

        // On the host: sector n starts with the words n and seed; around the range, zeros.
        let data = try Data(contentsOf: image)
        XCTAssertEqual(data.count, 8 << 20)
        for sector in [first, first + 1, first + sectors - 1] {
            XCTAssertEqual(DiskImages.word(data, sector * 512), UInt32(sector), "sector \(sector)")
            XCTAssertEqual(DiskImages.word(data, sector * 512 + 4), seed, "sector \(sector)")
        }
        XCTAssertTrue(data[((first - 1) * 512)..<(first * 512)].allSatisfy { $0 == 0 }, "sector before the range")
        XCTAssertTrue(data[((first + sectors) * 512)..<((first + sectors + 1) * 512)].allSatisfy { $0 == 0 },
                      "sector after the range")

        // A new QEMU, the same image: the verify passes.
        let (verified, verifyReport) = try boot("disk-direct-verify", disk: image, on: platform)
        let verifyChecks = verifyReport.checks(of: "disk")
        for name in ["disk-device", "disk-verify", "disk-interrupts"] {
            XCTAssertEqual(verifyChecks[name], true, "CHECK \(name)" + verified.transcript)
        }
        XCTAssertTrue(verifyReport.records("MISMATCH", of: "disk").isEmpty, verified.transcript)
    }

    func testVerifyFailsOnAFreshImage() throws {
        let (run, report) = try boot("disk-direct-verify", disk: try makeImage(), status: 6)
        XCTAssertEqual(report.checks(of: "disk")["disk-device"], true, run.transcript)
        XCTAssertEqual(report.checks(of: "disk")["disk-verify"], false, run.transcript)
        XCTAssertEqual(report.value("sector", "MISMATCH", of: "disk"), Double(first), run.transcript)
    }

    func testRoundTripsAreTimedAndEveryCompletionInterrupts() throws {
        try roundTrips(on: .vexpressA15)
    }

    /// The same on virt (Configs/virt/disk-direct.dts): virt's own transport,
    /// a sub-page window the hypervisor forwards, its own interrupt.
    func testRoundTripsOnVirtThroughAForwardedTransport() throws {
        let (run, _) = try roundTrips(on: .virt)
        XCTAssertTrue(run.output.contains("virtio=0x0a003e00 irq=79 physical-base=0x41000000"), run.transcript)
        XCTAssertTrue(run.output.contains("forwarded accesses "), run.transcript)
    }

    @discardableResult
    private func roundTrips(on platform: TestPlatform) throws -> (QEMURun, GuestReport) {
        let (run, report) = try boot("disk-direct", disk: try makeImage(), on: platform)
        XCTAssertEqual(report.checks(of: "disk")["disk-roundtrip"], true, run.transcript)
        let bench = try XCTUnwrap(report.records("BENCH", of: "disk").first, run.transcript)
        let value = { (key: String) in Double(bench[key] ?? "") ?? -1 }
        XCTAssertTrue(run.output.contains("\n[disk] BENCH guest disk-read-4k-direct n=1000 "), run.transcript)
        XCTAssertGreaterThan(value("min"), 0, run.transcript)
        XCTAssertLessThanOrEqual(value("min"), value("mean"), run.transcript)
        XCTAssertLessThanOrEqual(value("mean"), value("max"), run.transcript)
        XCTAssertLessThanOrEqual(value("p99"), value("max"), run.transcript)
        XCTAssertGreaterThanOrEqual(value("p99"), value("min"), run.transcript)
        // One completion interrupt per request through the passthrough path.
        let requests = try XCTUnwrap(report.value("requests", "VIRTIO", of: "disk"), run.transcript)
        XCTAssertEqual(requests, 1000, run.transcript)
        XCTAssertEqual(report.value("interrupts", "VIRTIO", of: "disk"), requests, run.transcript)
        return (run, report)
    }

    /// make bench's I/O system (Configs/bench-io-sedf-hog.dts): the guest times
    /// its own transport, then the driver domain's disk, then console lines
    /// both ways, while the hog runs; everything ends.
    func testBothPathsAreTimedOneAfterTheOther() throws {
        try bothPathsAreTimed(on: .vexpressA15, ownTransport: "virtio=0x1c130400 irq=74")
    }

    /// The same on virt (Configs/virt/bench-io-sedf-hog.dts): the guest's own
    /// transport is 30, the driver domain's 31.
    func testBothPathsAreTimedOnVirt() throws {
        try bothPathsAreTimed(on: .virt, ownTransport: "virtio=0x0a003c00 irq=78")
    }

    private func bothPathsAreTimed(on platform: TestPlatform, ownTransport: String) throws {
        let (run, report) = try boot("bench-io-sedf-hog", disks: [try makeImage(), try makeImage()], on: platform)
        let checks = report.checks(of: "disk")
        XCTAssertEqual(checks["disk-roundtrip"], true, run.transcript)
        XCTAssertEqual(checks["disk-interrupts"], true, run.transcript)
        XCTAssertFalse(run.output.contains("FAILED"), run.transcript)
        XCTAssertTrue(run.output.contains("\n[disk] DISK vm=1 mode=roundtrip path=both \(ownTransport)"), run.transcript)
        let lines = ["disk-read-4k-direct n=200 ", "disk-read-4k-split n=200 ", "console-line-ring n=20 ",
                     "console-line-hypercall n=20 "]
        let positions = try lines.map { line in
            try XCTUnwrap(run.output.range(of: "\n[disk] BENCH guest " + line), line + run.transcript).lowerBound
        }
        XCTAssertEqual(positions, positions.sorted(), run.transcript)
        XCTAssertTrue(run.output.contains("\n[consoled] BLOCK disks=1 served=200 refused=0"), run.transcript)
        let diskStopped = try XCTUnwrap(run.output.range(of: "\nApus: VM disk stopped: shutdown (poweroff)"), run.transcript)
        let hogStopped = try XCTUnwrap(run.output.range(of: "\nApus: VM hog stopped"), run.transcript)
        XCTAssertLessThan(diskStopped.lowerBound, hogStopped.lowerBound, "the hog outlives the measurement" + run.transcript)
    }

    func testWithoutADiskTheGuestSaysWhatIsMissing() throws {
        let (run, report) = try boot("disk-direct", disk: nil, status: 6)
        XCTAssertEqual(report.checks(of: "disk")["disk-device"], false, run.transcript)
        XCTAssertTrue(run.output.contains("\n[disk] ERROR virtio: device id 0 (no device behind the transport), expected 2"),
                      run.transcript)
        XCTAssertTrue(run.hypervisorOutput.contains("Apus: VM disk stopped: shutdown (crash)"), run.transcript)
    }
}
