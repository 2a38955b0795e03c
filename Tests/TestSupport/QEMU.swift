import Foundation
import HypervisorCore
import XCTest

/// The machines the system tests run on: `make` builds every system that makes
/// sense there (build/systems for vexpress-a15, build/virt/systems for virt).
public enum TestPlatform: CaseIterable, Sendable {
    case vexpressA15
    case virt

    /// QEMU's -M value.
    public var machine: String {
        switch self {
        case .vexpressA15: "vexpress-a15,virtualization=on"
        case .virt: "virt,virtualization=on"
        }
    }

    /// Where `make` put this platform's systems, in the build directory.
    public var systemsDirectory: String {
        switch self {
        case .vexpressA15: "systems"
        case .virt: "virt/systems"
        }
    }

    /// The hypervisor's own description of the machine (with QEMU's 256 MiB).
    public var description: Platform {
        switch self {
        case .vexpressA15: .vexpressA15(ramSize: 256 << 20)
        case .virt: .qemuVirt(ramSize: 256 << 20)
        }
    }

    /// Options only this machine has devices for.
    public var machineArguments: [String] {
        switch self {
        case .vexpressA15: ["-global", "pl041.audiodev=none"]
        case .virt: []
        }
    }

    /// `system` (a configuration's name) as built for this platform.
    public func system(_ name: String) -> String { "\(systemsDirectory)/\(name).elf" }
}

/// Boots an image that `make` built under QEMU (vexpress-a15 unless told), captures the UART
/// output and the exit status, and never waits longer than a timeout: a hang
/// is reported as a failure together with everything the image printed.
///
/// What a guest cannot forge (docs/CONSOLE.md, "Whose line is it"): UART0 is
/// QEMU's stdout and nothing else; QEMU's own messages and any semihosting
/// output (which a guest can reach) arrive on stderr, kept apart. Every guest
/// line starts with `[`; the other lines are the hypervisor's. QEMU's exit
/// status counts only when the hypervisor's last line, `Apus: exit status N`,
/// says the same: a guest that ends the run through semihosting gets
/// `unconfirmedStatus`, never 0.
public struct QEMURun {
    public let image: String
    /// UART0: the hypervisor's lines and the guests' `[name] ` lines.
    public let output: String
    /// QEMU's stderr: its own warnings and anything written through semihosting.
    public let emulatorOutput: String
    /// The exit status QEMU reported.
    public let emulatorStatus: Int32
    public let timedOut: Bool
    /// Stopped because it printed nothing for the `silence` the caller allowed.
    public var silent = false

    public static let unconfirmedStatus: Int32 = -1

    /// The exit status, when the hypervisor's last line confirms it; else `unconfirmedStatus`.
    public var status: Int32 { hypervisorExitStatus == emulatorStatus ? emulatorStatus : QEMURun.unconfirmedStatus }

    /// N from the last UART line when it is `Apus: exit status N`.
    public var hypervisorExitStatus: Int32? {
        let prefix = "Apus: exit status "
        guard let last = output.split(separator: "\n").last, last.hasPrefix(prefix) else { return nil }
        return Int32(last.dropFirst(prefix.count))
    }

    /// The hypervisor's lines only (every line that does not start with `[`), newline-separated.
    public var hypervisorOutput: String {
        output.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("[") }.joined(separator: "\n")
    }

    /// The captured output, for failure messages.
    public var transcript: String {
        let confirmation = hypervisorExitStatus == emulatorStatus ? "" : " (not confirmed by the hypervisor's last line)"
        let ending = silent ? " (silent too long)" : timedOut ? " (timed out)" : ""
        return "\n--- \(image): exit status \(emulatorStatus)\(confirmation)\(ending) ---\n\(output)\n"
            + (emulatorOutput.isEmpty ? "" : "--- stderr ---\n\(emulatorOutput)\n") + "--- end ---"
    }
}

