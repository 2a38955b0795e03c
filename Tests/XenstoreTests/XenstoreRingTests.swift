// The ring page as a guest drives it: requests through req, replies through
// rsp, and inconsistent indices drop the connection with the error field set.
import Xenstore
import XenRings
import XCTest

final class XenstoreRingTests: XCTestCase {
    var h: StoreHarness!
    var guest: Int!
    var page: UnsafeMutableRawPointer!
    var port: XenstoreRingPort<NoRingBarriers>!
    var requests: ConsoleProducer<NoRingBarriers>!
    var responses: ConsoleConsumer<NoRingBarriers>!

    override func setUp() {
        h = StoreHarness()
        guest = h.store.introduceDomain(5)!
        page = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        page.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        port = XenstoreRingPort(page: page, connection: guest, barriers: NoRingBarriers())
        requests = ConsoleProducer(page: page, stream: XenstoreRingLayout.requests, barriers: NoRingBarriers())
        responses = ConsoleConsumer(page: page, stream: XenstoreRingLayout.responses, barriers: NoRingBarriers())
    }

    override func tearDown() { page.deallocate() }

    private func word(_ offset: Int) -> UInt32 { page.load(fromByteOffset: offset, as: UInt32.self) }
    private func setWord(_ offset: Int, _ value: UInt32) { page.storeBytes(of: value, toByteOffset: offset, as: UInt32.self) }

    /// Pushes `bytes` through the request ring (servicing as it fills) and
    /// returns every message the guest reads back.
    private func exchange(_ bytes: [UInt8]) -> [Message] {
        var rest = bytes[...]
        var received: [UInt8] = []
        var rounds = 0
        repeat {
            let written = rest.withUnsafeBytes { requests.write($0) }
            if case .moved(let count) = written { rest = rest.dropFirst(count) }
            _ = port.service(&h.store)
            var buffer = [UInt8](repeating: 0, count: 1024)
            if case .moved(let count) = buffer.withUnsafeMutableBytes({ responses.read(into: $0) }) {
                received += buffer.prefix(count)
            }
            _ = port.service(&h.store)
            rounds += 1
        } while (!rest.isEmpty || h.store.pendingOutput(guest).count > 0) && rounds < 1000
        var buffer = [UInt8](repeating: 0, count: 1024)
        if case .moved(let count) = buffer.withUnsafeMutableBytes({ responses.read(into: $0) }) {
            received += buffer.prefix(count)
        }
        return parseMessages(received)
    }

    func testRequestsAndRepliesCrossThePage() {
        XCTAssertEqual(word(XenstoreRingLayout.serverFeaturesOffset), 2)
        let replies = exchange(encodeMessage(.write, requestID: 1, fields("device/x") + Array("1".utf8))
            + encodeMessage(.read, requestID: 2, fields("device/x"))
            + encodeMessage(.getDomainPath, requestID: 3, fields("5")))
        XCTAssertEqual(replies.map(\.text), ["OK|", "1", "/local/domain/5|"])
        XCTAssertEqual(replies.map(\.requestID), [1, 2, 3])
        XCTAssertEqual(word(XenstoreRingLayout.errorOffset), 0)
    }

    func testLargeValuesWrapAroundBothRings() {
        let value = String(repeating: "v", count: 120)
        var stream: [UInt8] = []
        for index in 0..<20 {
            stream += encodeMessage(.write, requestID: UInt32(index), fields("k\(index % 3)") + Array(value.utf8))
            stream += encodeMessage(.read, requestID: UInt32(100 + index), fields("k\(index % 3)"))
        }
        let replies = exchange(stream)
        XCTAssertEqual(replies.count, 40)
        XCTAssertEqual(replies.filter { $0.text == value }.count, 20)
    }

    func testAProducerIndexBeyondTheRingDropsTheConnection() {
        setWord(XenstoreRingLayout.requests.producerOffset, 1025)
        XCTAssertEqual(port.service(&h.store), .dropped(.ringIndex))
        XCTAssertEqual(word(XenstoreRingLayout.errorOffset), 2)
        XCTAssertFalse(h.store.isConnected(guest))
        XCTAssertEqual(port.service(&h.store), .dropped(.ringIndex))
    }

    func testAConsumerIndexAheadOfTheRepliesDropsTheConnection() {
        _ = exchange(encodeMessage(.read, fields("x")))
        setWord(XenstoreRingLayout.responses.consumerOffset, 5000)
        h.store.handle(connection: guest, header: XenstoreHeader(type: .read, requestID: 9, transactionID: 0, length: 0),
                       payload: Bytes(""))
        XCTAssertEqual(port.service(&h.store), .dropped(.ringIndex))
        XCTAssertEqual(word(XenstoreRingLayout.errorOffset), 2)
    }

    func testAnOversizedMessageSetsTheProtocolError() {
        var header = encodeMessage(.read, [])
        header[12] = 0xFF; header[13] = 0xFF
        _ = header.withUnsafeBytes { requests.write($0) }
        XCTAssertEqual(port.service(&h.store), .dropped(.protocolViolation))
        XCTAssertEqual(word(XenstoreRingLayout.errorOffset), 3)
    }

    func testEventsForAWatcherGoOutWhenServiced() {
        XCTAssertEqual(exchange(encodeMessage(.watch, fields("device", "t"))).map(\.text), ["OK|", "device|t|"])
        let tool = h.store.connect(domain: 0)!
        XCTAssertEqual(h.write(tool, "/local/domain/5/device/vbd", "x"), "OK|")
        XCTAssertEqual(port.service(&h.store), .served(notify: true))
        XCTAssertEqual(exchange([]).map(\.text), ["device/vbd|t|"])
        XCTAssertEqual(port.service(&h.store), .served(notify: false))
    }
}
