import Foundation
import XCTest

/// Boots an image that `make` built under QEMU vexpress-a15, captures the UART
/// output and the exit status, and never waits longer than a timeout: a hang
/// is reported as a failure together with everything the image printed.
public struct QEMURun {
    public let image: String
    public let output: String
    public let status: Int32
    public let timedOut: Bool
    /// Stopped because it printed nothing for the `silence` the caller allowed.
    public var silent = false

    /// The captured output, for failure messages.
    public var transcript: String {
        "\n--- \(image): exit status \(status)\(silent ? " (silent too long)" : timedOut ? " (timed out)" : "") ---\n\(output)\n--- end ---"
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

    public static let machine = "vexpress-a15,virtualization=on"

    /// Boots `image` (a file name in the build directory, or an absolute path).
    /// `input` is typed on UART0 (QEMU's stdin), all of it at once, as soon as
    /// the output contains `typeAfter` (at start when nil): the hypervisor
    /// resets the UART's FIFO when it boots, so bytes typed earlier are lost,
    /// as on a board. stdin stays open until QEMU exits. With `silence`, a run
    /// that prints nothing for that many seconds is stopped and marked silent.
    public static func boot(
        _ image: String, machine: String = machine, timeout: TimeInterval = 60,
        extraArguments: [String] = [], input: String? = nil, typeAfter: String? = nil, silence: TimeInterval? = nil,
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
            "qemu-system-arm", "-M", machine, "-cpu", "cortex-a15", "-m", "256M",
            "-display", "none", "-monitor", "none", "-serial", "stdio",
            "-audiodev", "none,id=none", "-global", "pl041.audiodev=none",
            "-semihosting", "-kernel", path,
        ] + extraArguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let keyboard = input.map { _ in Pipe() }
        process.standardInput = keyboard ?? FileHandle.nullDevice

        let collected = OutputCollector()
        let typist = Typist(keyboard: keyboard, input: input, after: typeAfter)
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
        var seen = 0, lastOutput = Date()
        while finished.wait(timeout: .now() + 0.5) == .timedOut {
            let count = collected.count
            if count != seen { seen = count; lastOutput = Date() }
            if Date() >= deadline { timedOut = true; break }
            if let silence, Date().timeIntervalSince(lastOutput) >= silence { timedOut = true; silent = true; break }
        }
        if timedOut {
            process.terminate()
            finished.wait()
        }
        try? keyboard?.fileHandleForWriting.close()
        drained.wait()
        return QEMURun(
            image: image, output: collected.text, status: process.terminationStatus, timedOut: timedOut, silent: silent)
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
        _ system: String, timeout: TimeInterval, extraArguments: [String] = [], input: String? = nil,
        typeAfter: String? = nil, expectingStatus status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line
    ) throws -> QEMURun {
        let run = try boot("systems/\(system).elf", timeout: timeout, extraArguments: deterministic + extraArguments,
                           input: input, typeAfter: typeAfter, file: file, line: line)
        XCTAssertFalse(run.timedOut, "hung" + run.transcript, file: file, line: line)
        XCTAssertEqual(run.status, status, run.transcript, file: file, line: line)
        return run
    }

    /// `bootSystem` for a system that must end cleanly: status 0, every VM
    /// stopped, no panic.
    public static func bootExpectingCleanEnd(
        _ system: String, timeout: TimeInterval, extraArguments: [String] = [],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> QEMURun {
        let run = try bootSystem(system, timeout: timeout, extraArguments: extraArguments, file: file, line: line)
        XCTAssertTrue(run.output.contains("Apus: all VMs stopped"), run.transcript, file: file, line: line)
        XCTAssertFalse(run.output.contains("PANIC"), run.transcript, file: file, line: line)
        return run
    }
}

/// Types the input once, when the output shows the awaited text.
final class Typist: @unchecked Sendable {
    private let keyboard: Pipe?
    private let input: String?
    private let after: String?
    private var typed = false
    private let lock = NSLock()

    init(keyboard: Pipe?, input: String?, after: String?) {
        self.keyboard = keyboard
        self.input = input
        self.after = after
    }

    /// Input is still to be typed (checked before building the text to match).
    var isWaiting: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !typed && keyboard != nil && input != nil
    }

    func typeIfReady(seen output: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !typed, let keyboard, let input else { return }
        if let after, !output.contains(after) { return }
        typed = true
        keyboard.fileHandleForWriting.write(Data(input.utf8))
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
