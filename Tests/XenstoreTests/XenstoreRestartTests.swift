// A guest restarts (docs/XENSTORE.md, "Restart"): its connection starts
// afresh and what its old incarnation left in the store goes, as when Xen's
// toolstack destroys a domain and creates it again; nobody else is touched.
import Xenstore
import XenRings
import XCTest

final class XenstoreRestartTests: XCTestCase {
    func testARestartDropsTheDomainsWatchesTransactionsAndNodesOnly() {
        let h = StoreHarness()
        let tool = h.store.connect(domain: 0)!
        let five = h.store.introduceDomain(5)!
        let six = h.store.introduceDomain(6)!
        XCTAssertEqual(h.write(five, "device/vbd/51712/state", "4"), "OK|")
        XCTAssertEqual(h.write(five, "device/vbd/51712/ring-ref", "8"), "OK|")
        XCTAssertEqual(h.write(six, "data/x", "1"), "OK|")
        XCTAssertEqual(h.watch(tool, "/local/domain/5/device/vbd/51712/state", "vbd"), "OK|")
        XCTAssertEqual(h.watch(tool, "@releaseDomain", "r"), "OK|")
        XCTAssertEqual(h.watch(tool, "@introduceDomain", "i"), "OK|")
        XCTAssertEqual(h.watch(five, "device", "old"), "OK|")
        XCTAssertEqual(h.watch(six, "data", "six"), "OK|")
        let (transaction, error) = h.start(five)
        XCTAssertEqual(error, "")
        XCTAssertEqual(h.write(five, "device/vbd/51712/state", "5", tx: transaction), "OK|")
        _ = h.events(tool)
        _ = h.events(five)
        _ = h.events(six)
        // An unanswered half message and an unread reply of the old incarnation.
        h.store.handle(connection: five, header: XenstoreHeader(type: .read, requestID: 77, transactionID: 0, length: 2),
                       payload: Bytes("x\0"))
        XCTAssertGreaterThan(h.store.pendingOutput(five).count, 0)

        XCTAssertTrue(h.store.restartDomain(5, connection: five))
        XCTAssertEqual(h.store.pendingOutput(five).count, 0, "nothing of the old incarnation is delivered to the new one")
        XCTAssertTrue(h.store.isConnected(five))
        // The back end saw its front end's entries go, and the domain go and come.
        XCTAssertEqual(h.events(tool), ["/local/domain/5/device/vbd/51712/state|vbd|", "@releaseDomain|r|", "@introduceDomain|i|"])
        // The home is there again, empty and the domain's own; the old nodes are gone.
        XCTAssertEqual(h.directory(tool, "/local/domain/5"), "")
        XCTAssertEqual(h.getPerms(tool, "/local/domain/5"), "n5|")
        XCTAssertEqual(h.read(five, "device/vbd/51712/state"), "ENOENT")
        // Its transaction and its watch are gone.
        XCTAssertEqual(h.write(five, "device/x", "1", tx: transaction), "ENOENT")
        XCTAssertEqual(h.write(five, "device/x", "1"), "OK|")
        XCTAssertEqual(h.events(five), [])
        XCTAssertEqual(h.unwatch(five, "device", "old"), "ENOENT")
        // Domain 6 kept everything.
        XCTAssertEqual(h.read(six, "data/x"), "1")
        XCTAssertEqual(h.write(six, "data/x", "2"), "OK|")
        XCTAssertEqual(h.events(six), ["data/x|six|"])
        // The new incarnation has its whole quota again: its old transaction no longer counts.
        XCTAssertEqual(h.start(five).1, "")
        XCTAssertEqual(h.start(five).1, "")
    }

    func testARestartIsRefusedForAnotherDomainsConnectionAndThePrivilegedDomain() {
        let h = StoreHarness()
        let tool = h.store.connect(domain: 0)!
        let five = h.store.introduceDomain(5)!
        XCTAssertEqual(h.write(five, "data", "1"), "OK|")
        XCTAssertFalse(h.store.restartDomain(6, connection: five))
        XCTAssertFalse(h.store.restartDomain(0, connection: tool))
        XCTAssertFalse(h.store.restartDomain(5, connection: 99))
        XCTAssertEqual(h.read(five, "data"), "1")
    }

    func testTheRingAnswersReconnectAndADroppedConnectionComesBack() {
        let h = StoreHarness()
        let guest = h.store.introduceDomain(5)!
        let page = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        defer { page.deallocate() }
        page.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        func word(_ offset: Int) -> UInt32 { page.load(fromByteOffset: offset, as: UInt32.self) }
        func setWord(_ offset: Int, _ value: UInt32) { page.storeBytes(of: value, toByteOffset: offset, as: UInt32.self) }
        var port = XenstoreRingPort(page: page, connection: guest, barriers: NoRingBarriers())
        // The old incarnation wrote a request and broke the indices: dropped.
        var requests = ConsoleProducer(page: page, stream: XenstoreRingLayout.requests, barriers: NoRingBarriers())
        _ = encodeMessage(.write, requestID: 1, fields("data") + Array("1".utf8)).withUnsafeBytes { requests.write($0) }
        XCTAssertEqual(port.service(&h.store), .served(notify: true))
        setWord(XenstoreRingLayout.requests.producerOffset, 5000)
        XCTAssertEqual(port.service(&h.store), .dropped(.ringIndex))
        XCTAssertFalse(port.reconnectRequested)

        // The hypervisor asks for the reset when the guest restarts.
        setWord(XenstoreRingLayout.connectionOffset, XenstoreRingLayout.reconnect)
        XCTAssertTrue(port.reconnectRequested)
        XCTAssertTrue(port.reconnect(domain: 5, &h.store))
        XCTAssertTrue(port.reconnectRequested, "still asking until the server has written the new entries")
        XCTAssertEqual(word(XenstoreRingLayout.requests.producerOffset), 0)
        port.acknowledgeReconnect()
        XCTAssertFalse(port.reconnectRequested)
        for offset in [2048, 2052, 2056, 2060, XenstoreRingLayout.errorOffset, XenstoreRingLayout.connectionOffset] {
            XCTAssertEqual(word(offset), 0, "word at \(offset)")
        }
        XCTAssertEqual(word(XenstoreRingLayout.serverFeaturesOffset), XenstoreRingLayout.featureError)
        XCTAssertTrue(h.store.isConnected(guest))
        XCTAssertNil(h.store.statistics(of: guest).dropReason)

        // The new incarnation talks from index 0.
        requests = ConsoleProducer(page: page, stream: XenstoreRingLayout.requests, barriers: NoRingBarriers())
        var responses = ConsoleConsumer(page: page, stream: XenstoreRingLayout.responses, barriers: NoRingBarriers())
        _ = encodeMessage(.read, requestID: 2, fields("data")).withUnsafeBytes { requests.write($0) }
        XCTAssertEqual(port.service(&h.store), .served(notify: true))
        var buffer = [UInt8](repeating: 0, count: 1024)
        guard case .moved(let count) = buffer.withUnsafeMutableBytes({ responses.read(into: $0) }) else {
            return XCTFail("no reply")
        }
        let replies = parseMessages(Array(buffer.prefix(count)))
        XCTAssertEqual(replies.map(\.requestID), [2])
        XCTAssertEqual(replies.first?.errorName, "ENOENT", "the old incarnation's node is gone")
    }
}
