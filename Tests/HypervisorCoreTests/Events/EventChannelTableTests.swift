// The channel table's operations, with Xen's answers: the handshake, close
// (peer back to unbound), send on every kind of port, exhaustion, VIRQs,
// status of each state, absent domains.
import HypervisorCore
import XCTest

final class EventChannelTableTests: XCTestCase {
    let pages = EventPages(count: 3)
    let selfID = EventChannelABI.domainSelf

    /// Domain 1 offers a port to domain 0, domain 0 binds it: (port of 0, port of 1).
    func connect(_ table: inout EventChannelTable, _ a: UInt16 = 0, _ b: UInt16 = 1) -> (UInt32, UInt32)? {
        guard let offered = unwrapEvent(table.allocateUnbound(caller: b, domain: selfID, remoteDomain: a)),
              let binding = unwrapEvent(table.bindInterdomain(caller: a, remoteDomain: b, remotePort: offered))
        else { return nil }
        return (binding.localPort, offered)
    }

    func testHandshake() throws {
        var table = makeEventTable(pages, domains: 3)
        let offered = try XCTUnwrap(unwrapEvent(table.allocateUnbound(caller: 1, domain: selfID, remoteDomain: 0)))
        XCTAssertEqual(offered, 1, "port 0 is reserved, so the first port is 1")
        XCTAssertEqual(table.state(domain: 1, port: offered), .unbound(remoteDomain: 0))
        // Only domain 0 may bind it.
        assertEventError(table.bindInterdomain(caller: 2, remoteDomain: 1, remotePort: offered), .invalid)
        let binding = try XCTUnwrap(unwrapEvent(table.bindInterdomain(caller: 0, remoteDomain: 1, remotePort: offered)))
        XCTAssertEqual(binding.localPort, 1)
        XCTAssertEqual(table.state(domain: 0, port: 1), .interdomain(remoteDomain: 1, remotePort: offered))
        XCTAssertEqual(table.state(domain: 1, port: offered), .interdomain(remoteDomain: 0, remotePort: 1))
        // Xen marks the binder's new port pending, so it cannot miss an earlier send.
        XCTAssertEqual(binding.notification, EventNotification(domain: 0, vcpu: 0))
        XCTAssertTrue(pages.hypervisorView(0).isPending(1))
        // A bound port cannot be bound again.
        assertEventError(table.bindInterdomain(caller: 0, remoteDomain: 1, remotePort: offered), .invalid)
        XCTAssertNil(table.invariantViolation())
    }

    func testSendSetsThePeersPendingBitAndNotifiesOnce() throws {
        var table = makeEventTable(pages, domains: 2)
        let (a, b) = try XCTUnwrap(connect(&table))
        XCTAssertEqual(unwrapEvent(table.send(caller: 0, port: a)), EventNotification(domain: 1, vcpu: 0))
        let peer = pages.hypervisorView(1)
        XCTAssertTrue(peer.isPending(b))
        XCTAssertTrue(peer.isUpcallPending)
        XCTAssertEqual(pages.word64(1, at: SharedInfoLayout.pendingOffset), 1 << UInt64(b))
        XCTAssertEqual(pages.word64(1, at: SharedInfoLayout.pendingSelectorOffset), 1, "selector bit of word 0")
        XCTAssertEqual(pages.byte(1, at: SharedInfoLayout.upcallPendingOffset), 1)
        // Already pending: no second upcall.
        XCTAssertEqual(unwrapEvent(table.send(caller: 0, port: a)), .some(nil))
        // The other direction reaches domain 0's port a.
        pages.setByte(0, at: SharedInfoLayout.upcallPendingOffset, 0)
        pages.setWord64(0, at: SharedInfoLayout.pendingOffset, 0)
        pages.setWord64(0, at: SharedInfoLayout.pendingSelectorOffset, 0)
        XCTAssertEqual(unwrapEvent(table.send(caller: 1, port: b)), EventNotification(domain: 0, vcpu: 0))
        XCTAssertTrue(pages.hypervisorView(0).isPending(a))
    }

    func testClosingOneEnd() throws {
        var table = makeEventTable(pages, domains: 2)
        let (a, b) = try XCTUnwrap(connect(&table))
        XCTAssertNotNil(unwrapEvent(table.close(caller: 0, port: a)))
        XCTAssertEqual(table.state(domain: 0, port: a), .free)
        XCTAssertFalse(pages.hypervisorView(0).isPending(a), "close clears the pending bit")
        XCTAssertEqual(table.state(domain: 1, port: b), .unbound(remoteDomain: 0), "peer waits for a new bind")
        // The closed side can no longer send; the peer's sends are dropped silently.
        assertEventError(table.send(caller: 0, port: a), .invalid)
        XCTAssertEqual(unwrapEvent(table.send(caller: 1, port: b)), .some(nil))
        XCTAssertFalse(pages.hypervisorView(0).isPending(a))
        // Closing twice is -EINVAL.
        assertEventError(table.close(caller: 0, port: a), .invalid)
        // Domain 0 can bind the peer's port again.
        let again = try XCTUnwrap(unwrapEvent(table.bindInterdomain(caller: 0, remoteDomain: 1, remotePort: b)))
        XCTAssertEqual(table.state(domain: 1, port: b), .interdomain(remoteDomain: 0, remotePort: again.localPort))
        XCTAssertNil(table.invariantViolation())
    }

