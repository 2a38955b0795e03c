import Foundation
import TestSupport
import XCTest

/// Two VMs each own one virtio-mmio transport of the page the four share
/// (Configs/windows.dts): stage 2 maps the page into neither, the hypervisor
/// forwards each VM's accesses to its own transport and refuses the other's.
/// Two virtio-blk devices give transports 3 and 2 something to answer with.
final class ForwardedWindowTests: XCTestCase {
    func testEachVMReachesOnlyItsOwnTransport() throws {
        // Sparse images. Disk 0 has 20 MiB = 0xa000 sectors, so byte 1 of its
        // capacity (virtio-blk configuration space) is 0xa0: a sign-extending
        // byte load of it must see 0xffffffa0. Disk 1 has 4 MiB (0x2000 sectors).
        // The first lands on transport 3 (vm@0), the second on transport 2 (vm@1).
        let disks = [try DiskImages.make(bytes: 20 << 20, for: self), try DiskImages.make(bytes: 4 << 20, for: self)]
        let run = try QEMU.boot("systems/windows.elf", timeout: 300,
                                extraArguments: ["-icount", "shift=0,sleep=off"] + DiskImages.arguments(disks))
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertFalse(run.hypervisorOutput.contains("PANIC"), run.transcript)
        let report = GuestReport(output: run.output)
        for (vm, physical) in [("win3", "0x81000000"), ("win2", "0x81400000")] {
            let checks = report.checks(of: vm)
            XCTAssertEqual(checks["hostile-own-window-magic"], true, vm + run.transcript)
            XCTAssertEqual(checks["hostile-own-window-narrow"], true, vm + run.transcript)
            XCTAssertEqual(checks["hostile-foreign-window-read"], true, vm + run.transcript)
            XCTAssertEqual(checks["hostile-foreign-window-write"], true, vm + run.transcript)
            XCTAssertEqual(checks.filter { !$0.value }.map(\.key), [], vm + run.transcript)
            XCTAssertTrue(report.lines(of: vm).contains("DMA physical-base=\(physical)"), vm + run.transcript)
            XCTAssertTrue(run.hypervisorOutput.contains("Apus: VM \(vm) stopped: shutdown (poweroff)"), run.transcript)
            // Five forwarded loads each (magic; word, byte, signed byte, halfword of the
            // configuration space); the refused accesses are injected faults instead.
            XCTAssertTrue(run.output.contains("  VM \(vm): hypercalls "), run.transcript)
            let summary = run.output.split(separator: "\n").first { $0.hasPrefix("  VM \(vm): hypercalls ") } ?? ""
            XCTAssertTrue(summary.hasSuffix(", forwarded accesses 5"), String(summary) + run.transcript)
        }
        XCTAssertTrue(report.lines(of: "win3").contains("WINDOW own=0x1c130600 magic=0x74726976"), run.transcript)
        XCTAssertTrue(report.lines(of: "win3").contains("WINDOW config=0x0000a000 byte1=0x000000a0 sbyte1=0xffffffa0 half1=0x00000000"),
                      run.transcript)
        XCTAssertTrue(report.lines(of: "win2").contains("WINDOW config=0x00002000 byte1=0x00000020 sbyte1=0x00000020 half1=0x00000000"),
                      run.transcript)
        XCTAssertTrue(report.lines(of: "win2").contains("WINDOW own=0x1c130400 magic=0x74726976"), run.transcript)
    }
}
