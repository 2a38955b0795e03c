// Per-connection statistics: what the driver domain reports about each
// client (requests, refusals by error, why it was dropped), counted by the
// store itself rather than believed from the client.
import Xenstore
import XenRings
import XCTest

final class XenstoreStatisticsTests: XCTestCase {
    var h: StoreHarness!
    var guest: Int!

    override func setUp() {
        h = StoreHarness()
        guest = h.store.introduceDomain(5)!
    }

    func testEveryRequestIsCountedAndEveryErrorReplyByName() {
        XCTAssertEqual(h.write(guest, "data/x", "1"), "OK|")
        XCTAssertEqual(h.read(guest, "data/x"), "1")
        XCTAssertEqual(h.write(guest, "/local/domain/6/x", "1"), "EACCES")
        XCTAssertEqual(h.write(guest, "data/big", String(repeating: "v", count: 200)), "ENOSPC")
        XCTAssertEqual(h.outcome(h.reply(guest, XenstoreMessageType(rawValue: 99), fields("x"))), "ENOSYS")
        XCTAssertEqual(h.outcome(h.reply(guest, .read, Array("noNul".utf8))), "EINVAL")
        XCTAssertEqual(h.outcome(h.reply(guest, .read, Array("noNul".utf8))), "EINVAL")
        let statistics = h.store.statistics(of: guest)
        XCTAssertEqual(statistics.requests, 7)
        XCTAssertEqual(statistics.refusals, 5)
        for error: XenstoreError in [.EACCES, .ENOSPC, .ENOSYS, .EINVAL] {
            XCTAssertTrue(statistics.wasRefused(with: error), "\(error)")
        }
        for error: XenstoreError in [.E2BIG, .ENOENT, .EAGAIN, .EPERM] {
            XCTAssertFalse(statistics.wasRefused(with: error), "\(error)")
        }
        XCTAssertNil(statistics.dropReason)
    }

    func testConnectionsAreCountedApart() {
        let other = h.store.introduceDomain(6)!
        XCTAssertEqual(h.read(other, "/local/domain/5"), "EACCES")
        XCTAssertEqual(h.store.statistics(of: guest), XenstoreConnectionStatistics())
        XCTAssertEqual(h.store.statistics(of: other).refusals, 1)
    }

    func testAProtocolDropIsKeptAfterTheConnectionEnds() {
        XCTAssertEqual(h.write(guest, "/local/domain/6/x", "1"), "EACCES")
        var header = encodeMessage(.read, [])
        header[12] = 0x01; header[13] = 0x10  // len = 4097
        let space = h.store.inputSpace(guest)
        for index in 0..<16 { space[index] = header[index] }
        XCTAssertEqual(h.store.inputArrived(guest, count: 16), .dropped(.protocolViolation))
        XCTAssertFalse(h.store.isConnected(guest))
        let statistics = h.store.statistics(of: guest)
        XCTAssertEqual(statistics.dropReason, .protocolViolation)
        XCTAssertEqual(statistics.refusals, 1)
        XCTAssertTrue(statistics.wasRefused(with: .EACCES))
    }

    func testARingIndexDropIsKeptAndANewConnectionStartsAfresh() {
        let page = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        defer { page.deallocate() }
        page.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        var port = XenstoreRingPort(page: page, connection: guest, barriers: NoRingBarriers())
        page.storeBytes(of: UInt32(3000), toByteOffset: XenstoreRingLayout.requests.producerOffset, as: UInt32.self)
        XCTAssertEqual(port.service(&h.store), .dropped(.ringIndex))
        XCTAssertEqual(h.store.statistics(of: guest).dropReason, .ringIndex)
        let next = h.store.connect(domain: 7)!
        XCTAssertEqual(next, guest, "the freed slot is reused")
        XCTAssertEqual(h.store.statistics(of: next), XenstoreConnectionStatistics())
    }
}
