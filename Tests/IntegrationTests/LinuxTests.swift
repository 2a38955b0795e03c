import Foundation
import TestSupport
import XCTest

/// Stock Debian kernels as Xen guests (docs/LINUX.md), beside the RT guest
/// and the console driver domain, under QEMU with -icount. Commands are typed
/// into Linux's shell through the driver domain; what the tests assert comes
/// from the console (Linux's own answers, the RT guest's report) and from the
/// hypervisor (why each VM stopped, its counters).
final class LinuxTests: XCTestCase {
    /// A Linux system and what is typed into its shell; `disk`: Linux's slice
    /// (first sector, sectors) of a fresh image made with Linux/make-disk.sh,
    /// attached as the first virtio-blk device, on `diskPlatforms`; `imageName`
    /// tells apart the images of sessions of one system.
    struct Session {
        let system: String
        let commands: String
        var disk: (first: Int, sectors: Int)? = nil
        var diskPlatforms: [TestPlatform] = []
        var imageName = ""
        /// QEMU's CPUs (`-smp`), as the configuration uses them.
        var smp = 1
        /// Where the shared boots run it (a configuration with no virt version: vexpress-a15 only).
        var platforms: [TestPlatform] = [.vexpressA15, .virt]

        func usesDisk(on platform: TestPlatform) -> Bool { disk != nil && diskPlatforms.contains(platform) }

        /// Where the session's disk image is, per platform (made fresh by each run).
        func diskImage(on platform: TestPlatform) -> URL {
            FileManager.default.temporaryDirectory
                .appendingPathComponent("apus-\(system)\(imageName)-\(platform.systemsDirectory.replacingOccurrences(of: "/", with: "-"))-\(ProcessInfo.processInfo.processIdentifier).img")
        }
    }

    /// Configs/linux.dts and Configs/virt/linux.dts give Linux sectors 2048..10239 of the split disk.
    static let linuxDisk = (first: 2048, sectors: 8192)
    static let stockKernel = Session(system: "linux", commands: "uname -a\ncat /proc/interrupts\npoweroff\n",
                                     disk: linuxDisk, diskPlatforms: [.vexpressA15, .virt])
    /// Linux reads the host's file, writes /mnt/linux.txt, syncs and reboots;
    /// the second kernel (`rebootedCommands`) reads the file back and powers off.
    static let rebootingKernel = Session(system: "linux",
                                         commands: "ls /sys/bus/xen/devices\ncat /mnt/apus.txt\n"
                                             + "echo \(writtenByLinux) > /mnt/linux.txt\nsync\nreboot\n",
                                         disk: linuxDisk, diskPlatforms: [.vexpressA15], imageName: "-reboot")
    static let rebootedCommands = "cat /mnt/linux.txt\nuname -a\npoweroff\n"
    static let writtenByLinux = "written by linux before the reboot"
    /// QEMU again on the image the rebooting run left: Linux reads the file
    /// back, starts direct writes and crashes while they are in flight;
    /// panic=1 restarts it, and the third kernel reads the file once more.
    static let crashingKernel = Session(system: "linux",
                                        commands: "cat /mnt/linux.txt\n"
                                            + "dd if=/dev/zero of=/mnt/fill bs=4k count=4000 oflag=direct &\n"
                                            + "sleep 1\necho c > /proc/sysrq-trigger\n",
                                        disk: linuxDisk, diskPlatforms: [.vexpressA15], imageName: "-reboot")
    static let realtimeKernel = Session(system: "linux-rt", commands: "uname -a\ncat /sys/kernel/realtime\npoweroff\n")
    static let busyLinux = Session(system: "linux-hog", commands: "uname -r\nsleep 2\nhead -1 /proc/stat\npoweroff\n")
    /// Configs/linux-smp.dts (Configs/virt/linux-smp.dts): Linux's two VCPUs on CPUs 0 and 1, the RT guest on CPU 2. Linux moves
    /// the console's event IRQ to CPU 1 (EVTCHNOP_bind_vcpu); `smpLinuxLater` is typed once it has,
    /// so its input arrives as events for VCPU 1: a hog on each VCPU, then the counts.
    static let smpLinux = Session(system: "linux-smp",
                                  commands: "nproc\necho 1 > $(dirname /proc/irq/*/hvc_console)/smp_affinity_list\n"
                                      + "echo console-on-cpu1\n", smp: 3)
    static let smpLinuxLater = (after: "[linux] console-on-cpu1",
                                input: "( while :; do :; done ) &\n( while :; do :; done ) &\nsleep 2\n"
                                    + "cat /proc/interrupts\npoweroff\n")

