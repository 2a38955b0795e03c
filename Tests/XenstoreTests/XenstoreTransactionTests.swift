// Transactions: private until committed, EAGAIN on conflict, quotas.
import Xenstore
import XCTest

final class XenstoreTransactionTests: XCTestCase {
    var h: StoreHarness!
    var tool: Int!
    var guest: Int!

    override func setUp() {
        h = StoreHarness()
        tool = h.store.connect(domain: 0)!
        guest = h.store.introduceDomain(5)!
    }

    func testChangesStayPrivateUntilCommit() {
        XCTAssertEqual(h.watch(tool, "/local/domain/5", "w"), "OK|")
        _ = h.events(tool)
        let (tx, _) = h.start(guest)
        XCTAssertNotEqual(tx, 0)
        XCTAssertEqual(h.write(guest, "a/b", "1", tx: tx), "OK|")
        XCTAssertEqual(h.read(guest, "a/b", tx: tx), "1")
        XCTAssertEqual(h.directory(guest, "a", tx: tx), "b|")
        XCTAssertEqual(h.read(guest, "a/b"), "ENOENT")
        XCTAssertEqual(h.read(tool, "/local/domain/5/a/b"), "ENOENT")
        XCTAssertEqual(h.events(tool), [])
        XCTAssertEqual(h.end(guest, tx, commit: true), "OK|")
        XCTAssertEqual(h.read(tool, "/local/domain/5/a/b"), "1")
        XCTAssertEqual(Set(h.events(tool)), ["/local/domain/5/a|w|", "/local/domain/5/a/b|w|"])
    }

    func testAbortDiscardsEverything() {
        XCTAssertEqual(h.write(guest, "keep", "old"), "OK|")
        let (tx, _) = h.start(guest)
        XCTAssertEqual(h.write(guest, "keep", "new", tx: tx), "OK|")
        XCTAssertEqual(h.rm(guest, "keep", tx: tx), "OK|")
        XCTAssertEqual(h.read(guest, "keep", tx: tx), "ENOENT")
        XCTAssertEqual(h.end(guest, tx, commit: false), "OK|")
        XCTAssertEqual(h.read(guest, "keep"), "old")
        XCTAssertEqual(h.end(guest, tx, commit: true), "ENOENT")
    }

    func testConcurrentChangeOfAReadNodeIsEAGAIN() {
        XCTAssertEqual(h.write(guest, "state", "1"), "OK|")
        let (tx, _) = h.start(guest)
        XCTAssertEqual(h.read(guest, "state", tx: tx), "1")
        XCTAssertEqual(h.write(guest, "other", "x", tx: tx), "OK|")
        XCTAssertEqual(h.write(tool, "/local/domain/5/state", "2"), "OK|")
        XCTAssertEqual(h.end(guest, tx, commit: true), "EAGAIN")
        XCTAssertEqual(h.read(guest, "state"), "2")
        XCTAssertEqual(h.read(guest, "other"), "ENOENT")
        XCTAssertEqual(h.end(guest, tx, commit: true), "ENOENT")  // gone after EAGAIN
    }

    func testCreationOfANodeTheTransactionFoundMissingIsEAGAIN() {
        let (tx, _) = h.start(guest)
        XCTAssertEqual(h.read(guest, "later", tx: tx), "ENOENT")
        XCTAssertEqual(h.write(guest, "later", "now"), "OK|")
        XCTAssertEqual(h.end(guest, tx, commit: true), "EAGAIN")
    }

    func testChangesElsewhereDoNotConflict() {
        XCTAssertEqual(h.write(guest, "a", "1"), "OK|")
        XCTAssertEqual(h.write(guest, "b", "1"), "OK|")
        let (tx, _) = h.start(guest)
        XCTAssertEqual(h.write(guest, "a", "2", tx: tx), "OK|")
        XCTAssertEqual(h.write(guest, "b", "2"), "OK|")
        XCTAssertEqual(h.end(guest, tx, commit: true), "OK|")
        XCTAssertEqual(h.read(guest, "a"), "2")
        XCTAssertEqual(h.read(guest, "b"), "2")
    }

    func testRemovalInsideATransactionCommits() {
        XCTAssertEqual(h.write(guest, "x/y/z", "1"), "OK|")
        XCTAssertEqual(h.watch(guest, "x/y/z", "deep"), "OK|")
        _ = h.events(guest)
        let (tx, _) = h.start(guest)
        XCTAssertEqual(h.rm(guest, "x", tx: tx), "OK|")
        XCTAssertEqual(h.directory(guest, "", tx: tx), "EINVAL")
        XCTAssertEqual(h.directory(guest, "/local/domain/5", tx: tx), "")
        XCTAssertEqual(h.read(guest, "x/y/z"), "1")
        XCTAssertEqual(h.end(guest, tx, commit: true), "OK|")
        XCTAssertEqual(h.read(guest, "x"), "ENOENT")
        XCTAssertEqual(h.events(guest), ["x/y/z|deep|"])
    }

    func testUnknownTransactionIsENOENTAndNestingEBUSY() {
        XCTAssertEqual(h.read(guest, "a", tx: 999), "ENOENT")
        let (tx, _) = h.start(guest)
        XCTAssertEqual(h.outcome(h.reply(guest, .transactionStart, tx: tx, fields(""))), "EBUSY")
        XCTAssertEqual(h.outcome(h.reply(guest, .transactionEnd, fields("T"))), "ENOENT")
        XCTAssertEqual(h.outcome(h.reply(guest, .transactionEnd, tx: tx, fields("X"))), "EINVAL")
        // Another connection cannot use it.
        let tool = h.store.connect(domain: 0)!
        XCTAssertEqual(h.read(tool, "/local/domain/5", tx: tx), "ENOENT")
    }

    func testADroppedConnectionsTransactionsAreGone() {
        let (tx, _) = h.start(guest)
        XCTAssertEqual(h.write(guest, "a", "1", tx: tx), "OK|")
        h.store.disconnect(guest)
        let again = h.store.connect(domain: 5)!
        XCTAssertEqual(again, guest)
        XCTAssertEqual(h.end(again, tx, commit: true), "ENOENT")
        XCTAssertEqual(h.read(again, "a"), "ENOENT")
    }
}
