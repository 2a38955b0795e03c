import Foundation
import TestSupport
import XCTest

/// The split block device (docs/BLOCK.md) and the RT guest's passthrough
/// devices: Configs/block-write.dts writes a pattern through the driver
/// domain while the RT guest reads its own virtio-blk disk and reports on
/// its own UART1; after the power-off, Configs/block-verify.dts reads the
/// pattern back through the driver domain on the same image, with the RT
/// guest now on the split path.
final class BlockTests: XCTestCase {
    /// block-*.dts: the store's slice starts at sector 2048 of the split disk;
    /// it writes sectors 0..<600 of its slice with seed 11.
    private let sliceStart = 2048
    private let written = 600
    private let seed: UInt32 = 11

    private func makeImage() throws -> URL { try DiskImages.make(bytes: 16 << 20, for: self) }

    /// Boots `system` with the split disk on transport 3, the direct disk on
    /// transport 2 (on virt: 31 and 30) and, on vexpress-a15, UART1 in a file;
    /// returns the run and UART1's text (virt has no UART1: empty).
    /// `status` 6: a guest fails on purpose (a FAILED check), and the run must say so.
    private func boot(_ system: String, split: URL, direct: URL, on platform: TestPlatform = .vexpressA15,
                      status: Int32 = 0) throws -> (QEMURun, GuestReport, String) {
        let uart1 = FileManager.default.temporaryDirectory.appendingPathComponent("apus-uart1-\(UUID().uuidString).log")
        addTeardownBlock { try? FileManager.default.removeItem(at: uart1) }
        let uart1Arguments = platform == .vexpressA15 ? ["-serial", "file:\(uart1.path)"] : []
        let run = try QEMU.boot(platform.system(system), platform: platform, timeout: 120, extraArguments: [
            "-icount", "shift=0,sleep=off",
        ] + uart1Arguments + DiskImages.arguments([split, direct]))
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        XCTAssertEqual(run.status, status, run.transcript)
        XCTAssertTrue(run.hypervisorOutput.contains("Apus: all VMs stopped"), run.transcript)
        XCTAssertTrue(run.output.contains("VM consoled stopped: shutdown (poweroff)"), run.transcript)
        let serial = (try? String(contentsOf: uart1, encoding: .utf8)) ?? ""
        return (run, GuestReport(output: run.output), serial.replacingOccurrences(of: "\r", with: ""))
    }

    func testSplitWritesSurvivePowerOffWhileTheRTGuestDrivesItsOwnDevices() throws {
        try splitWritesSurvivePowerOff(on: .vexpressA15)
    }

    /// The same on virt (Configs/virt/block-*.dts): consoled owns virt's PL011
    /// and transport 31; the RT guest drives transport 30 and, with no second
    /// UART, reports through its console ring.
    func testSplitWritesSurvivePowerOffOnVirt() throws {
        try splitWritesSurvivePowerOff(on: .virt)
    }

