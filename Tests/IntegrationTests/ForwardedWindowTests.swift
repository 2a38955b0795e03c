import Foundation
import TestSupport
import XCTest

/// Two VMs each own one virtio-mmio transport of the page the four share
/// (Configs/windows.dts): stage 2 maps the page into neither, the hypervisor
/// forwards each VM's accesses to its own transport and refuses the other's.
/// Two virtio-blk devices give transports 3 and 2 something to answer with.
final class ForwardedWindowTests: XCTestCase {
    /// One VM of windows.dts: its label, its transport's address, where its RAM is.
    private struct Window {
        let vm: String
        let transport: String
        let physicalBase: String
    }

    func testEachVMReachesOnlyItsOwnTransport() throws {
        try eachVMReachesOnlyItsOwnTransport(
            on: .vexpressA15, first: Window(vm: "win3", transport: "0x1c130600", physicalBase: "0x81000000"),
            second: Window(vm: "win2", transport: "0x1c130400", physicalBase: "0x81400000"))
    }

    /// The same on virt (Configs/virt/windows.dts): transports 31 and 30, in
    /// the page transports 24-31 share; the VMs placed by the hypervisor.
    func testEachVMReachesOnlyItsOwnTransportOnVirt() throws {
        try eachVMReachesOnlyItsOwnTransport(
            on: .virt, first: Window(vm: "win31", transport: "0x0a003e00", physicalBase: "0x41000000"),
            second: Window(vm: "win30", transport: "0x0a003c00", physicalBase: "0x41400000"))
    }

    /// `first` owns the transport of the first -device, `second` the second's.
    private func eachVMReachesOnlyItsOwnTransport(on platform: TestPlatform, first: Window, second: Window) throws {
        // Sparse images. Disk 0 has 20 MiB = 0xa000 sectors, so byte 1 of its
        // capacity (virtio-blk configuration space) is 0xa0: a sign-extending
        // byte load of it must see 0xffffffa0. Disk 1 has 4 MiB (0x2000 sectors).
        // The first lands on transport 3 (vm@0), the second on transport 2 (vm@1); on virt 31 and 30.
        let disks = [try DiskImages.make(bytes: 20 << 20, for: self), try DiskImages.make(bytes: 4 << 20, for: self)]
        let run = try QEMU.bootSystem("windows", on: platform, timeout: 300, extraArguments: DiskImages.arguments(disks))
        XCTAssertFalse(run.hypervisorOutput.contains("PANIC"), run.transcript)
        let report = GuestReport(output: run.output)
        for window in [first, second] {
            let vm = window.vm, physical = window.physicalBase
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
        XCTAssertTrue(report.lines(of: first.vm).contains("WINDOW own=\(first.transport) magic=0x74726976"), run.transcript)
        XCTAssertTrue(report.lines(of: first.vm).contains("WINDOW config=0x0000a000 byte1=0x000000a0 sbyte1=0xffffffa0 half1=0x00000000"),
                      run.transcript)
        XCTAssertTrue(report.lines(of: second.vm).contains("WINDOW config=0x00002000 byte1=0x00000020 sbyte1=0x00000020 half1=0x00000000"),
                      run.transcript)
        XCTAssertTrue(report.lines(of: second.vm).contains("WINDOW own=\(second.transport) magic=0x74726976"), run.transcript)
    }
}