    func testSendOnFreeReservedForeignAndOutOfRangePorts() throws {
        var table = makeEventTable(pages, domains: 3)
        let (_, b) = try XCTUnwrap(connect(&table))
        assertEventError(table.send(caller: 0, port: 0), .invalid)  // reserved
        assertEventError(table.send(caller: 0, port: 9), .invalid)  // free
        assertEventError(table.send(caller: 2, port: b), .invalid)  // domain 1's port number, free in domain 2
        assertEventError(table.send(caller: 0, port: 64), .invalid)
        assertEventError(table.send(caller: 0, port: .max), .invalid)
        assertEventError(table.close(caller: 0, port: 0), .invalid)
        assertEventError(table.close(caller: 0, port: 64), .invalid)
        assertEventError(table.unmask(caller: 0, port: 64), .invalid)
        assertEventError(table.send(caller: 5, port: 1), .noSuchDomain)  // never attached
        XCTAssertFalse(pages.hypervisorView(2).isUpcallPending)
    }

    func testLoopbackChannel() throws {
        var table = makeEventTable(pages, domains: 1)
        let offered = try XCTUnwrap(unwrapEvent(table.allocateUnbound(caller: 0, domain: 0, remoteDomain: selfID)))
        XCTAssertEqual(table.state(domain: 0, port: offered), .unbound(remoteDomain: 0))
        let binding = try XCTUnwrap(unwrapEvent(table.bindInterdomain(caller: 0, remoteDomain: selfID, remotePort: offered)))
        XCTAssertNotEqual(binding.localPort, offered)
        pages.guestView(0).dispatchPending { _ in }
        XCTAssertEqual(unwrapEvent(table.send(caller: 0, port: binding.localPort)), EventNotification(domain: 0, vcpu: 0))
        XCTAssertTrue(pages.hypervisorView(0).isPending(offered))
        XCTAssertNotNil(unwrapEvent(table.close(caller: 0, port: offered)))
        XCTAssertEqual(table.state(domain: 0, port: binding.localPort), .unbound(remoteDomain: 0))
        XCTAssertNil(table.invariantViolation())
    }

    func testAllocUnboundIsForTheCallerOnly() {
        var table = makeEventTable(pages, domains: 2)
        assertEventError(table.allocateUnbound(caller: 0, domain: 1, remoteDomain: 1), .permissionDenied)
        assertEventError(table.allocateUnbound(caller: 0, domain: 6, remoteDomain: 1), .noSuchDomain)
        XCTAssertEqual(unwrapEvent(table.allocateUnbound(caller: 0, domain: 0, remoteDomain: 1)), 1)
        // A remote that does not exist yet is stored, as Xen does.
        XCTAssertEqual(unwrapEvent(table.allocateUnbound(caller: 0, domain: selfID, remoteDomain: 7)), 2)
        XCTAssertEqual(table.state(domain: 0, port: 2), .unbound(remoteDomain: 7))
        assertEventError(table.bindInterdomain(caller: 1, remoteDomain: 3, remotePort: 1), .noSuchDomain)
        assertEventError(table.bindInterdomain(caller: 1, remoteDomain: 0, remotePort: 64), .invalid)
    }

    func testExhaustion() {
        var table = makeEventTable(pages, domains: 2)
        for expected in 1..<EventChannelTable.portsPerDomain {
            XCTAssertEqual(unwrapEvent(table.allocateUnbound(caller: 1, domain: selfID, remoteDomain: 0)), expected)
        }
        assertEventError(table.allocateUnbound(caller: 1, domain: selfID, remoteDomain: 0), .noSpace)
        assertEventError(table.bindVirq(caller: 1, virq: VirtualIRQ.console, vcpu: 0), .noSpace)
        // Domain 0 has room, but binding needs none on the full side: all 63 can be bound.
        for port in 1..<EventChannelTable.portsPerDomain {
            XCTAssertNotNil(unwrapEvent(table.bindInterdomain(caller: 0, remoteDomain: 1, remotePort: port)))
        }
        // Now domain 0 is full too: binding fails with -ENOSPC before looking at the remote port.
        assertEventError(table.bindInterdomain(caller: 0, remoteDomain: 1, remotePort: 5), .noSpace)
        // Closing frees exactly that port for reuse.
        XCTAssertNotNil(unwrapEvent(table.close(caller: 1, port: 17)))
        XCTAssertEqual(unwrapEvent(table.allocateUnbound(caller: 1, domain: selfID, remoteDomain: 0)), 17)
        XCTAssertNil(table.invariantViolation())
    }

