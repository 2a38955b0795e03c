import Foundation
import TestSupport
import XCTest

/// Stock Debian kernels as Xen guests (docs/LINUX.md), beside the RT guest
/// and the console driver domain, under QEMU with -icount. Commands are typed
/// into Linux's shell through the driver domain; what the tests assert comes
/// from the console (Linux's own answers, the RT guest's report) and from the
/// hypervisor (why each VM stopped, its counters).
final class LinuxTests: XCTestCase {
    /// Boots a Linux system with its large-image pack loaded where the
    /// configuration says, types `commands` once the driver domain gives Linux
    /// the input, and fails on a panic or oops (with Linux's last lines) and on
    /// a Linux that stays silent for `silence` seconds.
    func bootLinux(_ system: String, typing commands: String, largeImages: String = "0x81800000",
                   disks: [URL] = [], timeout: TimeInterval = 400, silence: TimeInterval = 90,
                   file: StaticString = #filePath, line: UInt = #line) throws -> QEMURun {
        let pack = QEMU.buildDirectory.appendingPathComponent("systems/\(system)/large-images.pack").path
        let run = try QEMU.boot("systems/\(system).elf", timeout: timeout,
                                extraArguments: ["-icount", "shift=0,sleep=off",
                                                 "-device", "loader,file=\(pack),addr=\(largeImages),force-raw=on"]
                                    + DiskImages.arguments(disks),
                                input: commands, typeAfter: "[consoled] INPUT -> linux", silence: silence,
                                file: file, line: line)
        XCTAssertFalse(run.silent, "Linux printed nothing for \(Int(silence)) s" + LinuxConsole(run.output).tail, file: file, line: line)
        XCTAssertFalse(run.timedOut, "hung" + run.transcript, file: file, line: line)
        if let oops = LinuxConsole(run.output).oops { XCTFail("Linux oopsed or panicked:\n\(oops)", file: file, line: line) }
        return run
    }

