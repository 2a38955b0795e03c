// The 2-level bitmaps: the hypervisor's setPending/unmask against Xen's
// rules, bit positions in the 64-bit words, and the guest's scan-and-dispatch.
import HypervisorCore
import XCTest

final class EventPageTests: XCTestCase {
    let pages = EventPages(count: 1)
    var hypervisor: EventPage { pages.hypervisorView(0) }
    var guest: GuestEventChannels { pages.guestView(0) }

    func testBitPositionsInSixtyFourBitWords() {
        XCTAssertTrue(hypervisor.setPending(100))  // word 1, bit 36
        XCTAssertEqual(pages.word64(0, at: SharedInfoLayout.pendingOffset + 8), 1 << 36)
        XCTAssertEqual(pages.word64(0, at: SharedInfoLayout.pendingSelectorOffset), 1 << 1)
        XCTAssertFalse(hypervisor.setPending(4095), "selector bit 63 is new, but upcall_pending was already 1")
        XCTAssertEqual(pages.word64(0, at: SharedInfoLayout.pendingOffset + 63 * 8), 1 << 63)
        XCTAssertEqual(pages.word64(0, at: SharedInfoLayout.pendingSelectorOffset), 1 << 1 | 1 << 63)
        XCTAssertFalse(hypervisor.setPending(4096), "beyond the 2-level ABI")
        // Nothing outside the bitmaps and the vcpu_info flags changed.
        XCTAssertEqual(pages.word64(0, at: SharedInfoLayout.maskOffset + 8), 0)
        XCTAssertEqual(pages.byte(0, at: SharedInfoLayout.upcallMaskOffset), 0)
        XCTAssertEqual(pages.word64(0, at: SharedInfoLayout.wallClockVersionOffset), 0)
    }

    func testUpcallOnlyOnTheFirstTransition() {
        XCTAssertTrue(hypervisor.setPending(3))
        XCTAssertFalse(hypervisor.setPending(3), "already pending")
        XCTAssertFalse(hypervisor.setPending(5), "same selector bit")
        XCTAssertEqual(guest.dispatchPending { _ in }, 2)
        XCTAssertFalse(hypervisor.isUpcallPending)
        XCTAssertTrue(hypervisor.setPending(5), "after the guest cleared everything, a new upcall")
    }

    func testMaskedPortsStayPendingAndUnmaskReRaises() {
        guest.mask(7)
        XCTAssertTrue(hypervisor.isMasked(7))
        XCTAssertFalse(hypervisor.setPending(7), "masked: no upcall")
        XCTAssertTrue(hypervisor.isPending(7))
        XCTAssertEqual(pages.word64(0, at: SharedInfoLayout.pendingSelectorOffset), 0)
        XCTAssertFalse(hypervisor.isUpcallPending)
        var seen: [UInt32] = []
        guest.dispatchPending { seen.append($0) }
        XCTAssertEqual(seen, [], "masked ports are not dispatched")
        XCTAssertTrue(hypervisor.unmask(7), "pending and now unmasked: upcall")
        XCTAssertFalse(hypervisor.isMasked(7))
        guest.dispatchPending { seen.append($0) }
        XCTAssertEqual(seen, [7])
        XCTAssertFalse(hypervisor.unmask(7), "not masked any more: nothing to re-raise")
        guest.mask(9)
        XCTAssertFalse(hypervisor.unmask(9), "masked but not pending")
    }

    func testUnmaskThroughTheTable() throws {
        var table = makeEventTable(pages, domains: 1)
        let offered = try XCTUnwrap(unwrapEvent(table.allocateUnbound(caller: 0, domain: 0, remoteDomain: 0)))
        let binding = try XCTUnwrap(unwrapEvent(table.bindInterdomain(caller: 0, remoteDomain: 0, remotePort: offered)))
        guest.dispatchPending { _ in }
        guest.mask(offered)
        XCTAssertEqual(unwrapEvent(table.send(caller: 0, port: binding.localPort)), .some(nil), "masked")
        XCTAssertEqual(unwrapEvent(table.unmask(caller: 0, port: offered)), EventNotification(domain: 0, vcpu: 0))
        XCTAssertEqual(unwrapEvent(table.unmask(caller: 0, port: offered)), .some(nil))
    }

    func testGuestDispatchesInPortOrderAndClearsBeforeTheHandler() {
        for port: UInt32 in [65, 2, 4000, 33, 1] { _ = hypervisor.setPending(port) }
        var seen: [UInt32] = []
        let calls = guest.dispatchPending { port in
            XCTAssertFalse(self.guest.isPending(port), "cleared before the handler runs")
            seen.append(port)
        }
        XCTAssertEqual(seen, [1, 2, 33, 65, 4000])
        XCTAssertEqual(calls, 5)
        XCTAssertEqual(pages.word64(0, at: SharedInfoLayout.pendingSelectorOffset), 0)
        XCTAssertFalse(guest.isUpcallPending)
    }

    func testEventRaisedDuringTheHandlerIsDispatchedInTheSameCall() {
        _ = hypervisor.setPending(10)
        var seen: [UInt32] = []
        guest.dispatchPending { port in
            seen.append(port)
            // The hypervisor runs (a trap) while the first handler runs and raises more events.
            if seen.count == 1 {
                _ = self.hypervisor.setPending(10)
                _ = self.hypervisor.setPending(200)
            }
        }
        XCTAssertEqual(seen, [10, 10, 200])
        XCTAssertFalse(guest.isUpcallPending)
    }

    func testGuestGivesUpAfterTheRoundLimitWithTheFlagStillSet() {
        _ = hypervisor.setPending(1)
        var calls = 0
        guest.dispatchPending(rounds: 8) { port in
            calls += 1
            _ = self.hypervisor.setPending(port)  // a port that fires again every time it is handled
        }
        XCTAssertEqual(calls, 8)
        XCTAssertTrue(guest.isUpcallPending, "work is left for the next upcall")
        // Without a limit the handler runs until the source stops.
        calls = 0
        guest.dispatchPending { port in
            calls += 1
            if calls < 100 { _ = self.hypervisor.setPending(port) }
        }
        XCTAssertEqual(calls, 100)
        XCTAssertFalse(guest.isUpcallPending)
    }

    func testSeparateVCPUInfo() {
        // A vcpu_info registered elsewhere (VCPUOP_register_vcpu_info): selector and flag live there.
        let vcpuInfo = pages[0] + 2048
        let page = EventPage(sharedInfo: pages[0], vcpuInfo: vcpuInfo)
        XCTAssertTrue(page.setPending(70))
        XCTAssertEqual(pages.word64(0, at: 2048 + SharedInfoLayout.pendingSelectorOffset), 1 << 1)
        XCTAssertEqual(pages.byte(0, at: 2048), 1)
        XCTAssertEqual(pages.word64(0, at: SharedInfoLayout.pendingSelectorOffset), 0)
        XCTAssertEqual(pages.word64(0, at: SharedInfoLayout.pendingOffset + 8), 1 << 6)
        var seen: [UInt32] = []
        GuestEventChannels(sharedInfo: pages[0], vcpuInfo: vcpuInfo).dispatchPending { seen.append($0) }
        XCTAssertEqual(seen, [70])
    }
}