    /// Where Configs/linux*.dts (vexpress-a15) and Configs/virt/linux*.dts put the large-image pack.
    static func largeImagesAddress(on platform: TestPlatform) -> String {
        switch platform {
        case .vexpressA15: "0x81800000"
        case .virt: "0x41800000"
        }
    }

    /// Boots a Linux system with its large-image pack loaded where the
    /// configuration says and types the session's commands once the driver
    /// domain gives Linux the input, then each of `more` when its text appears.
    /// A run silent for `silence` seconds of virtual time is stopped. Asserts
    /// nothing (it may run on any thread).
    /// `freshDisk: false` boots on the image the last run left.
    static func run(_ session: Session, on platform: TestPlatform, timeout: TimeInterval = 400,
                    silence: TimeInterval = 20, freshDisk: Bool = true,
                    then more: [(after: String, input: String)] = []) throws -> QEMURun {
        let pack = QEMU.buildDirectory.appendingPathComponent("\(platform.systemsDirectory)/\(session.system)/large-images.pack").path
        var disks: [URL] = []
        if session.usesDisk(on: platform), let slice = session.disk {
            let image = session.diskImage(on: platform)
            if freshDisk {
                try? FileManager.default.removeItem(at: image)
                try makeLinuxDisk(image, first: slice.first, sectors: slice.sectors)
            }
            disks.append(image)
        }
        return try QEMU.boot(platform.system(session.system), platform: platform, timeout: timeout,
                             extraArguments: QEMU.deterministic + [
                                 "-device", "loader,file=\(pack),addr=\(largeImagesAddress(on: platform)),force-raw=on"]
                                 + DiskImages.arguments(disks) + (session.smp > 1 ? ["-smp", String(session.smp)] : []),
                             input: session.commands, typeAfter: "[consoled] INPUT -> linux", then: more, silence: silence)
    }

    /// Fails on a panic or oops (with Linux's last lines), on a Linux that
    /// stayed silent for `silence` seconds of virtual time and on a hang.
    func assertBooted(_ run: QEMURun, silence: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(run.silent, "Linux printed nothing for \(Int(silence)) s of virtual time" + LinuxConsole(run.output).tail,
                       file: file, line: line)
        XCTAssertFalse(run.timedOut, "hung" + run.transcript, file: file, line: line)
        if let oops = LinuxConsole(run.output).oops { XCTFail("Linux oopsed or panicked:\n\(oops)", file: file, line: line) }
    }