    func testVirqBindingAndDelivery() throws {
        var table = makeEventTable(pages, domains: 1)
        assertEventError(table.bindVirq(caller: 0, virq: 24, vcpu: 0), .invalid)
        assertEventError(table.bindVirq(caller: 0, virq: VirtualIRQ.console, vcpu: 1), .invalid)  // global on VCPU 1
        assertEventError(table.bindVirq(caller: 0, virq: VirtualIRQ.timer, vcpu: 1), .noEntry)  // per-VCPU, no VCPU 1
        let port = try XCTUnwrap(unwrapEvent(table.bindVirq(caller: 0, virq: VirtualIRQ.console, vcpu: 0)))
        assertEventError(table.bindVirq(caller: 0, virq: VirtualIRQ.console, vcpu: 0), .exists)
        XCTAssertEqual(table.state(domain: 0, port: port), .virq(VirtualIRQ.console, vcpu: 0))
        assertEventError(table.send(caller: 0, port: port), .invalid)  // guests cannot send on a VIRQ
        XCTAssertNil(table.raiseVirq(domain: 0, virq: VirtualIRQ.timer), "unbound VIRQ")
        XCTAssertEqual(table.raiseVirq(domain: 0, virq: VirtualIRQ.console), EventNotification(domain: 0, vcpu: 0))
        XCTAssertTrue(pages.hypervisorView(0).isPending(port))
        XCTAssertNotNil(unwrapEvent(table.close(caller: 0, port: port)))
        XCTAssertNil(table.raiseVirq(domain: 0, virq: VirtualIRQ.console))
        XCTAssertNotNil(unwrapEvent(table.bindVirq(caller: 0, virq: VirtualIRQ.console, vcpu: 0)), "rebindable after close")
        XCTAssertNil(table.invariantViolation())
    }

    func testStatusOfEachState() throws {
        var table = makeEventTable(pages, domains: 2)
        let (a, b) = try XCTUnwrap(connect(&table))
        let offered = try XCTUnwrap(unwrapEvent(table.allocateUnbound(caller: 0, domain: selfID, remoteDomain: 1)))
        let virq = try XCTUnwrap(unwrapEvent(table.bindVirq(caller: 0, virq: VirtualIRQ.debug, vcpu: 0)))
        XCTAssertEqual(unwrapEvent(table.status(caller: 0, domain: selfID, port: 0)),
                       EventChannelStatus(code: .closed, vcpu: 0, binding: .none))
        XCTAssertEqual(unwrapEvent(table.status(caller: 0, domain: 0, port: 40)),
                       EventChannelStatus(code: .closed, vcpu: 0, binding: .none))
        XCTAssertEqual(unwrapEvent(table.status(caller: 0, domain: selfID, port: a)),
                       EventChannelStatus(code: .interdomain, vcpu: 0, binding: .interdomain(remoteDomain: 1, remotePort: b)))
        XCTAssertEqual(unwrapEvent(table.status(caller: 0, domain: selfID, port: offered)),
                       EventChannelStatus(code: .unbound, vcpu: 0, binding: .unbound(remoteDomain: 1)))
        XCTAssertEqual(unwrapEvent(table.status(caller: 0, domain: selfID, port: virq)),
                       EventChannelStatus(code: .virq, vcpu: 0, binding: .virq(VirtualIRQ.debug)))
        assertEventError(table.status(caller: 0, domain: 1, port: b), .permissionDenied)
        assertEventError(table.status(caller: 0, domain: 4, port: 1), .noSuchDomain)
        assertEventError(table.status(caller: 0, domain: selfID, port: 64), .invalid)
    }

    func testDetachClosesEveryPortAndUnbindsPeers() throws {
        var table = makeEventTable(pages, domains: 3)
        let (a, _) = try XCTUnwrap(connect(&table, 0, 1))
        let (c, _) = try XCTUnwrap(connect(&table, 2, 1))
        table.detach(domain: 1)
        XCTAssertEqual(table.state(domain: 0, port: a), .unbound(remoteDomain: 1))
        XCTAssertEqual(table.state(domain: 2, port: c), .unbound(remoteDomain: 1))
        XCTAssertNil(table.page(of: 1))
        assertEventError(table.allocateUnbound(caller: 1, domain: selfID, remoteDomain: 0), .noSuchDomain)
        assertEventError(table.bindInterdomain(caller: 0, remoteDomain: 1, remotePort: 1), .noSuchDomain)
        XCTAssertEqual(unwrapEvent(table.send(caller: 0, port: a)), .some(nil), "dropped: peer is gone")
        XCTAssertNil(table.invariantViolation())
        XCTAssertFalse(table.attach(domain: 8, page: pages.hypervisorView(0)), "ids beyond the capacity")
    }
}
