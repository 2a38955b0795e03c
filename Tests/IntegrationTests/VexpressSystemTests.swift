import ApusTools
import Foundation
import TestSupport
import XCTest

/// Systems written for vexpress-a15 only, booted there: they pass its UARTs
/// through or name its physical addresses (Configs/edge), a test system that
/// lifts the scheduling minimum, and configurations the hypervisor itself must
/// refuse.
final class VexpressSystemTests: XCTestCase {
    private let checks = SystemChecks(platform: .vexpressA15)

    private func boot(_ system: String) throws -> (QEMURun, GuestReport) { try checks.boot(system) }

    func testTwoVMsRunConcurrentlyAndBothReport() throws {
        let (run, report) = try boot("two-vms")
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.checks(of: "gp")["load-ran"], true, run.transcript)
        // The hog reports progress while the RT guest is still running its tasks.
        let progress = try XCTUnwrap(run.output.range(of: "\n[gp] PROGRESS 1"), run.transcript)
        let rtResult = try XCTUnwrap(run.output.range(of: "\n[rt] RESULT"), run.transcript)
        XCTAssertLessThan(progress.lowerBound, rtResult.lowerBound, run.transcript)
        XCTAssertGreaterThan(report.value("wakeups", "SUPPLY", of: "rt") ?? 0, 0, "virtual timer wake-ups" + run.transcript)
    }

    /// Isolation: every attack of the hostile guest fails, visibly to it, and
    /// the other VMs keep running and meeting deadlines.
    func testHostileGuestIsContained() throws {
        let (run, report) = try boot("hostile")
        let checks = report.checks(of: "hostile")
        XCTAssertGreaterThanOrEqual(checks.count, 20, run.transcript)
        XCTAssertEqual(checks.filter { !$0.value }.map(\.key), [], run.transcript)
        XCTAssertEqual(checks["hostile-isolation"], true, run.transcript)
        // It reprogrammed the hypervisor's progress counter: put back, and nobody reported starved.
        XCTAssertEqual(checks["hostile-progress-counter-restored"], true, run.transcript)
        XCTAssertFalse(run.output.contains(" starved: "), run.transcript)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.checks(of: "gp")["load-ran"], true, run.transcript)
        XCTAssertTrue(run.hypervisorOutput.contains("Apus: VM hostile stopped: shutdown (poweroff)"), run.transcript)
        // From outside the attacker: it swept every page from the end of its
        // RAM to 0x82000000 (the guest-physical range gp uses, and the addresses
        // equal to rt's, gp's and its own physical placement), storing the
        // marker through each. The hypervisor then counted the marker in every
        // VM's memory: none in rt's or gp's, and the 8 control words (at least)
        // in the hostile VM's own, which shows the audit sees stores at all.
        XCTAssertTrue(run.output.contains("\n[hostile] SWEEP from=0x80400000 to=0x82000000 pages=7168 "), run.transcript)
        let markers = try XCTUnwrap(HypervisorReport(output: run.output).isolationMarkers, run.transcript)
        XCTAssertEqual(markers["rt"], 0, "a store crossed into rt's memory" + run.transcript)
        XCTAssertEqual(markers["gp"], 0, "a store crossed into gp's memory" + run.transcript)
        XCTAssertGreaterThanOrEqual(markers["hostile"] ?? 0, 8, "the audit missed the control stores" + run.transcript)
    }

    /// SEDF parameters below the scheduling minimum (a 1 us slice every 2 us),
    /// booted by a test system whose payload lifts the minimum: the decisions
    /// and switches leave the guests no time at all, and the hypervisor names
    /// the starved VM and ends the run with exit status 5 instead of spinning
    /// forever. The same configuration is refused at boot normally (above).
    func testStarvedVMIsReportedAndTheRunEnds() throws {
        let run = try QEMU.boot("systems/unchecked-below-scheduling-minimum.elf", timeout: 60,
                                extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertFalse(run.timedOut, "livelocked" + run.transcript)
        XCTAssertEqual(run.status, 5, run.transcript)
        XCTAssertTrue(run.output.contains("Apus: TEST SYSTEM: the SEDF scheduling minimum is not checked"), run.transcript)
        XCTAssertTrue(run.output.contains("Apus: VM rt starved: runnable but no guest instruction retired over a whole period"), run.transcript)
        XCTAssertTrue(run.output.contains("Apus: stopping the system"), run.transcript)
        // From outside the guests: neither ever made a hypercall (they never ran).
        XCTAssertTrue(run.output.contains("  VM rt: hypercalls 0,"), run.transcript)
        XCTAssertTrue(run.output.contains("  VM gp: hypercalls 0,"), run.transcript)
    }

    /// Accepted edge configurations boot to a clean end (Configs/edge): VMs at
    /// 4 KiB-aligned physical bases mapped entirely in pages, 118 of the 128
    /// stage-2 table pages in use (this panicked with "raise stage2PagesPerVM"
    /// when each VM had a fixed 10 pages)...
    func testVMsMappedInPagesWithMostOfTheTableRegionBoot() throws {
        let (run, report) = try boot("edge-paged-memory")
        XCTAssertTrue(run.output.contains("VM 0 rt: memory 0x80000000 (204800 KiB) at physical 0x81001000"), run.transcript)
        XCTAssertTrue(run.output.contains("VM 1 gp: memory 0x80000000 (16384 KiB) at physical 0x8d802000"), run.transcript)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.checks(of: "gp")["load-ran"], true, run.transcript)
    }

    /// ...and guest memory right against the guest's GIC on both sides (images
    /// linked for those bases), with the CPU interface still working for both.
    func testMemoryRightAgainstTheGuestGICBoots() throws {
        let (run, report) = try boot("edge-around-gic")
        XCTAssertTrue(run.output.contains("VM 0 below: memory 0x2be01000 (2048 KiB) at physical 0x81000000"), run.transcript)
        XCTAssertTrue(run.output.contains("VM 1 above: memory 0x2c004000 (2032 KiB) at physical 0x81200000"), run.transcript)
        XCTAssertEqual(report.checks(of: "below")["load-ran"], true, run.transcript)
        XCTAssertEqual(report.checks(of: "above")["load-ran"], true, run.transcript)
    }

    /// A bad configuration (built without the host check) is refused by the
    /// hypervisor with the words `apus check` uses, and nothing starts.
    func testBadConfigurationIsRefusedAtBootWithTheCheckersMessage() throws {
        for name in ["overlapping-vms", "over-utilization", "memory-over-gic-cpu-interface", "stage2-tables-exhausted",
                     "entry-in-reserved-page", "label-not-unique", "image-runs-into-reserved-pages", "below-scheduling-minimum",
                     "device-compatible-on-apus-guest"] {
            let run = try QEMU.boot("systems/refused-\(name).elf", timeout: 60)
            XCTAssertEqual(run.status, 2, run.transcript)
            let path = QEMU.repository.appendingPathComponent("Configs/bad/\(name).dts").path
            guard case .invalid(let failure) = try ConfigCheck.check(path: path, options: CheckOptions()) else {
                return XCTFail("apus check accepted Configs/bad/\(name).dts")
            }
            XCTAssertTrue(run.hypervisorOutput.contains("Apus: configuration refused: \(failure.message)"), failure.message + run.transcript)
            XCTAssertFalse(run.hypervisorOutput.contains("Apus: scheduler"), "no VM may start" + run.transcript)
        }
    }

    /// The Linux rules, refused with the checker's words too: memory too
    /// small for Linux from the configuration alone, a kernel that is not a
    /// zImage once the large-image pack lies where the configuration says (the
    /// stock pack, whose initramfs that configuration names as its kernel).
    func testBadLinuxConfigurationIsRefusedAtBootWithTheCheckersMessage() throws {
        let pack = QEMU.buildDirectory.appendingPathComponent("systems/linux/large-images.pack").path
        let options = CheckOptions(largeImagesDirectory: QEMU.buildDirectory.appendingPathComponent("linux").path)
        for name in ["linux-memory-too-small", "linux-kernel-not-a-zimage"] {
            let run = try QEMU.boot("systems/refused-\(name).elf", timeout: 60,
                                    extraArguments: QEMU.deterministic + ["-device", "loader,file=\(pack),addr=0x81800000,force-raw=on"])
            XCTAssertEqual(run.status, 2, run.transcript)
            let path = QEMU.repository.appendingPathComponent("Configs/bad/\(name).dts").path
            guard case .invalid(let failure) = try ConfigCheck.check(path: path, options: options) else {
                return XCTFail("apus check accepted Configs/bad/\(name).dts")
            }
            XCTAssertTrue(failure.message.hasPrefix("/vm@0: property "), failure.message)
            XCTAssertTrue(run.hypervisorOutput.contains("Apus: configuration refused: \(failure.message)"), failure.message + run.transcript)
            XCTAssertFalse(run.hypervisorOutput.contains("Apus: scheduler"), "no VM may start" + run.transcript)
        }
    }
}
