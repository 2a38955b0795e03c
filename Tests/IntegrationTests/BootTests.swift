import Foundation
import TestSupport
import XCTest

/// The boot foundation, observed from outside: what the hypervisor prints on
/// UART0 and the exit status QEMU reports.
final class BootTests: XCTestCase {
    /// Under -icount (as every system run): without it the RT guest's deadlines
    /// depend on the host's load, and a missed one fails the run (exit status 6).
    func testBannerReportsHypModeAndHardware() throws {
        let run = try QEMU.boot("apus.elf", extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.hypervisorOutput.contains("Apus "), run.transcript)
        XCTAssertTrue(run.output.contains("CPU mode: HYP"), run.transcript)
        XCTAssertTrue(run.output.contains("MIDR: 0x414fc0f0"), "Cortex-A15 r4p0 expected" + run.transcript)
        XCTAssertTrue(run.output.contains("GIC list registers: 4"), run.transcript)
        XCTAssertTrue(run.output.contains("timer frequency: 62500000 Hz"), run.transcript)
        XCTAssertTrue(run.output.contains("platform: vexpress-a15"), run.transcript)
        let ram = TestPlatform.vexpressA15.description.ram
        XCTAssertTrue(run.output.contains(String(format: "RAM: 0x%08x - 0x%08x", ram.base.value, ram.end - 1)), run.transcript)
        XCTAssertTrue(run.output.contains(" bytes)"), "image size" + run.transcript)
        XCTAssertFalse(run.hypervisorOutput.contains("PANIC"), run.transcript)
    }

    /// A firmware (or QEMU without TrustZone) that enters already in non-secure HYP.
    func testEntryAlreadyInNonSecureHyp() throws {
        let run = try QEMU.boot("apus.elf", machine: "vexpress-a15,virtualization=on,secure=off",
                                extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.output.contains("CPU mode: HYP"), run.transcript)
    }

    /// On virt (secure off, QEMU's default) Apus is entered in non-secure HYP
    /// and finds the machine its description names.
    func testBannerOnVirtReportsItsPlatformAndRAM() throws {
        let platform = TestPlatform.virt
        // Under -icount like every system run: without it the RT guest's
        // deadlines depend on the host's load, and a missed one fails the run.
        let run = try QEMU.boot(platform.system("paper-sedf"), platform: platform, extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.output.contains("CPU mode: HYP"), run.transcript)
        XCTAssertTrue(run.output.contains("platform: virt"), run.transcript)
        XCTAssertTrue(run.output.contains("timer frequency: 62500000 Hz"), run.transcript)
        let ram = platform.description.ram
        XCTAssertTrue(run.output.contains(String(format: "RAM: 0x%08x - 0x%08x", ram.base.value, ram.end - 1)), run.transcript)
    }

    /// virt with TrustZone on starts Apus in secure SVC: the boot stub's monitor
    /// does the firmware's work (GIC groups, CNTFRQ) with virt's addresses.
    func testVirtEntryInSecureSVCGoesThroughTheMonitor() throws {
        let run = try QEMU.boot(TestPlatform.virt.system("paper-sedf"), platform: .virt,
                                machine: "virt,virtualization=on,secure=on", extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.output.contains("CPU mode: HYP"), run.transcript)
        XCTAssertTrue(run.output.contains("timer frequency: 62500000 Hz"), run.transcript)
        XCTAssertTrue(run.output.contains("[rt] CHECK rt-deadlines passed"), "interrupts reach non-secure HYP" + run.transcript)
    }

