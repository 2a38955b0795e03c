// Malformed requests get xenstored's error reply; an oversized header drops
// the connection; nothing stops the store.
import Xenstore
import TestSupport
import XCTest

final class XenstoreMalformedTests: XCTestCase {
    var h: StoreHarness!
    var guest: Int!

    override func setUp() {
        h = StoreHarness()
        guest = h.store.introduceDomain(5)!
    }

    func testPayloadShapes() {
        XCTAssertEqual(h.outcome(h.reply(guest, .read, Array("noNul".utf8))), "EINVAL")
        XCTAssertEqual(h.outcome(h.reply(guest, .read, [])), "EINVAL")
        XCTAssertEqual(h.outcome(h.reply(guest, .read, fields("a", "b"))), "EINVAL")
        XCTAssertEqual(h.outcome(h.reply(guest, .write, Array("noNul".utf8))), "EINVAL")
        XCTAssertEqual(h.outcome(h.reply(guest, .watch, fields("only-path"))), "EINVAL")
        XCTAssertEqual(h.outcome(h.reply(guest, .unwatch, fields("a", "b", "c"))), "EINVAL")
        XCTAssertEqual(h.outcome(h.reply(guest, .setPermissions, fields("a"))), "EINVAL")
        XCTAssertEqual(h.outcome(h.reply(guest, .mkdir, fields("a") + [0x41])), "EINVAL")
    }

    func testUnknownAndUnsupportedTypesAreENOSYS() {
        for type: UInt32 in [0, 8, 9, 15, 16, 17, 18, 19, 20, 22, 23, 99, 0xFFFF, 0xFFFF_FFFF] {
            XCTAssertEqual(h.outcome(h.reply(guest, XenstoreMessageType(rawValue: type), fields("x"))), "ENOSYS",
                           "type \(type)")
        }
    }

    func testAnOversizedHeaderDropsTheConnection() {
        let bytes = encodeMessage(.read, Array(repeating: 0x61, count: 10)).prefix(16)
        var header = Array(bytes)
        header[12] = 0x01; header[13] = 0x10  // len = 4097
        let status = feed(header)
        XCTAssertEqual(status, .dropped(.protocolViolation))
        XCTAssertFalse(h.store.isConnected(guest))
    }

    func testMessagesArriveInAnyPieces() {
        let stream = encodeMessage(.write, requestID: 7, fields("k") + Array("value".utf8))
            + encodeMessage(.read, requestID: 8, fields("k"))
        for byte in stream { _ = feed([byte]) }
        let replies = h.drain(guest)
        XCTAssertEqual(replies.map(\.text), ["OK|", "value"])
        XCTAssertEqual(replies.map(\.requestID), [7, 8])
    }

    /// Random bytes of random lengths, valid headers with garbage payloads:
    /// every whole message gets exactly one reply, the store keeps serving.
    func testRandomGarbageNeverStopsTheStore() {
        var random = SplitMix64(seed: 0x5EED_0001)
        let tool = h.store.connect(domain: 0)!
        for _ in 0..<3000 {
            let type = random.chance(70) ? UInt32(random.below(24)) : random.word()
            var payload = (0..<Int(random.below(40))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if random.chance(50) { payload = payload.map { $0 % 3 == 0 ? 0 : 0x61 + $0 % 26 } }
            let tx = random.chance(80) ? 0 : random.word() % 4
            let messages = h.send(guest, XenstoreMessageType(rawValue: type), tx: tx, payload)
            XCTAssertEqual(messages.filter { $0.type != 15 }.count, 1)
        }
        XCTAssertEqual(h.write(guest, "still", "alive"), "OK|")
        XCTAssertEqual(h.read(tool, "/local/domain/5/still"), "alive")
    }

    private func feed(_ bytes: [UInt8]) -> XenstoreInputStatus {
        var rest = bytes[...]
        var status = XenstoreInputStatus.needMore
        while !rest.isEmpty {
            let space = h.store.inputSpace(guest)
            let count = min(space.count, rest.count)
            for index in 0..<count { space[index] = rest[rest.startIndex + index] }
            rest = rest.dropFirst(count)
            status = h.store.inputArrived(guest, count: count)
            if case .dropped = status { return status }
        }
        return status
    }
}