    private func splitWritesSurvivePowerOff(on platform: TestPlatform) throws {
        let split = try makeImage(), direct = try makeImage()

        let (first, firstReport, firstUART1) = try boot("block-write", split: split, direct: direct, on: platform)
        XCTAssertEqual(firstReport.checks(of: "store")["disk-write"], true, first.transcript)
        XCTAssertEqual(firstReport.checks(of: "consoled")["consoled-served"], true, first.transcript)
        // The driver domain's own BLOCK line: one disk, requests served, none refused.
        let block = firstReport.records("BLOCK", of: "consoled")
        XCTAssertEqual(block.count, 1, first.transcript)
        XCTAssertEqual(block.first?["disks"], "1", first.transcript)
        XCTAssertGreaterThan(Int(block.first?["served"] ?? "") ?? 0, 0, first.transcript)
        XCTAssertEqual(block.first?["refused"], "0", first.transcript)
        // On vexpress-a15 the RT guest's report went to its own UART1, not to
        // the console; on virt it comes through its ring.
        let rtReport: String
        switch platform {
        case .vexpressA15:
            XCTAssertTrue(first.output.contains("\n[rt] RT reports on UART1"), first.transcript)
            XCTAssertFalse(first.output.contains("\n[rt] RESULT"), first.transcript)
            rtReport = firstUART1
        case .virt:
            rtReport = first.output.components(separatedBy: "\n").filter { $0.hasPrefix("[rt] ") }
                .map { String($0.dropFirst(5)) }.joined(separator: "\n")
        }
        for line in ["CHECK rt-deadlines passed", "CHECK rt-io passed", "IO path=direct requests=20 errors=0"] {
            XCTAssertTrue(rtReport.contains(line), "RT report: \(line)\n\(rtReport)")
        }
        XCTAssertFalse(rtReport.contains("interrupts=0"), "the passthrough interrupt was injected\n\(rtReport)")

        // On the host: the pattern sits in the store's slice and nowhere else.
        let data = try Data(contentsOf: split)
        for sector in [0, 1, written - 1] {
            XCTAssertEqual(DiskImages.word(data, (sliceStart + sector) * 512), UInt32(sector), "slice sector \(sector)")
            XCTAssertEqual(DiskImages.word(data, (sliceStart + sector) * 512 + 4), seed, "slice sector \(sector)")
        }
        XCTAssertTrue(data[0..<(sliceStart * 512)].allSatisfy { $0 == 0 }, "nothing before the slice")
        XCTAssertTrue(data[((sliceStart + written) * 512)...].allSatisfy { $0 == 0 }, "nothing after what was written")

        let (second, secondReport, _) = try boot("block-verify", split: split, direct: direct, on: platform)
        XCTAssertEqual(secondReport.checks(of: "store")["disk-verify"], true, second.transcript)
        XCTAssertEqual(secondReport.checks(of: "rt")["rt-deadlines"], true, second.transcript)
        XCTAssertEqual(secondReport.checks(of: "rt")["rt-io"], true, second.transcript)
        XCTAssertTrue(second.output.contains("\n[rt] IO path=split requests=20 errors=0"), second.transcript)
        XCTAssertTrue(second.output.contains("\n[consoled] BLOCK disks=2 served="), second.transcript)
    }

    func testVerifyOnAFreshDiskFails() throws {
        let split = try makeImage(), direct = try makeImage()
        let (run, report, _) = try boot("block-verify", split: split, direct: direct, status: 6)
        XCTAssertEqual(report.checks(of: "store")["disk-verify"], false, run.transcript)
        XCTAssertTrue(run.output.contains("\n[store] MISMATCH sector=0"), run.transcript)
    }
}

/// The paper's experiment with I/O (Configs/bench-rtio-*.dts, docs/BENCHMARKS.md):
/// the RT guest of paper-*.dts starts every job with a 4 KiB read, beside a
/// hog. Under SEDF it meets every deadline on both paths; under credit the
/// split path, where each read blocks the RT guest until the driver domain
/// has answered, makes it miss.
final class RTIOTests: XCTestCase {
    /// `status` 6: the RT guest reports missed deadlines (CHECK rt-deadlines FAILED).
    private func run(_ system: String, on platform: TestPlatform, status: Int32 = 0) throws -> (QEMURun, GuestReport) {
        let drives = DiskImages.arguments([try DiskImages.make(bytes: 16 << 20, for: self),
                                           try DiskImages.make(bytes: 16 << 20, for: self)])
        let run = try QEMU.bootSystem(system, on: platform, timeout: 120, extraArguments: drives, expectingStatus: status)
        let report = GuestReport(output: run.output)
        XCTAssertEqual(report.checks(of: "rt")["rt-io"], true, "every read succeeded" + run.transcript)
        return (run, report)
    }

    func testSEDFKeepsTheDeadlinesOnBothPaths() throws {
        try sedfKeepsTheDeadlinesOnBothPaths(on: .vexpressA15)
    }

    func testCreditMissesDeadlinesWhenTheReadsGoThroughTheDriverDomain() throws {
        try creditMissesDeadlinesOnTheSplitPath(on: .vexpressA15)
    }

    /// The same on virt (Configs/virt/bench-rtio-*.dts): the RT guest's own
    /// disk on transport 30, the driver domain's on 31.
    func testSEDFKeepsTheDeadlinesOnBothPathsOnVirt() throws {
        try sedfKeepsTheDeadlinesOnBothPaths(on: .virt)
    }