    /// -smp 4 on vexpress-a15: every CPU enters the image, goes through the
    /// boot stub's monitor and waits in HYP until CPU 0 releases it; the banner
    /// lists all four by MPIDR, and the system runs as with one CPU.
    func testEveryCPUComesUpInHypOnVexpress() throws {
        let run = try QEMU.boot("apus.elf", extraArguments: ["-smp", "4", "-icount", "shift=0,sleep=off"])
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.output.contains("CPUs: 4 of 4 in HYP (MPIDR 0x80000000 0x80000001 0x80000002 0x80000003)"), run.transcript)
        XCTAssertTrue(run.output.contains("[rt] CHECK rt-deadlines passed"), run.transcript)
    }

    /// -smp 4 on virt: the secondaries stay off until CPU 0's PSCI CPU_ON.
    func testEveryCPUComesUpThroughPSCIOnVirt() throws {
        let run = try QEMU.boot(TestPlatform.virt.system("paper-sedf"), platform: .virt,
                                extraArguments: ["-smp", "4", "-icount", "shift=0,sleep=off"])
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.output.contains("CPUs: 4 of 4 in HYP (MPIDR 0x80000000 0x80000001 0x80000002 0x80000003)"), run.transcript)
        XCTAssertTrue(run.output.contains("[rt] CHECK rt-deadlines passed"), run.transcript)
    }

    /// virt with TrustZone on: the boot stub is the secure monitor, so no PSCI
    /// answers; the secondaries entered the image and are released as on vexpress.
    func testVirtSecureOnBringsUpSecondariesWithoutPSCI() throws {
        let run = try QEMU.boot(TestPlatform.virt.system("paper-sedf"), platform: .virt,
                                machine: "virt,virtualization=on,secure=on", extraArguments: ["-smp", "2", "-icount", "shift=0,sleep=off"])
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.output.contains("CPUs: 2 of 2 in HYP (MPIDR 0x80000000 0x80000001)"), run.transcript)
    }

    /// One CPU (QEMU's default): the banner says so.
    func testOneCPUIsListed() throws {
        let run = try QEMU.boot("apus.elf", extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.output.contains("CPUs: 1 of 1 in HYP (MPIDR 0x80000000)"), run.transcript)
    }

    /// A CPU without the Virtualization Extensions gets a message, not a hang.
    func testCpuWithoutVirtualizationExtensionsIsRefusedWithAMessage() throws {
        let run = try QEMU.boot("apus.elf", machine: "vexpress-a15,virtualization=off")
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        XCTAssertEqual(run.status, 3, run.transcript)
        XCTAssertTrue(run.output.contains("no Virtualization Extensions"), run.transcript)
        XCTAssertFalse(run.output.contains("CPU mode"), run.transcript)
    }

    func testDataAbortInHypPanicsWithReport() throws {
        let run = try QEMU.boot("test-DataAbortInHyp.elf")
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        XCTAssertEqual(run.status, 1, "a panic must fail the run" + run.transcript)
        XCTAssertTrue(run.output.contains("*** APUS PANIC: exception taken in HYP mode ***"), run.transcript)
        XCTAssertTrue(run.output.contains("exception class: data abort in HYP mode (EC 0x25)"), run.transcript)
        XCTAssertTrue(run.output.contains("HDFAR   : 0xc0000000"), "faulting address" + run.transcript)
        for field in ["HSR", "HIFAR", "HPFAR", "ELR_hyp", "SPSR_hyp", "r0:", "r12:", "sp:", "lr:"] {
            XCTAssertTrue(run.output.contains(field), "panic report lacks \(field)" + run.transcript)
        }
        XCTAssertTrue(run.output.contains("r1: 0x0000dead"), "registers at the fault" + run.transcript)
    }

    func testUndefinedInstructionInHypPanicsWithReport() throws {
        let run = try QEMU.boot("test-UndefinedInHyp.elf")
        XCTAssertEqual(run.status, 1, run.transcript)
        XCTAssertTrue(run.output.contains("vector: undefined instruction, taken from HYP mode"), run.transcript)
        XCTAssertTrue(run.output.contains("exception class: unknown reason (undefined instruction)"), run.transcript)
        XCTAssertFalse(run.output.contains("Swift runtime trap"), "a plain udf is not a Swift trap" + run.transcript)
    }

    func testSwiftPreconditionFailureReachesThePanicReport() throws {
        let run = try QEMU.boot("test-PreconditionFailure.elf")
        XCTAssertEqual(run.status, 1, run.transcript)
        XCTAssertTrue(
            run.output.contains("*** APUS PANIC: Swift runtime trap (precondition, bounds or overflow check)"),
            run.transcript)
        XCTAssertTrue(run.output.contains("ELR_hyp : 0x8"), "faulting address inside the image" + run.transcript)
    }
}
