import Foundation
import TestSupport
import XCTest

/// Hostile block front ends (Configs/block-hostile.dts, hostile.bin with
/// attack=blkif): out-of-range sectors, bad grants, malformed requests, event
/// storms and a ring overrun each get an error answer (or, for the overrun,
/// the ring dropped), never a crash of the driver domain and never a write
/// outside the slice; the store guest beside it writes its pattern, which a
/// second boot (block-verify.dts) reads back; the RT guest keeps its deadlines.
final class BlockHostileTests: XCTestCase {
    /// block-hostile.dts: the store writes sectors 0..<600 of its slice at 2048, seed 11;
    /// the hostile guest's slice is 8192..<9216.
    private let storeFirst = 2048
    private let storeWritten = 600
    private let seed: UInt32 = 11
    private let imageBytes = 16 << 20

    /// Every attack the hostile guest records (each must be refused).
    private let attacks = [
        "hostile-blkif-read-past-slice", "hostile-blkif-write-past-slice", "hostile-blkif-write-at-slice-end",
        "hostile-blkif-read-sector-wraps", "hostile-blkif-write-sector-max",
        "hostile-blkif-write-ungranted-ref", "hostile-blkif-write-huge-ref", "hostile-blkif-write-foreign-grant",
        "hostile-blkif-write-half-granted", "hostile-blkif-read-into-readonly", "hostile-blkif-readonly-page-intact",
        "hostile-blkif-read-ungranted-ref", "hostile-blkif-read-into-frame-past-ram",
        "hostile-blkif-write-from-device-frame",
        "hostile-blkif-operation-2", "hostile-blkif-operation-255", "hostile-blkif-read-no-segments",
        "hostile-blkif-read-200-segments", "hostile-blkif-write-12-segments", "hostile-blkif-first-after-last",
        "hostile-blkif-last-sector-8", "hostile-blkif-last-sector-255", "hostile-blkif-flush-with-segments",
        "hostile-blkif-overrun-dropped",
    ]

    private func makeImage() throws -> URL { try DiskImages.make(bytes: UInt64(imageBytes), for: self) }

    /// `status` 6: block-hostile's quitter crashes on purpose, and the run must say so.
    private func boot(_ system: String, disk: URL, on platform: TestPlatform, status: Int32 = 0) throws -> (QEMURun, GuestReport) {
        let run = try QEMU.bootExpectingCleanEnd(system, on: platform, timeout: 240, extraArguments: DiskImages.arguments([disk]),
                                                 expectingStatus: status)
        return (run, GuestReport(output: run.output))
    }

    func testHostileFrontendIsRefusedWhileTheOthersAreServedAndKeepTheirDeadlines() throws {
        try hostileFrontendIsRefused(on: .vexpressA15)
    }

    /// The same on virt (Configs/virt/block-hostile.dts): the driver domain
    /// owns virt's PL011 and transport 31.
    func testHostileFrontendIsRefusedOnVirt() throws {
        try hostileFrontendIsRefused(on: .virt)
    }