    func testCreditMissesDeadlinesOnTheSplitPathOnVirt() throws {
        try creditMissesDeadlinesOnTheSplitPath(on: .virt)
    }

    /// QEMU completes a disk read in host time, not in instructions, so on a
    /// loaded host one read can take several virtual milliseconds and cost a
    /// job its deadline whatever the scheduler does. A system therefore gets
    /// up to three runs and must keep every deadline in one of them; credit's
    /// split path misses in every run (the test below), so this still tells
    /// the two policies apart. Every failed run's transcript is in the message.
    private func sedfKeepsTheDeadlinesOnBothPaths(on platform: TestPlatform) throws {
        for system in ["bench-rtio-sedf-direct", "bench-rtio-sedf-split"] {
            var failedRuns: [String] = []
            for _ in 0..<3 {
                let drives = DiskImages.arguments([try DiskImages.make(bytes: 16 << 20, for: self),
                                                   try DiskImages.make(bytes: 16 << 20, for: self)])
                let run = try QEMU.boot(platform.system(system), platform: platform, timeout: 120,
                                        extraArguments: QEMU.deterministic + drives)
                let report = GuestReport(output: run.output)
                if !run.timedOut, run.status == 0, report.misses(of: "rt") == 0,
                   report.checks(of: "rt")["rt-deadlines"] == true, report.checks(of: "rt")["rt-io"] == true {
                    break
                }
                failedRuns.append("run \(failedRuns.count + 1): status \(run.status), misses \(report.misses(of: "rt"))" + run.transcript)
            }
            XCTAssertLessThan(failedRuns.count, 3, system + " missed deadlines in three runs\n" + failedRuns.joined(separator: "\n"))
        }
    }

    /// Under credit the split path costs the RT guest deadlines in one of
    /// two ways, both credit's (docs/BENCHMARKS.md, "RT guest with I/O"):
    /// credit only starts accounting a VCPU that a 10 ms tick finds running,
    /// so who runs at the first tick during boot decides which VM runs out of
    /// credit. When it is the RT guest, the read's reply wakes it with its
    /// credit spent and it waits behind the hog's 30 ms slice (its longest
    /// runnable wait is over its 10 ms period); when it is the driver domain,
    /// the driver domain waits behind the hog and the RT guest's read takes
    /// milliseconds (the guest's slowest read is over 1 ms; under SEDF it is
    /// about 0.1 ms). About 100 us of boot time moves a run from one to the
    /// other. Whether the delay lands on a job's deadline depends on when
    /// QEMU completes the reads (host time), so a run must miss in one of three.
    private func creditMissesDeadlinesOnTheSplitPath(on platform: TestPlatform) throws {
        var runsWithoutMisses: [String] = []
        for _ in 0..<3 {
            let drives = DiskImages.arguments([try DiskImages.make(bytes: 16 << 20, for: self),
                                               try DiskImages.make(bytes: 16 << 20, for: self)])
            let run = try QEMU.boot(platform.system("bench-rtio-credit-split"), platform: platform, timeout: 120,
                                    extraArguments: QEMU.deterministic + drives)
            let report = GuestReport(output: run.output)
            XCTAssertFalse(run.timedOut, "hung" + run.transcript)
            XCTAssertEqual(report.checks(of: "rt")["rt-io"], true, "every read succeeded" + run.transcript)
            let longestWait = report.longestRunnableWait(of: "rt") ?? 0
            let slowestRead = report.value("max", "BENCH", of: "rt") ?? 0
            XCTAssertTrue(longestWait > 10_000 || slowestRead > 1_000_000,
                          "neither the RT guest waited longer than its period (\(longestWait) us) nor a read took "
                              + "over 1 ms (\(Int(slowestRead)) ns)" + run.transcript)
            if report.misses(of: "rt") > 0 {
                XCTAssertEqual(run.status, 6, run.transcript)
                XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], false, run.transcript)
                return
            }
            runsWithoutMisses.append(run.transcript)
        }
        XCTFail("credit kept every deadline in three runs\n" + runsWithoutMisses.joined(separator: "\n"))
    }
}
