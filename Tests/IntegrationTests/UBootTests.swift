import Foundation
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
        // The RT guest's RESULT line is identical; the hog's work is, its own
        // elapsed-time reading may differ by a microsecond (U-Boot ran first, so
        // the counter's phase at the hog's start differs).
        let results = { (output: String) in output.split(separator: "\n").filter { $0.hasPrefix("[rt] RESULT ") } }
        XCTAssertEqual(results(run.output).count, 1, run.transcript)
        XCTAssertEqual(results(run.output), results(direct.output), run.transcript + direct.transcript)
        let hog = try XCTUnwrap(GuestReport(output: run.output).records("RESULT", of: "gp").first, run.transcript)
        let directHog = try XCTUnwrap(GuestReport(output: direct.output).records("RESULT", of: "gp").first, direct.transcript)
        XCTAssertEqual(hog["work"], directHog["work"], run.transcript)
        XCTAssertEqual(hog["work_us"], directHog["work_us"], run.transcript)
    }
}

/// U-Boot's device tree (QEMU's, for the RAM QEMU was given) disagrees with
/// the RAM the image was built for: the boot stops before any VM starts,
/// naming both ranges. (The image powers off through PSCI, which cannot report
/// a failure status: it stops the CPU, so the run ends at the timeout.)
final class BootDeviceTreeTests: XCTestCase {
    func testATreeThatDisagreesStopsTheBootNamingBothValues() throws {
        let run = try QEMU.boot("uboot/apus-paper-sedf-virt.uImage", platform: .virt, loader: .uboot, timeout: 20,
                                extraArguments: ["-icount", "shift=0,sleep=off", "-m", "192M"])
        XCTAssertTrue(run.output.contains(
            "Apus: the boot device tree disagrees with platform virt: memory 0x40000000-0x4bffffff in the tree, 0x40000000-0x4fffffff built in. Stopped."),
            run.transcript)
        XCTAssertFalse(run.output.contains("Apus: scheduler"), "no VM may start" + run.transcript)
    }

}
