import Foundation
import TestSupport
import XCTest

/// The QEMU half of `make bench PLATFORM=virt` (Tests/Bench/qemu-bench.sh):
/// it boots every virt bench system (Configs/virt/bench-io-*.dts, events.dts,
/// Configs/virt/bench-rtio-*.dts) with fresh disks and fails, with the
/// console, when a run does not end cleanly, a check fails (but the credit
/// split run's deadlines) or a BENCH line is missing. Here: it ends with
/// status 0 and prints every row of its tables.
final class BenchScriptTests: XCTestCase {
    func testEveryVirtBenchSystemRunsToItsTableRows() throws {
        let script = QEMU.repository.appendingPathComponent("Tests/Bench/qemu-bench.sh")
        let process = Process()
        process.executableURL = script
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["BUILD": QEMU.buildDirectory.path, "PLATFORM": "virt"]) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)

        let lines = output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        XCTAssertTrue(lines.contains { $0.hasPrefix("QEMU (hypervisor): not measured on virt (") }, output)
        // Split vs passthrough: both paths under both loads and both schedulers, 200 reads each.
        for path in ["passthrough", "split"] {
            for load in ["idle", "hog"] {
                for scheduler in ["sedf", "credit"] {
                    let row = "block read 4 KiB \(path) \(load) \(scheduler) 200 "
                    XCTAssertTrue(lines.contains { $0.hasPrefix(row) }, row + "\n" + output)
                }
            }
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("event round trip send->reply seen idle sedf 1000 ") }, output)
        // The RT guest with a read per job, 300 ms of 10 ms jobs on every path (the deadlines
        // themselves are RTIOTests' to judge: the reads complete in host time).
        for (path, scheduler) in [("passthrough", "sedf"), ("passthrough", "credit"), ("split", "sedf"), ("split", "credit")] {
            let row = lines.first { $0.hasPrefix("\(path) \(scheduler) ") }?.split(separator: " ") ?? []
            XCTAssertEqual(row.count, 8, "\(path) \(scheduler)\n" + output)
            guard row.count == 8 else { continue }
            XCTAssertGreaterThanOrEqual(Int(row[2]) ?? 0, 30, "jobs, \(path) \(scheduler)\n" + output)
        }
    }
}
