import Foundation
import TestSupport
import XCTest

/// Two VMs talking over Xen's event channels and grant tables
/// (Configs/events.dts, ping.bin): every check both guests print must pass,
/// and the client must have timed its round trips.
final class EventChannelTests: XCTestCase {
    private func boot(_ system: String, on platform: TestPlatform) throws -> (QEMURun, GuestReport) {
        let run = try QEMU.bootExpectingCleanEnd(system, on: platform, timeout: 300)
        return (run, GuestReport(output: run.output))
    }

    func testServerAndClientPingPongOverAnEventChannelAndAGrantedPage() throws {
        try pingPong(on: .vexpressA15)
    }

    func testServerAndClientPingPongOverAnEventChannelAndAGrantedPageOnVirt() throws {
        try pingPong(on: .virt)
    }

    private func pingPong(on platform: TestPlatform) throws {
        let (run, report) = try boot("events", on: platform)

        let client = report.checks(of: "client")
        for name in ["events-bound", "grant-mapped", "grant-readonly-refused", "grant-readonly-write-faults",
                     "pingpong", "grant-unmapped", "events-closed"] {
            XCTAssertEqual(client[name], true, "client CHECK \(name)" + run.transcript)
        }
        let server = report.checks(of: "server")
        for name in ["grant-table-located", "grant-offered", "events-allocated", "events-peer-bound",
                     "grant-flags-while-mapped", "served", "grant-revoked"] {
            XCTAssertEqual(server[name], true, "server CHECK \(name)" + run.transcript)
        }
        XCTAssertEqual((client.merging(server) { a, b in a && b }).filter { !$0.value }.map(\.key), [], run.transcript)

        // Xen's first free port, which the client was told to bind.
        XCTAssertEqual(report.value("port", "PORT", of: "server"), 1, run.transcript)
        let rounds = try XCTUnwrap(report.value("rounds", "PING", of: "client"), run.transcript)
        XCTAssertEqual(report.value("requests", "SERVED", of: "server"), rounds, run.transcript)

        // The server enabled PPI 31 only after the client's first request and
        // event (the run is deterministic under icount): the event raised
        // before the attach was found and served, not lost.
        XCTAssertEqual(report.value("pending_before", "ATTACHED", of: "server"), 1,
                       "the early-event case was not exercised" + run.transcript)

        // Every round trip was timed: n = rounds, 0 < min <= mean <= max.
        let bench = try XCTUnwrap(report.records("BENCH", of: "client").first { $0["n"] != nil }, run.transcript)
        let trip = { (key: String) in Double(bench[key] ?? "") ?? -1 }
        XCTAssertEqual(trip("n"), rounds, run.transcript)
        XCTAssertGreaterThan(trip("min"), 0, run.transcript)
        XCTAssertLessThanOrEqual(trip("min"), trip("mean"), run.transcript)
        XCTAssertLessThanOrEqual(trip("mean"), trip("max"), run.transcript)
        XCTAssertTrue(run.output.contains("\n[client] BENCH guest event-roundtrip n="), run.transcript)

        // One-way notifications timed on the shared virtual counter, for the requests
        // whose event woke the server's handler; each takes less than a round trip. The
        // client sends each request after the first only to a server sleeping for it, so
        // (nearly) every one counts: the meter must have recorded them all.
        let notify = try XCTUnwrap(report.records("BENCH", of: "server").first { $0["n"] != nil }, run.transcript)
        let oneWay = { (key: String) in Double(notify[key] ?? "") ?? -1 }
        XCTAssertGreaterThanOrEqual(oneWay("n"), rounds * 0.9, run.transcript)
        XCTAssertLessThanOrEqual(oneWay("n"), rounds, run.transcript)
        XCTAssertLessThanOrEqual(oneWay("min"), oneWay("mean"), run.transcript)
        XCTAssertLessThanOrEqual(oneWay("mean"), oneWay("max"), run.transcript)
        XCTAssertGreaterThan(oneWay("min"), 0, run.transcript)
        XCTAssertLessThan(oneWay("mean"), trip("mean"), run.transcript)

        XCTAssertTrue(run.hypervisorOutput.contains("Apus: VM server stopped: shutdown (poweroff)"), run.transcript)
        XCTAssertTrue(run.hypervisorOutput.contains("Apus: VM client stopped: shutdown (poweroff)"), run.transcript)
    }
}
