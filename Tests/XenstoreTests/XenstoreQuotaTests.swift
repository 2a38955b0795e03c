// Quotas and capacities: what a hostile domain runs into, with xenstored's errors.
import Xenstore
import XCTest

final class XenstoreQuotaTests: XCTestCase {
    static let small = XenstoreCapacities(
        nodes: 40, pathBytes: 48, valueBytes: 64, permissionsPerNode: 3, watches: 6, tokenBytes: 8,
        transactions: 3, accessesPerTransaction: 8, connections: 4, outputBytes: 4200,
        quota: XenstoreQuota(nodes: 4, valueBytes: 16, watches: 2, transactions: 2))

    var h: StoreHarness!
    var tool: Int!
    var guest: Int!

    override func setUp() {
        h = StoreHarness(Self.small)
        tool = h.store.connect(domain: 0)!
        guest = h.store.introduceDomain(5)!
    }

    func testNodeQuotaIsENOSPC() {
        // The home counts: three more nodes fit.
        XCTAssertEqual(h.write(guest, "a", ""), "OK|")
        XCTAssertEqual(h.write(guest, "b/c", ""), "OK|")
        XCTAssertEqual(h.write(guest, "d", ""), "ENOSPC")
        XCTAssertEqual(h.rm(guest, "b"), "OK|")
        XCTAssertEqual(h.write(guest, "d", ""), "OK|")
        XCTAssertEqual(h.write(tool, "/local/domain/5/e", ""), "OK|")  // the privileged domain is not limited
    }

    func testValueQuotaAndCapacityAreENOSPC() {
        XCTAssertEqual(h.write(guest, "v", String(repeating: "x", count: 16)), "OK|")
        XCTAssertEqual(h.write(guest, "v", String(repeating: "x", count: 17)), "ENOSPC")
        XCTAssertEqual(h.read(guest, "v").count, 16)
        XCTAssertEqual(h.write(tool, "/v", String(repeating: "y", count: 64)), "OK|")
        XCTAssertEqual(h.write(tool, "/v", String(repeating: "y", count: 65)), "ENOSPC")
    }

    func testWatchQuotaIsE2BIGAndTheTableENOSPC() {
        XCTAssertEqual(h.watch(guest, "a", "1"), "OK|")
        XCTAssertEqual(h.watch(guest, "a", "2"), "OK|")
        XCTAssertEqual(h.watch(guest, "a", "3"), "E2BIG")
        XCTAssertEqual(h.watch(guest, "a", "123456789"), "E2BIG")  // token longer than tokenBytes
        for index in 0..<4 { XCTAssertEqual(h.watch(tool, "/", "t\(index)"), "OK|") }
        XCTAssertEqual(h.watch(tool, "/", "full"), "ENOSPC")
    }

    func testTransactionQuotaIsENOSPC() {
        XCTAssertEqual(h.start(guest).1, "")
        XCTAssertEqual(h.start(guest).1, "")
        XCTAssertEqual(h.start(guest).1, "ENOSPC")
        XCTAssertEqual(h.start(tool).1, "")
        XCTAssertEqual(h.start(tool).1, "ENOSPC")  // all three slots in use
    }

    func testTransactionAccessLogIsENOSPC() {
        let (tx, _) = h.start(guest)
        var last = ""
        for index in 0..<10 { last = h.read(guest, "n\(index)", tx: tx) }
        XCTAssertEqual(last, "ENOSPC")
    }

    func testPathLimits() {
        let long = String(repeating: "p", count: 40)  // /local/domain/5/ + 40 > 48
        XCTAssertEqual(h.write(guest, long, "v"), "E2BIG")
        XCTAssertEqual(h.write(tool, "/" + String(repeating: "q", count: 3072), "v"), "EINVAL")
        XCTAssertEqual(h.write(guest, String(repeating: "q", count: 2049), "v"), "EINVAL")
        XCTAssertEqual(h.write(guest, "bad char", "v"), "EINVAL")
        XCTAssertEqual(h.write(guest, "trailing/", "v"), "EINVAL")
        XCTAssertEqual(h.write(guest, "double//slash", "v"), "EINVAL")
        XCTAssertEqual(h.write(guest, "", "v"), "EINVAL")
        XCTAssertEqual(h.write(guest, "ok-_@.x", "v"), "EINVAL")  // '.' is not allowed
        XCTAssertEqual(h.write(guest, "ok-_@x", "v"), "OK|")
    }

    func testNodePoolExhaustionIsENOSPC() {
        var outcome = ""
        var index = 0
        while outcome != "ENOSPC" && index < 100 {
            outcome = h.write(tool, "/n\(index)", "")
            index += 1
        }
        XCTAssertEqual(outcome, "ENOSPC")
        XCTAssertEqual(h.write(guest, "x", ""), "ENOSPC")
        XCTAssertEqual(h.read(tool, "/n0"), "")
    }

    func testEventsThatFindNoRoomAreDroppedButRepliesStillFit() {
        XCTAssertEqual(h.watch(guest, "a", "t"), "OK|")
        // Nobody reads the guest's queue: of its 4200 bytes, 4112 stay
        // reserved for a reply, so four 20-byte events fit and the rest are
        // dropped and counted.
        _ = h.events(guest)
        for index in 0..<10 { XCTAssertEqual(h.write(tool, "/local/domain/5/a", "\(index)"), "OK|") }
        XCTAssertEqual(h.store.droppedEvents(of: guest), 6)
        XCTAssertEqual(h.read(guest, "a"), "9")
        XCTAssertEqual(h.events(guest), ["a|t|", "a|t|", "a|t|", "a|t|"])
    }
}