    /// Also the disk: Linux's xenbus connects to the driver domain's xenstore,
    /// finds device/vbd/51712 (xvda), and the kernel's own xen-blkfront
    /// negotiates with the block back end and mounts the ext4 filesystem the
    /// host made on Linux's slice (Linux/make-disk.sh, as `make run` does).
    func testStockKernelShellAnswersAndPowersOff() throws {
        let disk = try DiskImages.make(bytes: 16 << 20, for: self)
        try makeLinuxDisk(disk, first: 2048, sectors: 8192)
        let before = try Data(contentsOf: disk)
        let run = try bootLinux("linux", typing: "uname -a\ncat /proc/interrupts\nls /sys/bus/xen/devices\ncat /mnt/apus.txt\npoweroff\n",
                                disks: [disk])
        let console = LinuxConsole(run.output)
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertTrue(run.output.contains("[consoled] XENSTORE dom=2 port="), run.transcript)
        XCTAssertTrue(run.output.contains("[consoled] DISK dom=2 port=3 first=2048 sectors=8192\n"), run.transcript)
        XCTAssertEqual(console.answer(to: "ls /sys/bus/xen/devices"), "vbd-51712", run.transcript)
        XCTAssertFalse(run.output.contains("ERROR xenstore") || run.output.contains("ERROR vbd"), run.transcript)
        // The back end saw the handshake (Linux's own ring and port) and Linux mounted the disk.
        XCTAssertTrue(run.output.contains("[consoled] VBD dom=2 ring-ref="), run.transcript)
        XCTAssertTrue(run.output.contains("apus-init: /dev/xvda mounted on /mnt"), run.transcript)
        XCTAssertEqual(console.answer(to: "cat /mnt/apus.txt"), "written by the host", run.transcript)
        let block = run.output.components(separatedBy: "\n").first { $0.contains("[consoled] BLOCK disks=1 ") } ?? ""
        XCTAssertTrue(block.contains("refused=0") && !block.contains("served=0 "), "requests served: \(block)" + run.transcript)
        // Nothing outside Linux's slice (sectors 2048..10239) changed.
        let after = try Data(contentsOf: disk)
        XCTAssertEqual(after.count, before.count)
        XCTAssertEqual(after.prefix(2048 * 512), before.prefix(2048 * 512), "bytes before the slice changed")
        XCTAssertEqual(after.suffix(from: 10240 * 512), before.suffix(from: 10240 * 512), "bytes after the slice changed")
        let uname = console.lines.first { $0.hasPrefix("Linux apus-linux ") } ?? ""
        XCTAssertTrue(uname.contains("armmp-lpae") && uname.contains("Debian") && uname.hasSuffix("armv7l GNU/Linux"),
                      "uname -a: \(uname)" + run.transcript)
        // The architected (virtual) timer, PPI 27, and Xen's event upcall, PPI 31, both counted.
        XCTAssertGreaterThan(console.interruptCount(named: "arch_timer") ?? 0, 0, run.transcript)
        XCTAssertGreaterThan(console.interruptCount(named: "events") ?? 0, 0, run.transcript)
        XCTAssertTrue(run.output.contains("Apus: VM linux stopped: shutdown (poweroff)"), run.transcript)
        XCTAssertTrue(run.output.contains("reboot: Power down"), run.transcript)
        XCTAssertTrue(run.output.contains("ignored distributor accesses 0"), run.transcript)
        let counters = run.output.components(separatedBy: "\n").first { $0.contains("VM linux: hypercalls ") } ?? ""
        XCTAssertTrue(counters.contains("faults injected 0"), "no abort was injected into Linux: \(counters)" + run.transcript)
        let report = GuestReport(output: run.output)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, "the RT guest kept its deadlines while Linux booted" + run.transcript)
        XCTAssertEqual(report.misses(of: "rt"), 0, run.transcript)
    }

    func testPreemptRTKernelIsRealtime() throws {
        let run = try bootLinux("linux-rt", typing: "uname -a\ncat /sys/kernel/realtime\npoweroff\n")
        let console = LinuxConsole(run.output)
        XCTAssertEqual(run.status, 0, run.transcript)
        let uname = console.lines.first { $0.hasPrefix("Linux apus-linux ") } ?? ""
        XCTAssertTrue(uname.contains("rt-armmp") && uname.contains("PREEMPT_RT") && uname.hasSuffix("armv7l GNU/Linux"),
                      "uname -a: \(uname)" + run.transcript)
        XCTAssertEqual(console.answer(to: "cat /sys/kernel/realtime"), "1", run.transcript)
        XCTAssertTrue(run.output.contains("Apus: VM linux stopped: shutdown (poweroff)"), run.transcript)
        XCTAssertEqual(GuestReport(output: run.output).checks(of: "rt")["rt-deadlines"], true, run.transcript)
    }

    /// apus.hog=1: Linux's init spins a shell loop; the RT guest (SEDF with its
    /// analysed interface) keeps every deadline anyway, and Linux sees the time
    /// it waited as steal time.
    func testRTGuestKeepsDeadlinesBesideABusyLinux() throws {
        let run = try bootLinux("linux-hog", typing: "uname -r\nsleep 2\nhead -1 /proc/stat\npoweroff\n")
        XCTAssertEqual(run.status, 0, run.transcript)
        // Steal time comes from the runstate area Apus keeps: Linux waited runnable
        // while the RT guest and the driver domain ran (8th field of the cpu line).
        let cpu = LinuxConsole(run.output).answer(to: "head -1 /proc/stat")?.split(separator: " ") ?? []
        XCTAssertGreaterThan(cpu.count > 8 ? Int(cpu[8]) ?? 0 : 0, 0, "steal ticks in \(cpu)" + run.transcript)
        XCTAssertTrue(run.output.contains("apus-init: starting a CPU hog (apus.hog=1)"), run.transcript)
        let report = GuestReport(output: run.output)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.misses(of: "rt"), 0, run.transcript)
        XCTAssertTrue(run.output.contains("Apus: VM linux stopped: shutdown (poweroff)"), run.transcript)
    }

    /// Linux/make-disk.sh: an ext4 filesystem over sectors first..first+sectors-1 of `image`.
    func makeLinuxDisk(_ image: URL, first: Int, sectors: Int) throws {
        let process = Process()
        process.executableURL = QEMU.repository.appendingPathComponent("Linux/make-disk.sh")
        process.arguments = [image.path, String(first), String(sectors)]
        process.currentDirectoryURL = QEMU.repository
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "Linux/make-disk.sh failed")
    }

    /// Without the large-image pack where the configuration says, nothing
    /// starts: the hypervisor refuses with the reason (never a silent hang).
    func testMissingLargeImagePackIsRefused() throws {
        let run = try QEMU.boot("systems/linux.elf", timeout: 60, extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertEqual(run.status, 2, run.transcript)
        XCTAssertTrue(run.output.contains("Apus: configuration refused: /hypervisor: property \"large-images\": no usable image pack at physical 0x81800000-0x81ffffff"),
                      run.transcript)
    }

    /// A panic is seen (the helper would fail a test with it), the VM ends
    /// through panic=1's reboot, and the RT guest misses nothing.
    func testKernelPanicIsReportedAndOthersRunOn() throws {
        let pack = QEMU.buildDirectory.appendingPathComponent("systems/linux/large-images.pack").path
        let run = try QEMU.boot("systems/linux.elf", timeout: 400,
                                extraArguments: ["-icount", "shift=0,sleep=off",
                                                 "-device", "loader,file=\(pack),addr=0x81800000,force-raw=on"],
                                input: "echo c > /proc/sysrq-trigger\n", typeAfter: "[consoled] INPUT -> linux", silence: 90)
        XCTAssertFalse(run.timedOut, "hung" + run.transcript)
        let oops = LinuxConsole(run.output).oops ?? ""
        XCTAssertTrue(oops.contains("Kernel panic"), "the panic and the lines before it are reported: \(oops)" + run.transcript)
        XCTAssertTrue(oops.contains("sysrq"), oops)
        XCTAssertTrue(run.output.contains("Apus: VM linux stopped: shutdown (reboot)"), run.transcript)
        XCTAssertEqual(GuestReport(output: run.output).checks(of: "rt")["rt-deadlines"], true, run.transcript)
    }
}

