// event_channel_op from guest bytes: each implemented sub-operation decoded,
// performed and encoded, the result register, and the notification.
import HypervisorCore
import XCTest

final class EventChannelHypercallTests: XCTestCase {
    let pages = EventPages(count: 2)

    func perform(_ table: inout EventChannelTable, _ command: EventChannelCommand, caller: UInt16,
                 _ bytes: [UInt8]) -> (EventChannelOutcome, [UInt8]) {
        withEventArguments(bytes) { table.perform(command: command.rawValue, caller: caller, arguments: $0) }
    }

    func testHandshakeSendStatusCloseThroughBytes() {
        var table = makeEventTable(pages, domains: 2)
        let (alloc, allocOut) = perform(&table, .allocUnbound, caller: 1, eventLE16(0x7FF0) + eventLE16(0) + eventLE32(0))
        XCTAssertEqual(alloc, EventChannelOutcome(result: 0))
        XCTAssertEqual(Array(allocOut[4..<8]), eventLE32(1), "port written at offset 4")

        let (bind, bindOut) = perform(&table, .bindInterdomain, caller: 0, eventLE16(1) + [0, 0] + eventLE32(1) + eventLE32(0))
        XCTAssertEqual(bind, EventChannelOutcome(result: 0, notification: EventNotification(domain: 0, vcpu: 0)))
        XCTAssertEqual(Array(bindOut[8..<12]), eventLE32(1), "local_port written at offset 8")

        let (send, _) = perform(&table, .send, caller: 0, eventLE32(1))
        XCTAssertEqual(send, EventChannelOutcome(result: 0, notification: EventNotification(domain: 1, vcpu: 0)))

        let (status, statusOut) = perform(&table, .status, caller: 1, eventLE16(0x7FF0) + [0, 0] + eventLE32(1)
                                          + [UInt8](repeating: 0, count: 16))
        XCTAssertEqual(status.result, 0)
        XCTAssertEqual(Array(statusOut[8...]), eventLE32(2) + eventLE32(0) + eventLE16(0) + [0, 0] + eventLE32(1))

        let (close, _) = perform(&table, .close, caller: 1, eventLE32(1))
        XCTAssertEqual(close, EventChannelOutcome(result: 0))
        let (again, _) = perform(&table, .send, caller: 1, eventLE32(1))
        XCTAssertEqual(again.result, -22)
        XCTAssertEqual(again.registerValue, XenError.invalid.registerValue)
    }

    /// The hypercall binds only the VIRQ Apus raises (VIRQ_CONSOLE); the others get
    /// -EINVAL, as for a VIRQ number Xen does not know, never a port that never fires.
    func testVirqsApusNeverRaisesAreRefusedAndUnmaskWorksThroughBytes() {
        var table = makeEventTable(pages, domains: 1)
        for virq in [VirtualIRQ.timer, VirtualIRQ.debug, VirtualIRQ.domainException, 23, 99] {
            XCTAssertFalse(VirtualIRQ.isRaisedByApus(virq))
            let bytes = eventLE32(virq) + eventLE32(0) + eventLE32(0)
            let (bind, out) = perform(&table, .bindVirq, caller: 0, bytes)
            XCTAssertEqual(bind.result, -22, "VIRQ \(virq)")
            XCTAssertEqual(out, bytes, "nothing written for VIRQ \(virq)")
        }
        XCTAssertEqual(table.state(domain: 0, port: 1), .free)
        XCTAssertTrue(VirtualIRQ.isRaisedByApus(VirtualIRQ.console))
        let (bind, out) = perform(&table, .bindVirq, caller: 0, eventLE32(VirtualIRQ.console) + eventLE32(0) + eventLE32(0))
        XCTAssertEqual(bind.result, 0)
        XCTAssertEqual(Array(out[8..<12]), eventLE32(1))
        let (unmask, _) = perform(&table, .unmask, caller: 0, eventLE32(1))
        XCTAssertEqual(unmask, EventChannelOutcome(result: 0))
        XCTAssertNotNil(table.raiseVirq(domain: 0, virq: VirtualIRQ.console))
    }

    func testErrorsLeaveTheBufferAlone() {
        var table = makeEventTable(pages, domains: 2)
        let bytes = eventLE16(1) + eventLE16(0) + eventLE32(0xAAAA_AAAA)
        let (outcome, out) = perform(&table, .allocUnbound, caller: 0, bytes)
        XCTAssertEqual(outcome.result, -XenError.permissionDenied.rawValue)
        XCTAssertEqual(out, bytes)
    }

    func testUnimplementedUnknownAndShortArguments() {
        var table = makeEventTable(pages, domains: 1)
        for command: EventChannelCommand in [.bindPirq, .bindIPI, .reset, .initControl, .expandArray, .setPriority] {
            XCTAssertEqual(perform(&table, command, caller: 0, []).0.result, -38, "\(command)")
        }
        let unknown = withEventArguments([]) { table.perform(command: 99, caller: 0, arguments: $0) }.0
        XCTAssertEqual(unknown.result, -38)
        XCTAssertEqual(perform(&table, .send, caller: 0, [1, 0, 0]).0.result, -14)
        XCTAssertEqual(perform(&table, .status, caller: 0, [UInt8](repeating: 0, count: 20)).0.result, -14)
        XCTAssertEqual(perform(&table, .bindVCPU, caller: 0, [1, 0, 0, 0]).0.result, -14, "bind_vcpu is 8 bytes")
    }

    /// bind_vcpu in a domain with one VCPU: only VCPU 0, and only for a bound port (Xen's errors otherwise).
    func testBindVCPUToTheOnlyVCPU() {
        var table = makeEventTable(pages, domains: 2)
        let allocated = perform(&table, .allocUnbound, caller: 0, eventLE16(0x7FF0) + eventLE16(1) + eventLE32(0))
        XCTAssertEqual(allocated.0.result, 0)
        let port = UInt32(allocated.1[4]) | UInt32(allocated.1[5]) << 8
        XCTAssertEqual(perform(&table, .bindVCPU, caller: 0, eventLE32(port) + eventLE32(0)).0.result, 0)
        XCTAssertEqual(perform(&table, .bindVCPU, caller: 0, eventLE32(port) + eventLE32(1)).0.result, -XenError.noEntry.rawValue)
        XCTAssertEqual(perform(&table, .bindVCPU, caller: 0, eventLE32(port + 1) + eventLE32(0)).0.result, -XenError.invalid.rawValue)
        XCTAssertEqual(perform(&table, .bindVCPU, caller: 0, eventLE32(4096) + eventLE32(0)).0.result, -XenError.noEntry.rawValue)
    }
}