    /// Linux/make-disk.sh: a new 16 MiB image with an ext4 filesystem over
    /// sectors first..first+sectors-1 (the script writes nothing else).
    static func makeLinuxDisk(_ image: URL, first: Int, sectors: Int) throws {
        let process = Process()
        process.executableURL = QEMU.repository.appendingPathComponent("Linux/make-disk.sh")
        process.arguments = [image.path, String(first), String(sectors)]
        process.currentDirectoryURL = QEMU.repository
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "LinuxTests", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "Linux/make-disk.sh failed"])
        }
    }

    /// `run` and `assertBooted`.
    func bootLinux(_ session: Session, on platform: TestPlatform = .vexpressA15,
                   file: StaticString = #filePath, line: UInt = #line) throws -> QEMURun {
        let run = try Self.run(session, on: platform)
        assertBooted(run, file: file, line: line)
        return run
    }

    /// The sessions the tests below assert on. The first test that asks for one
    /// on a platform boots all of them there side by side (each QEMU runs on one
    /// host thread), so they take the time of about two boots, not three.
    static let sharedSessions = [stockKernel, realtimeKernel, busyLinux]
    private static let sharedRuns = SharedRuns()

    /// `session`'s run from the shared boot on `platform`, asserted booted.
    func sharedRun(_ session: Session, on platform: TestPlatform,
                   file: StaticString = #filePath, line: UInt = #line) throws -> QEMURun {
        let run = try Self.sharedRuns.run(session, on: platform)
        assertBooted(run, file: file, line: line)
        return run
    }

    /// Linux with two VCPUs on two CPUs: it brings up its second CPU (PSCI CPU_ON),
    /// both count timer interrupts and IPIs (virtual SGIs), the console's events go
    /// to CPU 1 once Linux binds them there, a hog runs on each, and the RT guest
    /// alone on CPU 2 misses nothing. The hypervisor's report says each VCPU ran on
    /// its own CPU and received SGIs.
    func testLinuxWithTwoVCPUsBesideTheRTGuestOnItsOwnCPU() throws {
        try assertTwoVCPUsBesideTheRTGuest(on: .vexpressA15)
    }

    /// The same on virt, where the hypervisor starts CPUs 1 and 2 through the boot loader's PSCI CPU_ON.
    func testLinuxWithTwoVCPUsBesideTheRTGuestOnItsOwnCPUOnVirt() throws {
        try assertTwoVCPUsBesideTheRTGuest(on: .virt)
    }

    private func assertTwoVCPUsBesideTheRTGuest(on platform: TestPlatform) throws {
        let run = try Self.run(Self.smpLinux, on: platform, then: [Self.smpLinuxLater])
        assertBooted(run)
        XCTAssertTrue(run.output.contains("CPUs: 3 of 3 in HYP"), run.transcript)
        let console = LinuxConsole(run.output)
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertEqual(console.answer(to: "nproc"), "2", run.transcript)
        let timer = console.interruptCounts(named: "arch_timer", cpus: 2) ?? []
        XCTAssertTrue(timer.count == 2 && timer.allSatisfy { $0 > 0 }, "arch_timer per CPU: \(timer)" + run.transcript)
        let rescheduling = console.interruptCounts(named: "Rescheduling interrupts", cpus: 2) ?? []
        let calls = console.interruptCounts(named: "Function call interrupts", cpus: 2) ?? []
        XCTAssertTrue(rescheduling.count == 2 && calls.count == 2 && zip(rescheduling, calls).allSatisfy { $0 + $1 > 0 },
                      "IPIs per CPU: \(rescheduling) \(calls)" + run.transcript)
        // The input typed after the move arrived as events for VCPU 1 (its vcpu_info, its PPI 31).
        let hvc = console.interruptCounts(named: "hvc_console", cpus: 2) ?? []
        XCTAssertTrue(hvc.count == 2 && hvc[1] > 0, "hvc_console per CPU: \(hvc)" + run.transcript)
        let vcpus = HypervisorReport(output: run.hypervisorOutput).vcpus(of: "linux")
        XCTAssertEqual(vcpus[0]?.cpu, 0, run.transcript)
        XCTAssertEqual(vcpus[1]?.cpu, 1, run.transcript)
        XCTAssertGreaterThan(vcpus[1]?.dispatched ?? 0, 0, run.transcript)
        XCTAssertGreaterThan(vcpus[0]?.sgisReceived ?? 0, 0, run.transcript)
        XCTAssertGreaterThan(vcpus[1]?.sgisReceived ?? 0, 0, run.transcript)
        let report = GuestReport(output: run.output)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.misses(of: "rt"), 0, run.transcript)
        XCTAssertTrue(run.output.contains("Apus: VM linux stopped: shutdown (poweroff)"), run.transcript)
    }

    func testStockKernelShellAnswersAndPowersOff() throws {
        assertStockKernelAnswersAndPowersOff(try sharedRun(Self.stockKernel, on: .vexpressA15))
    }

    /// The rebooting run (`rebootingKernel`, then `rebootedCommands` once the
    /// hypervisor says Linux restarted), booted once for the tests that assert on it.
    private static let rebootRun = OnceRun {
        try LinuxTests.run(rebootingKernel, on: .vexpressA15, timeout: 600, then: [
            (after: "Apus: VM linux restarted", input: rebootedCommands),
        ])
    }

    /// Linux's xenbus connects to the driver domain's xenstore and finds
    /// device/vbd/51712 (xvda); the kernel's own xen-blkfront negotiates with
    /// the block back end and init mounts the ext4 filesystem the host made on
    /// Linux's slice (Linux/make-disk.sh, as `make run` does). Linux writes a
    /// file, syncs and reboots; the second kernel, in the same run, finds its
    /// disk through the reset xenstore, mounts it again and reads the file
    /// back. QEMU then starts again on the same image: Linux reads the file
    /// back once more, starts direct writes and crashes with them in flight;
    /// panic=1 restarts it (the hypervisor takes the driver domain's mapping
    /// of the old ring back), the driver domain serves on, the third kernel
    /// mounts the disk again and reads the file, and the RT guest keeps its
    /// deadlines. After each run the host finds every byte outside the slice
    /// still zero.
    func testStockKernelMountsTheDiskServedByTheDriverDomain() throws {
        let session = Self.rebootingKernel
        let run = try Self.rebootRun.get()
        assertBooted(run)
        try assertMountedAndOnlyTheSliceWritten(run, session)
        let console = LinuxConsole(run.output)
        // The second kernel mounted the disk again and read what the first wrote.
        XCTAssertEqual(run.output.components(separatedBy: "apus-init: /dev/xvda mounted on /mnt").count - 1, 2, run.transcript)
        XCTAssertEqual(console.answer(to: "cat /mnt/linux.txt"), Self.writtenByLinux, run.transcript)
        XCTAssertTrue(run.output.contains("[consoled] XENSTORE dom=2 reset\n"), run.transcript)
        XCTAssertEqual(run.output.components(separatedBy: "[consoled] VBD dom=2 ring-ref=").count - 1, 2, run.transcript)
        XCTAssertTrue(run.output.contains("Apus: VM linux stopped: shutdown (poweroff)"), run.transcript)
        XCTAssertEqual(run.status, 0, run.transcript)

        // Nothing lost across a power-off, and a crash with writes in flight.
        let again = try Self.run(Self.crashingKernel, on: .vexpressA15, timeout: 600, freshDisk: false, then: [
            (after: "Apus: VM linux restarted", input: "cat /mnt/linux.txt\npoweroff\n"),
        ])
        XCTAssertFalse(again.timedOut, "hung" + again.transcript)
        let crashed = LinuxConsole(again.output)
        XCTAssertEqual(crashed.answer(to: "cat /mnt/linux.txt"), Self.writtenByLinux, again.transcript)
        let oops = crashed.oops ?? ""
        XCTAssertTrue(oops.contains("Kernel panic") && oops.contains("sysrq"),
                      "the panic and the lines before it are reported: \(oops)" + again.transcript)
        // panic=1 restarted Linux while its blkfront was connected: the
        // hypervisor took the driver domain's mapping of the old ring back
        // before clearing Linux's memory, the driver domain let go of it on
        // the xenstore reset, and the third kernel connected and mounted again.
        let restart = again.output.components(separatedBy: "\n").first { $0.contains("Apus: VM linux restarted (") } ?? ""
        XCTAssertTrue(restart.contains("(PSCI SYSTEM_RESET, restart 1)") || restart.contains("(SCHEDOP_shutdown reboot, restart 1)"),
                      restart + again.transcript)
        XCTAssertTrue(restart.hasSuffix("; 1 mappings of it taken back"), restart)
        print("Linux disk, crash with writes in flight: \(restart)")
        XCTAssertTrue(again.output.contains("[consoled] XENSTORE dom=2 reset\n"), again.transcript)
        XCTAssertTrue(again.output.contains("[consoled] VBD dom=2 disconnected"), again.transcript)
        XCTAssertEqual(again.output.components(separatedBy: "apus-init: /dev/xvda mounted on /mnt").count - 1, 2, again.transcript)
        let thirdKernel = crashed.lines.lastIndex { $0.contains("Linux version ") } ?? crashed.lines.count
        let thirdCat = crashed.lines[thirdKernel...].firstIndex { $0.hasSuffix("# cat /mnt/linux.txt") }
        XCTAssertEqual(thirdCat.flatMap { $0 + 1 < crashed.lines.count ? crashed.lines[$0 + 1] : nil }, Self.writtenByLinux,
                       "the third kernel reads the file" + again.transcript)
        XCTAssertTrue(again.output.contains("Apus: VM linux stopped: shutdown (poweroff)"), again.transcript)
        XCTAssertFalse(again.output.contains("OVERRUN"), again.transcript)
        XCTAssertTrue(again.output.contains("Apus: VM consoled stopped: shutdown (poweroff)"), again.transcript)
        XCTAssertTrue(again.output.contains("[consoled] CHECK consoled-served passed"), again.transcript)
        let block = again.output.components(separatedBy: "\n").first { $0.contains("[consoled] BLOCK disks=1 ") } ?? ""
        XCTAssertTrue(!block.contains("served=0 "), "requests: \(block)" + again.transcript)
        print("Linux disk, second run (crashed with writes in flight, restarted): \(block)")
        let report = GuestReport(output: again.output)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, again.transcript)
        XCTAssertEqual(report.misses(of: "rt"), 0, again.transcript)
        XCTAssertEqual(again.status, 0, again.transcript)
        try assertOnlyTheSliceWritten(session, removing: true)
    }

    /// The first boot's disk assertions: the handshake, the mount, the host's file, the requests.
    private func assertMountedAndOnlyTheSliceWritten(_ run: QEMURun, _ session: Session) throws {
        let console = LinuxConsole(run.output)
        XCTAssertTrue(run.output.contains("[consoled] XENSTORE dom=2 port="), run.transcript)
        XCTAssertTrue(run.output.contains("[consoled] DISK dom=2 first=2048 sectors=8192\n"), run.transcript)
        XCTAssertEqual(console.answer(to: "ls /sys/bus/xen/devices"), "vbd-51712", run.transcript)
        XCTAssertFalse(run.output.contains("ERROR xenstore") || run.output.contains("ERROR vbd"), run.transcript)
        // The back end saw the handshake (Linux's own ring and port), and Linux mounted the disk.
        XCTAssertTrue(run.output.contains("[consoled] VBD dom=2 ring-ref="), run.transcript)
        XCTAssertTrue(run.output.contains("apus-init: /dev/xvda mounted on /mnt"), run.transcript)
        XCTAssertEqual(console.answer(to: "cat /mnt/apus.txt"), "written by the host", run.transcript)
        let block = run.output.components(separatedBy: "\n").first { $0.contains("[consoled] BLOCK disks=1 ") } ?? ""
        XCTAssertTrue(block.contains("refused=0") && !block.contains("served=0 "), "requests: \(block)" + run.transcript)
        try assertOnlyTheSliceWritten(session, removing: false)
    }

    /// Nothing outside Linux's slice was written (the image was zero there when made).
    private func assertOnlyTheSliceWritten(_ session: Session, removing: Bool) throws {
        let image = try Data(contentsOf: session.diskImage(on: .vexpressA15))
        if removing { try? FileManager.default.removeItem(at: session.diskImage(on: .vexpressA15)) }
        XCTAssertEqual(image.count, 16 << 20)
        let sliceStart = 2048 * 512, sliceEnd = (2048 + 8192) * 512
        XCTAssertNil(image[..<sliceStart].firstIndex { $0 != 0 }, "a byte before the slice changed")
        XCTAssertNil(image[sliceEnd...].firstIndex { $0 != 0 }, "a byte after the slice changed")
    }

    func testPreemptRTKernelIsRealtime() throws {
        assertRealtimeKernel(try sharedRun(Self.realtimeKernel, on: .vexpressA15))
    }

    /// apus.hog=1: Linux's init spins a shell loop; the RT guest (SEDF with its
    /// analysed interface) keeps every deadline anyway, and Linux sees the time
    /// it waited as steal time.
    func testRTGuestKeepsDeadlinesBesideABusyLinux() throws {
        assertDeadlinesKeptBesideBusyLinux(try sharedRun(Self.busyLinux, on: .vexpressA15))
    }

    /// The same three on virt (Configs/virt/linux*.dts: the driver domain owns
    /// virt's PL011), with the same assertions.
    func testStockKernelShellAnswersAndPowersOffOnVirt() throws {
        assertStockKernelAnswersAndPowersOff(try sharedRun(Self.stockKernel, on: .virt))
    }

    func testPreemptRTKernelIsRealtimeOnVirt() throws {
        assertRealtimeKernel(try sharedRun(Self.realtimeKernel, on: .virt))
    }

    func testRTGuestKeepsDeadlinesBesideABusyLinuxOnVirt() throws {
        assertDeadlinesKeptBesideBusyLinux(try sharedRun(Self.busyLinux, on: .virt))
    }

    private func assertStockKernelAnswersAndPowersOff(_ run: QEMURun) {
        let console = LinuxConsole(run.output)
        XCTAssertEqual(run.status, 0, run.transcript)
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

    private func assertRealtimeKernel(_ run: QEMURun) {
        let console = LinuxConsole(run.output)
        XCTAssertEqual(run.status, 0, run.transcript)
        let uname = console.lines.first { $0.hasPrefix("Linux apus-linux ") } ?? ""
        XCTAssertTrue(uname.contains("rt-armmp") && uname.contains("PREEMPT_RT") && uname.hasSuffix("armv7l GNU/Linux"),
                      "uname -a: \(uname)" + run.transcript)
        XCTAssertEqual(console.answer(to: "cat /sys/kernel/realtime"), "1", run.transcript)
        XCTAssertTrue(run.output.contains("Apus: VM linux stopped: shutdown (poweroff)"), run.transcript)
        XCTAssertEqual(GuestReport(output: run.output).checks(of: "rt")["rt-deadlines"], true, run.transcript)
    }

    private func assertDeadlinesKeptBesideBusyLinux(_ run: QEMURun) {
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

    /// Without the large-image pack where the configuration says, nothing
    /// starts: the hypervisor refuses with the reason (never a silent hang).
    func testMissingLargeImagePackIsRefused() throws {
        let run = try QEMU.boot("systems/linux.elf", timeout: 60, extraArguments: ["-icount", "shift=0,sleep=off"])
        XCTAssertEqual(run.status, 2, run.transcript)
        XCTAssertTrue(run.output.contains("Apus: configuration refused: /hypervisor: property \"large-images\": no usable image pack at physical 0x81800000-0x81ffffff"),
                      run.transcript)
    }

    /// `reboot` restarts Linux alone (the hypervisor says so): the same
    /// kernel boots again from the large-image pack with cleared memory, its
    /// console still goes through the driver domain (no ring dropped), and a
    /// second shell answers (its disk, testStockKernelMountsTheDisk...). The
    /// restart's load runs in bounded steps on Linux's own budget, so the RT
    /// guest, still running, keeps every deadline: its report says so, and
    /// the hypervisor saw it wait no longer than its SEDF reservation allows.
    func testRebootRestartsLinuxAndASecondShellAnswers() throws {
        let run = try Self.rebootRun.get()
        assertBooted(run)
        XCTAssertEqual(run.status, 0, run.transcript)
        let lines = run.output.components(separatedBy: "\n")
        let restarts = lines.filter { $0.contains("Apus: VM linux restarted (") }
        XCTAssertEqual(restarts.count, 1, run.transcript)
        guard let restart = restarts.first.map(RestartLine.init), let restartIndex = lines.firstIndex(where: { $0.contains("Apus: VM linux restarted (") })
        else { return }
        XCTAssertTrue(restart.text.contains("restart 1)"), restart.text)
        // Loading 128 MiB takes tens of milliseconds of Linux's CPU time, in
        // steps short enough for the hypervisor timer to stay punctual.
        XCTAssertGreaterThan(restart.worked ?? 0, 10_000, restart.text)
        XCTAssertLessThanOrEqual(restart.longestStep ?? .max, 200, restart.text)
        XCTAssertGreaterThanOrEqual(restart.elapsed ?? 0, restart.worked ?? .max, restart.text)
        print("Linux restart: \(restart.text)")

        let console = LinuxConsole(run.output)
        // The kernel printed its banner twice: it booted again from its image.
        XCTAssertEqual(console.lines.filter { $0.contains("Linux version ") }.count, 2, run.transcript)
        guard let restartLine = console.lines.lastIndex(where: { $0.contains("Linux version ") }) else { return }
        let uname = console.lines[restartLine...].first { $0.hasPrefix("Linux apus-linux ") } ?? ""
        XCTAssertTrue(uname.hasSuffix("armv7l GNU/Linux"), "the second shell answers uname -a: \(uname)" + run.transcript)
        XCTAssertTrue(run.output.contains("Apus: VM linux stopped: shutdown (poweroff)"), run.transcript)
        XCTAssertFalse(run.output.contains("OVERRUN console=linux"), run.transcript)

        // The RT guest ran across the restart: it stopped (and reported) only after it.
        let rtStop = lines.firstIndex { $0.contains("Apus: VM rt stopped") } ?? -1
        XCTAssertGreaterThan(rtStop, restartIndex, "the RT guest's run must span the restart" + run.transcript)
        let report = GuestReport(output: run.output)
        XCTAssertEqual(report.checks(of: "rt")["rt-deadlines"], true, run.transcript)
        XCTAssertEqual(report.misses(of: "rt"), 0, run.transcript)
        // From the hypervisor's side: a VM served by SEDF (period P, slice S)
        // waits at most 2 (P - S) for the CPU; Configs/linux.dts gives the RT
        // guest 2625/600 us, whose interface allows 100 us of overhead.
        let rtWait = report.longestRunnableWait(of: "rt")
        XCTAssertNotNil(rtWait, run.transcript)
        XCTAssertLessThanOrEqual(rtWait ?? .max, 2 * (2625 - 600) + 100, run.transcript)
        print("Linux restart: the RT guest waited at most \(rtWait ?? -1) us")
    }
}

/// `Apus: VM linux restarted (<why>, restart <n>): loaded in <n> us of its
/// own CPU time (longest step <n> us), <n> us after the request; <n> mappings
/// of it taken back`.
struct RestartLine {
    let text: String

    init(_ text: String) { self.text = text }

    private func number(after marker: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    var worked: Int? { number(after: "loaded in ") }
    var longestStep: Int? { number(after: "longest step ") }
    var elapsed: Int? { number(after: " us), ") }
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

    /// The per-CPU columns of the /proc/interrupts line whose description ends with
    /// `name` (`arch_timer`, `Rescheduling interrupts`).
    func interruptCounts(named name: String, cpus: Int) -> [Int]? {
        for line in lines where line.hasSuffix(" \(name)") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > cpus, fields[0].hasSuffix(":") else { continue }
            let counts = fields[1...cpus].compactMap { Int($0) }
            if counts.count == cpus { return counts }
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

/// The runs of `LinuxTests.sharedSessions`, booted side by side once per platform.
final class SharedRuns: @unchecked Sendable {
    private var runs: [TestPlatform: [Result<QEMURun, Error>]] = [:]
    private let lock = NSLock()

    func run(_ session: LinuxTests.Session, on platform: TestPlatform) throws -> QEMURun {
        let sessions = LinuxTests.sharedSessions.filter { $0.platforms.contains(platform) }
        guard let index = sessions.firstIndex(where: { $0.system == session.system }) else {
            throw NSError(domain: "LinuxTests", code: 1,
                          userInfo: [NSLocalizedDescriptionKey: "\(session.system) is not in LinuxTests.sharedSessions"])
        }
        lock.lock()
        defer { lock.unlock() }
        if runs[platform] == nil {
            let slots = Slots(count: sessions.count)
            DispatchQueue.concurrentPerform(iterations: sessions.count) { index in
                slots.set(index, Result { try LinuxTests.run(sessions[index], on: platform) })
            }
            runs[platform] = slots.values
        }
        return try runs[platform]![index].get()
    }

    /// One result per index, set from concurrent threads.
    private final class Slots: @unchecked Sendable {
        private var results: [Result<QEMURun, Error>?]
        private let lock = NSLock()

        init(count: Int) { results = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ result: Result<QEMURun, Error>) {
            lock.lock()
            results[index] = result
            lock.unlock()
        }

        var values: [Result<QEMURun, Error>] {
            lock.lock()
            defer { lock.unlock() }
            return results.map { $0 ?? .failure(CancellationError()) }
        }
    }
}

/// One run, made by the first test that asks for it and shared by the others.
final class OnceRun: @unchecked Sendable {
    private let make: () throws -> QEMURun
    private var result: Result<QEMURun, Error>? = nil
    private let lock = NSLock()

    init(_ make: @escaping () throws -> QEMURun) { self.make = make }

    func get() throws -> QEMURun {
        lock.lock()
        defer { lock.unlock() }
        if result == nil { result = Result { try make() } }
        return try result!.get()
    }
}