/// Linux's lines on the split console (`[linux] ` prefix, removed).
struct LinuxConsole {
    let lines: [String]

    init(_ output: String) {
        lines = output.components(separatedBy: "\n").compactMap { line in
            guard let range = line.range(of: "[linux] ") else { return nil }
            return String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
    }

    /// The count in the first CPU column of the /proc/interrupts line ending in `name`.
    func interruptCount(named name: String) -> Int? {
        for line in lines where line.hasSuffix(" \(name)") || line.hasSuffix("\t\(name)") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count > 2, fields[0].hasSuffix(":"), let count = Int(fields[1]) { return count }
        }
        return nil
    }

    /// The line after the shell echoed `command`.
    func answer(to command: String) -> String? {
        guard let index = lines.firstIndex(where: { $0.hasSuffix("# \(command)") }), index + 1 < lines.count else { return nil }
        return lines[index + 1]
    }

    /// From the first oops, BUG or panic line to the end, with the 20 lines before it.
    var oops: String? {
        let markers = ["Kernel panic", "Internal error: Oops", "Unable to handle kernel", "BUG: ", "kernel BUG at"]
        guard let first = lines.firstIndex(where: { line in markers.contains { line.contains($0) } }) else { return nil }
        return lines[max(0, first - 20)...].prefix(80).joined(separator: "\n")
    }

    /// The last 40 lines, for failure messages.
    var tail: String { "\n--- Linux's last lines ---\n" + lines.suffix(40).joined(separator: "\n") }
}
