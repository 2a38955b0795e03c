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
        let run = try runCommand(script, environment: ["BUILD": QEMU.buildDirectory.path, "PLATFORM": "virt"])
        let output = run.output
        XCTAssertEqual(run.status, 0, output)

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
    /// The disk table of make bench (Tests/Bench/disk-bench.sh), one run per front end on each
    /// machine: it ends with status 0 and prints both rows, five positive figures each (their
    /// size is not judged: QEMU completes disk requests in host time). DiskBenchTests checks
    /// what the runs wrote.
    func testTheDiskTableHasARowPerFrontEnd() throws {
        for platform in ["vexpress-a15", "virt"] {
            let script = QEMU.repository.appendingPathComponent("Tests/Bench/disk-bench.sh")
            let run = try runCommand(script, environment: ["BUILD": QEMU.buildDirectory.path, "PLATFORM": platform, "RUNS": "1"])
            let output = platform + "\n" + run.output
            XCTAssertEqual(run.status, 0, output)
            let lines = run.output.split(separator: "\n").map { String($0) }
            XCTAssertTrue(lines.contains { $0.hasPrefix("QEMU (disk throughput, \(platform)): ") }, output)
            for label in ["Linux blkfront", "Apus front end"] {
                let row = lines.first { $0.hasPrefix(label + " ") }.map { $0.dropFirst(label.count).split(separator: " ") } ?? []
                // write MiB/s, read MiB/s, 4 KiB read us, each read's mean and max us.
                XCTAssertEqual(row.count, 5, label + "\n" + output)
                for column in row { XCTAssertGreaterThan(Double(column) ?? 0, 0, label + "\n" + output) }
            }
        }
    }
}