public enum QEMU {
    /// The package's root folder.
    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Where `make` put the images: $APUS_BUILD_DIR, else build/ in the package.
    public static var buildDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["APUS_BUILD_DIR"] {
            return URL(fileURLWithPath: dir)
        }
        return repository.appendingPathComponent("build")
    }

    /// Boots `image` (a file name in the build directory, or an absolute path)
    /// on `platform`, or on `machine` when given (a -M value of that platform's
    /// machine). `input` is typed on UART0 (QEMU's stdin), all of it at once, as
    /// soon as the output contains `typeAfter` (at start when nil), then each of
    /// `more` when its text appears after the previous input was typed: the
    /// hypervisor resets the UART's FIFO when it boots, so bytes typed earlier
    /// are lost, as on a board. stdin stays open until QEMU exits. With `silence`,
    /// a run that prints nothing for that many seconds of virtual time is stopped
    /// and marked silent: the run must use `-icount shift=0` (one instruction,
    /// one nanosecond), and QEMU's instruction count is read over QMP, so a
    /// slow or busy host never counts as silence.
    public static func boot(
        _ image: String, platform: TestPlatform = .vexpressA15, machine: String? = nil, loader: Loader = .kernel,
        timeout: TimeInterval = 60,
        extraArguments: [String] = [], input: String? = nil, typeAfter: String? = nil,
        then more: [(after: String, input: String)] = [], silence: TimeInterval? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> QEMURun {
        let path = image.hasPrefix("/") ? image : buildDirectory.appendingPathComponent(image).path
        guard FileManager.default.fileExists(atPath: path) else {
            XCTFail("\(path) does not exist: build the images first (`make test` does)", file: file, line: line)
            throw XCTSkip("missing image")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "qemu-system-arm", "-M", machine ?? platform.machine, "-cpu", "cortex-a15", "-m", "256M",
            "-display", "none", "-monitor", "none", "-serial", "stdio",
            "-audiodev", "none,id=none",
        ] + platform.machineArguments + ["-semihosting"] + (try loader.arguments(image: path)) + extraArguments
        let qmpPath = QMPInstructionCount.socketPath()
        if silence != nil {
            guard extraArguments.contains(where: { $0.hasPrefix("shift=0") }) else {
                XCTFail("silence is virtual time: the run needs -icount shift=0", file: file, line: line)
                throw XCTSkip("no -icount shift=0")
            }
            process.arguments! += ["-qmp", "unix:\(qmpPath),server=on,wait=off"]
        }
        defer { try? FileManager.default.removeItem(atPath: qmpPath) }
        // stderr (QEMU's messages, semihosting output) goes to a file, read once
        // QEMU has exited: kept apart from UART0, with no second reader to run.
        let pipe = Pipe()
        let errorsFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("apus-qemu-stderr-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
        let errors = try FileHandle(forWritingTo: errorsFile)
        defer {
            try? errors.close()
            try? FileManager.default.removeItem(at: errorsFile)
        }
        process.standardOutput = pipe
        process.standardError = errors
        let keyboard = input.map { _ in Pipe() }
        process.standardInput = keyboard ?? FileHandle.nullDevice

        let collected = OutputCollector()
        let typist = Typist(keyboard: keyboard, input: input, after: typeAfter, then: more)
        // One blocking reader until end of file: no readabilityHandler, whose
        // removal while it runs on another thread can crash Foundation.
        let drained = DispatchSemaphore(value: 0)
        let output = pipe.fileHandleForReading
        let reader = Thread {
            while true {
                let chunk = output.availableData
                if chunk.isEmpty { break }
                collected.append(chunk)
                if typist.isWaiting { typist.typeIfReady(seen: collected.text) }
            }
            drained.signal()
        }
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        reader.start()
        typist.typeIfReady(seen: "")
        var timedOut = false, silent = false
        let deadline = Date().addingTimeInterval(timeout)
        let counter = silence == nil ? nil : QMPInstructionCount(path: qmpPath)
        if silence != nil, counter == nil, process.isRunning {
            XCTFail("QEMU's QMP socket did not answer: silence cannot be measured", file: file, line: line)
        }
        var seen = 0, lastOutput: UInt64 = counter?.instructions() ?? 0
        while finished.wait(timeout: .now() + 0.5) == .timedOut {
            if Date() >= deadline { timedOut = true; break }
            guard let silence, let counter, let now = counter.instructions() else { continue }
            let count = collected.count
            if count != seen { seen = count; lastOutput = now }
            if now &- lastOutput >= UInt64(silence * 1e9) { timedOut = true; silent = true; break }
        }
        if timedOut {
            process.terminate()
            finished.wait()
        }
        try? keyboard?.fileHandleForWriting.close()
        drained.wait()
        let emulatorOutput = String(decoding: (try? Data(contentsOf: errorsFile)) ?? Data(), as: UTF8.self)
        return QEMURun(
            image: image, output: collected.text, emulatorOutput: emulatorOutput,
            emulatorStatus: process.terminationStatus, timedOut: timedOut, silent: silent)
    }
}

/// How QEMU starts the image.
public enum Loader: Sendable {
    /// `-kernel IMAGE` (an ELF).
    case kernel
    /// Debian's U-Boot (`u-boot-qemu`, QEMU virt) starts IMAGE (a uImage) with
    /// `bootm`, without interaction: its environment is the flash image `make`
    /// wrote (build/uboot/env.img), which says where QEMU must place the image.
    case uboot

    public static let ubootBinary = "/usr/lib/u-boot/qemu_arm/u-boot.bin"

    public func arguments(image: String) throws -> [String] {
        switch self {
        case .kernel:
            return ["-kernel", image]
        case .uboot:
            guard FileManager.default.fileExists(atPath: Self.ubootBinary) else {
                XCTFail("\(Self.ubootBinary) is missing: apt-get install u-boot-qemu (make test installs it as root)")
                throw XCTSkip("no U-Boot")
            }
            let folder = QEMU.buildDirectory.appendingPathComponent("uboot")
            let environment = try String(contentsOf: folder.appendingPathComponent("env.txt"), encoding: .utf8)
            guard let command = environment.split(separator: "\n").first(where: { $0.hasPrefix("bootcmd=bootm ") }),
                  let address = command.split(separator: " ").dropFirst().first else {
                XCTFail("build/uboot/env.txt has no bootcmd=bootm ADDRESS")
                throw XCTSkip("no U-Boot environment")
            }
            return ["-bios", Self.ubootBinary,
                    "-drive", "if=pflash,unit=1,format=raw,file=\(folder.appendingPathComponent("env.img").path)",
                    "-device", "loader,file=\(image),addr=\(address),force-raw=on", "-nic", "none"]
        }
    }
}

/// The boot-and-check block every system test starts with.
extension QEMU {
    /// QEMU's arguments for a deterministic run: one instruction per
    /// nanosecond of virtual time, no sleeping.
    public static let deterministic = ["-icount", "shift=0,sleep=off"]

    /// Boots `systems/<system>.elf` deterministically and asserts that it
    /// ended by itself (no timeout) with exit status `status`.
    public static func bootSystem(
        _ system: String, on platform: TestPlatform = .vexpressA15, timeout: TimeInterval, extraArguments: [String] = [],
        input: String? = nil, typeAfter: String? = nil, expectingStatus status: Int32 = 0,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> QEMURun {
        let run = try boot(platform.system(system), platform: platform, timeout: timeout,
                           extraArguments: deterministic + extraArguments,
                           input: input, typeAfter: typeAfter, file: file, line: line)
        XCTAssertFalse(run.timedOut, "hung" + run.transcript, file: file, line: line)
        XCTAssertEqual(run.status, status, run.transcript, file: file, line: line)
        return run
    }

    /// `bootSystem` for a system that must end by itself: every VM stopped, no
    /// panic (in what the hypervisor itself wrote), exit status `status` (0, or
    /// 6 where a guest fails on purpose and the run must say so).
    public static func bootExpectingCleanEnd(
        _ system: String, on platform: TestPlatform = .vexpressA15, timeout: TimeInterval, extraArguments: [String] = [],
        expectingStatus status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line
    ) throws -> QEMURun {
        let run = try bootSystem(system, on: platform, timeout: timeout, extraArguments: extraArguments,
                                 expectingStatus: status, file: file, line: line)
        XCTAssertTrue(run.hypervisorOutput.contains("Apus: all VMs stopped"), run.transcript, file: file, line: line)
        XCTAssertFalse(run.hypervisorOutput.contains("PANIC"), run.transcript, file: file, line: line)
        return run
    }
}

/// Types each step's input once, in order, when the output shows its awaited
/// text (the first step's at start when nil; a later step's text must appear
/// after the previous step was typed).
final class Typist: @unchecked Sendable {
    private let keyboard: Pipe?
    private let steps: [(after: String?, input: String)]
    private var next = 0
    /// Output length when the previous step was typed: later steps look only past it.
    private var typedAt = 0
    private let lock = NSLock()

    /// SIGPIPE ignored for the whole test process, once.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    init(keyboard: Pipe?, input: String?, after: String?, then more: [(after: String, input: String)] = []) {
        self.keyboard = keyboard
        steps = (input.map { [(after: after, input: $0)] } ?? []) + more.map { (after: Optional($0.after), input: $0.input) }
    }

    /// Input is still to be typed (checked before building the text to match).
    var isWaiting: Bool {
        lock.lock()
        defer { lock.unlock() }
        return next < steps.count && keyboard != nil
    }

    func typeIfReady(seen output: String) {
        lock.lock()
        defer { lock.unlock() }
        guard next < steps.count, let keyboard else { return }
        let step = steps[next]
        if let after = step.after {
            let unseen = output.utf8.count > typedAt ? String(output.utf8.dropFirst(typedAt)) ?? output : ""
            if !unseen.contains(after) { return }
        }
        next += 1
        typedAt = output.utf8.count
        // QEMU may have exited already (the guest stopped or crashed): the
        // write then fails with EPIPE, which must fail the test by its
        // assertions on the output, not kill the test process with SIGPIPE.
        Typist.ignoreBrokenPipes
        try? keyboard.fileHandleForWriting.write(contentsOf: Data(step.input.utf8))
    }
}

/// Thread-safe accumulation of a child's output.
final class OutputCollector: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()

    func append(_ chunk: Data) {
        lock.lock()
        data.append(chunk)
        lock.unlock()
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return data.count
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    }
}