    private func hostileFrontendIsRefused(on platform: TestPlatform) throws {
        let image = try makeImage()
        let (run, report) = try boot("block-hostile", disk: image, on: platform, status: 6)

        // Every attack refused, with the expected status; the controls served.
        let hostile = report.checks(of: "hostile")
        for name in attacks { XCTAssertEqual(hostile[name], true, "CHECK \(name)" + run.transcript) }
        XCTAssertEqual(hostile["hostile-blkif-control-read"], true, run.transcript)
        XCTAssertEqual(hostile["hostile-blkif-served-after-storm"], true, run.transcript)
        XCTAssertEqual(hostile["hostile-blkif"], true, run.transcript)
        XCTAssertEqual(hostile.values.filter { !$0 }.count, 0, run.transcript)
        let summary = report.records("HOSTILE", of: "hostile").first { $0["attempts"] != nil }
        XCTAssertEqual(summary?["attempts"], "\(attacks.count)", run.transcript)
        XCTAssertEqual(summary?["not_refused"], "0", run.transcript)
        XCTAssertTrue(run.output.contains("\n[hostile] BLKIF hostile-blkif-operation-2 status=-2"), run.transcript)
        XCTAssertTrue(run.output.contains("\n[hostile] BLKIF hostile-blkif-write-foreign-grant status=-1"), run.transcript)
        XCTAssertEqual(report.value("block", "STORM", of: "hostile"), 20_000, run.transcript)
        XCTAssertEqual(report.value("console", "STORM", of: "hostile"), 20_000, run.transcript)
        XCTAssertEqual(report.value("errors", "STORM", of: "hostile"), 0, run.transcript)
        XCTAssertTrue(run.hypervisorOutput.contains("Apus: VM hostile stopped: shutdown (poweroff)"), run.transcript)

        // The driver domain dropped the overrun ring, kept serving, and stopped normally.
        XCTAssertTrue(run.output.contains("\n[consoled] OVERRUN disk dom=3 "), run.transcript)
        XCTAssertTrue(run.output.contains(": dropped"), run.transcript)
        XCTAssertEqual(report.checks(of: "consoled")["consoled-served"], true, run.transcript)
        XCTAssertTrue(run.hypervisorOutput.contains("Apus: VM consoled stopped: shutdown (poweroff)"), run.transcript)

        // The others: the store wrote its pattern, the RT guest met every deadline.
        let store = report.checks(of: "store")
        for name in ["disk-device", "disk-write"] { XCTAssertEqual(store[name], true, "CHECK \(name)" + run.transcript) }
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.misses(of: "rt"), 0, run.transcript)

        // The quitter stopped with eight writes in flight; the driver domain
        // carried on (its console and the others' disks above).
        XCTAssertEqual(report.checks(of: "quitter")["hostile-abandon"], true, run.transcript)
        XCTAssertTrue(run.hypervisorOutput.contains("Apus: VM quitter stopped: shutdown (crash)"), run.transcript)
        XCTAssertTrue(run.output.contains("\n[consoled] BLOCK disks=3 "), run.transcript)

        // On the host: the store's sectors hold its pattern; every other byte
        // of the image, the hostile guest's slice included, is still zero,
        // except that the quitter's abandoned writes ('Q' bytes, sectors
        // 9216..<9280) may or may not have been served.
        let data = try Data(contentsOf: image)
        XCTAssertEqual(data.count, imageBytes)
        for sector in [1, 2, storeWritten - 1] {
            XCTAssertEqual(DiskImages.word(data, (storeFirst + sector) * 512), UInt32(sector), "store sector \(sector)")
            XCTAssertEqual(DiskImages.word(data, (storeFirst + sector) * 512 + 4), seed, "store sector \(sector)")
        }
        let written = (storeFirst * 512)..<((storeFirst + storeWritten) * 512)
        let abandoned = (9216 * 512)..<(9280 * 512)
        XCTAssertNil(data[abandoned].firstIndex { $0 != 0 && $0 != 0x51 }, "only the quitter's own bytes in its slice")
        let before = data[0..<written.lowerBound].firstIndex { $0 != 0 }
        let after = data[written.upperBound..<data.count].indices.first { !abandoned.contains($0) && data[$0] != 0 }
        XCTAssertNil(before, "a byte changed before the store's sectors, at sector \((before ?? 0) / 512)")
        XCTAssertNil(after, "a byte changed after the store's sectors, at sector \((after ?? 0) / 512)")

        // A new boot on the same image: the store's pattern reads back intact.
        let (verified, verifyReport) = try boot("block-verify", disk: image, on: platform)
        XCTAssertEqual(verifyReport.checks(of: "store")["disk-verify"], true, verified.transcript)
        XCTAssertTrue(verifyReport.records("MISMATCH", of: "store").isEmpty, verified.transcript)
    }
}
