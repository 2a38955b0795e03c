import Foundation
import TestSupport
import XCTest

/// A real bootloader: Debian's U-Boot for QEMU virt starts the board image of
/// the paper's SEDF system (`make image PLATFORM=virt CONFIG=Configs/paper-sedf.dts`,
/// EXIT=psci) with bootm, in non-secure HYP with its device tree in r2, and the
/// system prints the same results as when QEMU loads the ELF itself.
final class UBootTests: XCTestCase {
    func testUBootStartsThePaperSEDFSystemWithTheSameResults() throws {
        let run = try QEMU.boot("uboot/apus-paper-sedf-virt.uImage", platform: .virt, loader: .uboot, timeout: 120,
                                extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        XCTAssertEqual(run.status, 0, "PSCI SYSTEM_OFF ends QEMU with status 0" + run.transcript)
        // U-Boot's banner, its bootm of the named image, then Apus's banner.
        let uboot = try XCTUnwrap(run.output.range(of: "U-Boot 20"), run.transcript)
        XCTAssertTrue(run.output.contains("Image Name:   Apus paper-sedf virt"), run.transcript)
        let apus = try XCTUnwrap(run.output.range(of: "Apus 0."), run.transcript)
        XCTAssertLessThan(uboot.lowerBound, apus.lowerBound, run.transcript)
        XCTAssertTrue(run.output.contains("CPU mode: HYP"), run.transcript)
        // U-Boot passed its device tree in r2; the hypervisor read and checked it.
        XCTAssertTrue(run.output.contains(", agrees with platform virt"), run.transcript)
        XCTAssertTrue(run.output.contains("Apus: all VMs stopped"), run.transcript)

        let direct = try QEMU.boot(TestPlatform.virt.system("paper-sedf"), platform: .virt, timeout: 120,
                                   extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertEqual(direct.status, 0, direct.transcript)
        // The same RESULT lines: every count and the worst response are equal;
        // U-Boot ran first, so the counter's phase when the guests start differs
        // and a mean or an elapsed reading may differ by one microsecond.
        let report = GuestReport(output: run.output), directReport = GuestReport(output: direct.output)
        for vm in ["rt", "gp"] {
            let viaUBoot = try XCTUnwrap(report.records("RESULT", of: vm).first, run.transcript)
            let viaKernel = try XCTUnwrap(directReport.records("RESULT", of: vm).first, direct.transcript)
            XCTAssertEqual(Set(viaUBoot.keys), Set(viaKernel.keys), vm)
            for (key, value) in viaKernel {
                if key == "mean_response" || key == "elapsed" {
                    XCTAssertEqual(Double(viaUBoot[key] ?? "") ?? -9, Double(value) ?? 9, accuracy: 1, "\(vm) \(key)" + run.transcript)
                } else {
                    XCTAssertEqual(viaUBoot[key], value, "\(vm) \(key)" + run.transcript)
                }
            }
        }
        XCTAssertEqual(report.records("RESULT", of: "rt").first?["misses"], "0", run.transcript)
    }
}

/// U-Boot's device tree (QEMU's, for the RAM QEMU was given) disagrees with
/// the RAM the image was built for: the boot stops before any VM starts,
/// naming both ranges. (This image ends runs by semihosting, which carries the
/// failure status; PSCI SYSTEM_OFF can only say 0.)
final class BootDeviceTreeTests: XCTestCase {
    func testATreeThatDisagreesStopsTheBootNamingBothValues() throws {
        let run = try QEMU.boot("uboot/apus-paper-sedf-virt-semihosting.uImage", platform: .virt, loader: .uboot,
                                timeout: 60, extraArguments: ["-icount", "shift=0,sleep=off", "-m", "192M"])
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        XCTAssertEqual(run.status, 3, "boot failure" + run.transcript)
        XCTAssertTrue(run.output.contains(
            "Apus: the boot device tree disagrees with platform virt: memory 0x40000000-0x4bffffff in the tree, 0x40000000-0x4fffffff built in. Stopped."),
            run.transcript)
        XCTAssertFalse(run.output.contains("Apus: scheduler"), "no VM may start" + run.transcript)
    }
}
