import ApusTools
import Foundation
import TestSupport
import XCTest

/// Partitioned scheduling on several physical CPUs (docs/SMP.md), observed from
/// outside the guests: the hypervisor's end-of-run report says which CPU ran
/// which VMs and how often each CPU's loop decided; the RT guest's own report
/// says whether it kept its deadlines.
final class SMPTests: XCTestCase {
    /// Configs/smp-partitioned.dts: the RT VM alone on CPU 1, two hogs on CPU 0.
    private func assertPartitionedRun(on platform: TestPlatform, file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try QEMU.bootExpectingCleanEnd("smp-partitioned", on: platform, timeout: 240, extraArguments: ["-smp", "2"],
                                                 file: file, line: line)
        XCTAssertTrue(run.output.contains("CPUs: 2 of 2 in HYP"), run.transcript, file: file, line: line)
        let cpus = HypervisorReport(output: run.hypervisorOutput).cpus
        XCTAssertEqual(cpus[0]?.vms, ["gp", "gp2"], run.transcript, file: file, line: line)
        XCTAssertEqual(cpus[1]?.vms, ["rt"], run.transcript, file: file, line: line)
        XCTAssertGreaterThan(cpus[0]?.decisions ?? 0, 10, "CPU 0 scheduled" + run.transcript, file: file, line: line)
        XCTAssertGreaterThan(cpus[1]?.decisions ?? 0, 10, "CPU 1 scheduled" + run.transcript, file: file, line: line)
        let window = try XCTUnwrap(HypervisorReport(output: run.hypervisorOutput).commonWindow, run.transcript, file: file, line: line)
        for vm in ["rt", "gp", "gp2"] {
            XCTAssertGreaterThan(window.received[vm] ?? 0, 10_000, "\(vm) ran" + run.transcript, file: file, line: line)
        }
        let report = GuestReport(output: run.output)
        XCTAssertEqual(report.misses(of: "rt"), 0, run.transcript, file: file, line: line)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript, file: file, line: line)
        XCTAssertEqual(report.checks(of: "gp")["load-ran"], true, run.transcript, file: file, line: line)
        XCTAssertEqual(report.checks(of: "gp2")["load-ran"], true, run.transcript, file: file, line: line)
    }

    func testRTVMOnItsOwnCPUKeepsItsDeadlinesBesideHogsOnVexpress() throws {
        try assertPartitionedRun(on: .vexpressA15)
    }

    func testRTVMOnItsOwnCPUKeepsItsDeadlinesBesideHogsOnVirt() throws {
        try assertPartitionedRun(on: .virt)
    }

    /// Configs/smp-vcpus.dts: one VM with two VCPUs on CPUs 0 and 1. The guest's
    /// VCPU 0 starts VCPU 1 (PSCI CPU_ON) and they exchange 101 SGIs each way; the
    /// hypervisor's report says, per VCPU, on which CPU it ran, how often it was
    /// dispatched and how many SGIs it received and took.
    private func assertTwoVCPUs(on platform: TestPlatform, file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try QEMU.bootExpectingCleanEnd("smp-vcpus", on: platform, timeout: 120, extraArguments: ["-smp", "2"],
                                                 file: file, line: line)
        let vcpus = HypervisorReport(output: run.hypervisorOutput).vcpus(of: "smp")
        let first = try XCTUnwrap(vcpus[0], run.transcript, file: file, line: line)
        let second = try XCTUnwrap(vcpus[1], run.transcript, file: file, line: line)
        XCTAssertEqual(first.cpu, 0, run.transcript, file: file, line: line)
        XCTAssertEqual(second.cpu, 1, run.transcript, file: file, line: line)
        XCTAssertGreaterThan(first.dispatched, 0, "VCPU 0 ran" + run.transcript, file: file, line: line)
        XCTAssertGreaterThan(second.dispatched, 0, "VCPU 1 ran" + run.transcript, file: file, line: line)
        // VCPU 0: 101 pongs and its own SGI 4; VCPU 1: 101 pings and the stop request.
        XCTAssertEqual(first.sgisReceived, 102, run.transcript, file: file, line: line)
        XCTAssertEqual(second.sgisReceived, 102, run.transcript, file: file, line: line)
        XCTAssertEqual(first.sgisTaken, 102, run.transcript, file: file, line: line)
        XCTAssertEqual(second.sgisTaken, 102, run.transcript, file: file, line: line)
        XCTAssertEqual(HypervisorReport(output: run.hypervisorOutput).cpus[1]?.vms, ["smp"], run.transcript, file: file, line: line)
        let checks = GuestReport(output: run.output).checks(of: "smp")
        for name in ["smp-cpu-on-absent", "smp-cpu-on", "smp-ping-pong", "smp-vcpu1-mpidr", "smp-affinity-info"] {
            XCTAssertEqual(checks[name], true, name + run.transcript, file: file, line: line)
        }
    }

    func testTwoVCPUsOfOneVMExchangeSGIsAcrossCPUsOnVexpress() throws {
        try assertTwoVCPUs(on: .vexpressA15)
    }

    func testTwoVCPUsOfOneVMExchangeSGIsAcrossCPUsOnVirt() throws {
        try assertTwoVCPUs(on: .virt)
    }

    /// Booted with fewer CPUs than it uses, the system is refused with the
    /// words `apus check --smp 1` uses, and nothing starts.
    func testTooFewCPUsAreRefusedAtBootWithTheCheckersWords() throws {
        let run = try QEMU.bootSystem("smp-partitioned", timeout: 60, expectingStatus: 2)
        let path = QEMU.repository.appendingPathComponent("Configs/smp-partitioned.dts").path
        guard case .invalid(let failure) = try ConfigCheck.check(path: path, options: CheckOptions(smp: 1)) else {
            return XCTFail("apus check --smp 1 accepted smp-partitioned")
        }
        XCTAssertTrue(run.hypervisorOutput.contains("Apus: configuration refused: \(failure.message)"), failure.message + run.transcript)
        XCTAssertFalse(run.hypervisorOutput.contains("Apus: scheduler"), "no VM may start" + run.transcript)
    }

    /// The bad configurations about CPUs, built without the host check: the
    /// hypervisor on a 4-CPU machine refuses them with the checker's words.
    func testBadCPUConfigurationsAreRefusedAtBoot() throws {
        for name in ["cpu-not-present", "cpu-over-reserved", "vcpu-cpu-not-present", "vcpu-over-reserved"] {
            let run = try QEMU.boot("systems/refused-\(name).elf", timeout: 60, extraArguments: ["-smp", "4"])
            XCTAssertEqual(run.status, 2, run.transcript)
            let path = QEMU.repository.appendingPathComponent("Configs/bad/\(name).dts").path
            guard case .invalid(let failure) = try ConfigCheck.check(path: path, options: CheckOptions()) else {
                return XCTFail("apus check accepted Configs/bad/\(name).dts")
            }
            XCTAssertTrue(run.hypervisorOutput.contains("Apus: configuration refused: \(failure.message)"), failure.message + run.transcript)
        }
    }
}
