import Foundation
import TestSupport
import XCTest

/// Linux driving its own passthrough virtio-blk transport (Configs/linux-direct.dts,
/// docs/LINUX.md "Passthrough devices"): the device tree lists the transport, the
/// kernel's virtio_mmio and virtio_blk make it /dev/vda, and the device DMAs to
/// machine addresses through the tree's dma-ranges. The host puts random bytes
/// at byte 1 MiB of the image; Linux (Linux/vda-check, typed into its shell)
/// prints their SHA-256 and writes 64 KiB of numbered lines at byte 2 MiB; the
/// host reads the image after the run. The RT guest keeps its deadlines meanwhile.
final class LinuxDirectDiskTests: XCTestCase {
    static let hostData = 1 << 20, linuxData = 2 << 20, bytes = 65536

    /// What Linux/vda-check writes: `vda line NNNNNN\n` for N = 1...4096.
    static let linuxPattern = Data((1...4096).map { String(format: "vda line %06d\n", $0) }.joined().utf8)

    func testLinuxReadsAndWritesItsPassthroughDisk() throws {
        try roundTrip(on: .vexpressA15, interrupt: 74)
    }

    func testLinuxReadsAndWritesItsPassthroughDiskOnVirt() throws {
        try roundTrip(on: .virt, interrupt: 78)
    }

    /// Configs/linux-direct-smp.dts: Linux alone on CPU 1, the RT guest on CPU 0. The transport's
    /// SPI must reach CPU 1: routed to CPU 0 (as it was while the VM table entry that names
    /// the VM's CPU was written after the routing), Linux's disk I/O waited for interrupts
    /// that CPU 0 took and never handed over, and vda-check hung.
    func testLinuxOnItsOwnCPUTakesItsPassthroughInterrupt() throws {
        try roundTrip(on: .vexpressA15, interrupt: 74, system: "linux-direct-smp", cpus: 2)
    }

    private func roundTrip(on platform: TestPlatform, interrupt: Int, system: String = "linux-direct", cpus: Int = 1) throws {
        // The first device is the other transport (3, or 31 on virt): nobody owns it, it must stay zero.
        let other = try DiskImages.make(bytes: 16 << 20, for: self)
        let disk = try DiskImages.make(bytes: 16 << 20, for: self)
        var random = SplitMix64(seed: 0x76_64_61 ^ UInt64(interrupt))
        let hostBytes = Data((0..<Self.bytes).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        let handle = try FileHandle(forWritingTo: disk)
        try handle.seek(toOffset: UInt64(Self.hostData))
        handle.write(hostBytes)
        try handle.close()
        let before = try Data(contentsOf: disk)

        let pack = QEMU.buildDirectory.appendingPathComponent("\(platform.systemsDirectory)/\(system)/large-images.pack").path
        let run = try QEMU.boot(platform.system(system), platform: platform, timeout: 400,
                                extraArguments: QEMU.deterministic + ["-smp", "\(cpus)"] + [
                                    "-device", "loader,file=\(pack),addr=\(LinuxTests.largeImagesAddress(on: platform)),force-raw=on"]
                                    + DiskImages.arguments([other, disk]),
                                input: "vda-check\ncat /proc/interrupts\npoweroff\n", typeAfter: "[consoled] INPUT -> linux",
                                silence: 20)
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        XCTAssertFalse(run.silent, "Linux went silent" + LinuxConsole(run.output).tail)
        if let oops = LinuxConsole(run.output).oops { XCTFail("Linux oopsed or panicked:\n\(oops)") }
        XCTAssertEqual(run.status, 0, run.transcript)
        let console = LinuxConsole(run.output)
        // What Linux said about the disk, first in every message below (the transcript follows).
        let said = "\nLinux on its disk:\n" + console.lines.filter {
            $0.contains("VDACHECK") || $0.contains("vda") || $0.contains("virtio") || $0.lowercased().contains("error")
        }.joined(separator: "\n") + "\n"

        // The kernel found the transport in its device tree and made it vda.
        XCTAssertTrue(console.lines.contains { $0.hasSuffix("virtio_blk virtio0: [vda] 32768 512-byte logical blocks (16.8 MB/16.0 MiB)") },
                      run.transcript)
        XCTAssertTrue(console.lines.contains("apus-init: /dev/vda is the passthrough virtio-blk disk (32768 sectors)"), run.transcript)
        // Its interrupt is the transport's SPI, level-triggered, and it was taken.
        let line = console.lines.first { $0.hasSuffix("virtio0") } ?? ""
        XCTAssertTrue(line.contains("GIC-0  \(interrupt) Level"), "/proc/interrupts: \(line)" + run.transcript)
        XCTAssertGreaterThan(console.interruptCount(named: "virtio0") ?? 0, 0, run.transcript)

        // Host -> Linux: the device read the image into Linux's RAM where Linux looked.
        let read = console.lines.first { $0.hasPrefix("VDACHECK read ") } ?? ""
        XCTAssertEqual(read, "VDACHECK read offset=\(Self.hostData) bytes=\(Self.bytes) sha256=\(try sha256(hostBytes))",
                       said + run.transcript)
        // Linux -> host: what the device took from Linux's RAM is in the image, and nothing else changed.
        let write = console.lines.first { $0.hasPrefix("VDACHECK write ") } ?? ""
        XCTAssertEqual(write, "VDACHECK write offset=\(Self.linuxData) bytes=\(Self.bytes) sha256=\(try sha256(Self.linuxPattern)) read-back=same",
                       said + run.transcript)
        let after = try Data(contentsOf: disk)
        XCTAssertEqual(after.count, before.count)
        XCTAssertEqual(after[Self.linuxData..<(Self.linuxData + Self.bytes)], Self.linuxPattern, "the image holds Linux's lines" + said)
        var expected = before
        expected.replaceSubrange(Self.linuxData..<(Self.linuxData + Self.bytes), with: Self.linuxPattern)
        XCTAssertTrue(after == expected, "only Linux's 64 KiB changed" + said)
        XCTAssertTrue(try Data(contentsOf: other).allSatisfy { $0 == 0 }, "the transport Linux does not own was not touched")

        // Register accesses to the shared page went through the hypervisor; no abort was injected.
        let counters = run.output.components(separatedBy: "\n").first { $0.contains("VM linux: hypercalls ") } ?? ""
        XCTAssertTrue(counters.contains("faults injected 0"), counters + run.transcript)
        XCTAssertTrue(counters.contains(", forwarded accesses "), counters + run.transcript)
        XCTAssertTrue(run.output.contains("Apus: VM linux stopped: shutdown (poweroff)"), run.transcript)
        let report = GuestReport(output: run.output)
        guard cpus == 1 else {
            // Linux ran on CPU 1, the load beside the driver domain on CPU 0.
            XCTAssertTrue(run.output.contains("  CPU 1: decisions "), run.transcript)
            XCTAssertEqual(report.checks(of: "load")["load-ran"], true, run.transcript)
            return
        }
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.misses(of: "rt"), 0, run.transcript)
    }

    /// The host's SHA-256 of `data` (sha256sum, as Linux's busybox prints it).
    private func sha256(_ data: Data) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("apus-vda-\(UUID().uuidString)")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try runCommand(URL(fileURLWithPath: "/usr/bin/env"), ["sha256sum", file.path])
        XCTAssertEqual(result.status, 0, result.output)
        return String(result.output.prefix(64))
    }
}
