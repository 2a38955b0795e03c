// EVTCHNOP_bind_vcpu in a domain with two VCPUs: a port's events go to the
// vcpu_info (selector, upcall flag) and the upcall of the VCPU it is bound to.
import HypervisorCore
import XCTest

final class EventChannelBindVCPUTests: XCTestCase {
    /// Page 0: domain 0's shared_info; page 1: domain 1's; page 2: the vcpu_info
    /// domain 0's VCPU 1 registers.
    let pages = EventPages(count: 3)

    /// Domain 0 with two VCPUs, domain 1 with one; port `local` of domain 0 is
    /// connected to port `remote` of domain 1.
    private func connectedTable() throws -> (table: EventChannelTable, local: UInt32, remote: UInt32) {
        var table = EventChannelTable()
        XCTAssertTrue(table.attach(domain: 0, page: pages.hypervisorView(0), vcpus: 2))
        XCTAssertTrue(table.attach(domain: 1, page: pages.hypervisorView(1)))
        let local = try XCTUnwrap(unwrapEvent(table.allocateUnbound(caller: 0, domain: 0, remoteDomain: 1)))
        let binding = try XCTUnwrap(unwrapEvent(table.bindInterdomain(caller: 1, remoteDomain: 0, remotePort: local)))
        return (table, local, binding.localPort)
    }

    private func upcallFlag(_ page: Int) -> UInt8 { pages.byte(page, at: SharedInfoLayout.upcallPendingOffset) }
    private func selector(_ page: Int) -> UInt64 { pages.word64(page, at: SharedInfoLayout.pendingSelectorOffset) }
    private func pendingWord(_ domain: Int) -> UInt64 { pages.word64(domain, at: SharedInfoLayout.pendingOffset) }

    func testAPortBoundToVCPU1RaisesVCPU1sUpcallOnceItHasAVCPUInfo() throws {
        var (table, local, remote) = try connectedTable()
        _ = unwrapEvent(table.bindVCPU(caller: 0, port: local, vcpu: 1))
        XCTAssertEqual(unwrapEvent(table.status(caller: 0, domain: 0, port: local))?.vcpu, 1)

        // No vcpu_info for VCPU 1 yet: the pending bit only (its registration raises every selector).
        XCTAssertEqual(unwrapEvent(table.send(caller: 1, port: remote)), .some(nil))
        XCTAssertEqual(pendingWord(0), 1 << UInt64(local))
        XCTAssertEqual(upcallFlag(0), 0, "VCPU 0's vcpu_info is not raised")
        XCTAssertEqual(selector(0), 0)

        XCTAssertTrue(table.registerVCPUInfo(domain: 0, vcpu: 1, at: pages[2]))
        XCTAssertTrue(pages.guestView(0).clearPending(local))
        XCTAssertEqual(unwrapEvent(table.send(caller: 1, port: remote)), EventNotification(domain: 0, vcpu: 1))
        XCTAssertEqual(upcallFlag(2), 1, "VCPU 1's upcall flag")
        XCTAssertEqual(selector(2), 1, "VCPU 1's selector covers word 0")
        XCTAssertEqual(upcallFlag(0), 0)
        XCTAssertEqual(selector(0), 0)
        // VCPU 1's guest takes the event through its own vcpu_info.
        var taken: [UInt32] = []
        GuestEventChannels(sharedInfo: pages[0], vcpuInfo: pages[2]).dispatchPending { taken.append($0) }
        XCTAssertEqual(taken, [local])
        XCTAssertNil(table.invariantViolation())
    }

    /// Linux masks a port around its rebinding; the unmask re-raises a port that
    /// became pending meanwhile on the VCPU it is bound to now.
    func testUnmaskReraisesOnTheBoundVCPU() throws {
        var (table, local, remote) = try connectedTable()
        XCTAssertTrue(table.registerVCPUInfo(domain: 0, vcpu: 1, at: pages[2]))
        pages.guestView(0).mask(local)
        XCTAssertEqual(unwrapEvent(table.send(caller: 1, port: remote)), .some(nil), "masked: no upcall")
        _ = unwrapEvent(table.bindVCPU(caller: 0, port: local, vcpu: 1))
        XCTAssertEqual(unwrapEvent(table.unmask(caller: 0, port: local)), EventNotification(domain: 0, vcpu: 1))
        XCTAssertEqual(upcallFlag(2), 1)
        XCTAssertEqual(upcallFlag(0), 0)
    }

    func testXensErrorsAndAClosedPortNotifiesVCPU0Again() throws {
        var (table, local, _) = try connectedTable()
        assertEventError(table.bindVCPU(caller: 0, port: local, vcpu: 2), .noEntry)  // domain 0 has VCPUs 0 and 1
        assertEventError(table.bindVCPU(caller: 1, port: 1, vcpu: 1), .noEntry)      // domain 1 has one VCPU
        assertEventError(table.bindVCPU(caller: 0, port: local + 1, vcpu: 1), .invalid)
        assertEventError(table.bindVCPU(caller: 0, port: 0, vcpu: 1), .invalid)
        assertEventError(table.bindVCPU(caller: 0, port: 64, vcpu: 1), .noEntry)
        // A per-VCPU VIRQ stays with its VCPU; a global one may move.
        let timer = try XCTUnwrap(unwrapEvent(table.bindVirq(caller: 0, virq: VirtualIRQ.timer, vcpu: 1)))
        XCTAssertEqual(unwrapEvent(table.status(caller: 0, domain: 0, port: timer))?.vcpu, 1)
        assertEventError(table.bindVCPU(caller: 0, port: timer, vcpu: 0), .invalid)
        let console = try XCTUnwrap(unwrapEvent(table.bindVirq(caller: 0, virq: VirtualIRQ.console, vcpu: 0)))
        _ = unwrapEvent(table.bindVCPU(caller: 0, port: console, vcpu: 1))
        XCTAssertEqual(unwrapEvent(table.status(caller: 0, domain: 0, port: console))?.vcpu, 1)

        _ = unwrapEvent(table.bindVCPU(caller: 0, port: local, vcpu: 1))
        _ = unwrapEvent(table.close(caller: 0, port: local))
        XCTAssertNil(table.invariantViolation(), "a freed port notifies VCPU 0")
        let again = try XCTUnwrap(unwrapEvent(table.allocateUnbound(caller: 0, domain: 0, remoteDomain: 1)))
        XCTAssertEqual(again, local)
        XCTAssertEqual(unwrapEvent(table.status(caller: 0, domain: 0, port: again))?.vcpu, 0)
        XCTAssertNil(table.invariantViolation())
    }
}
