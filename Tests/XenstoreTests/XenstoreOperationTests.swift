// One behaviour per test, per message type: replies and errors as
// xenstored gives them, observed through the wire (replies and events).
import Xenstore
import XCTest

final class XenstoreOperationTests: XCTestCase {
    var h: StoreHarness!
    var tool: Int!  // the privileged (driver) domain's local connection
    var guest: Int!  // domain 5
    var other: Int!  // domain 6

    override func setUp() {
        h = StoreHarness()
        tool = h.store.connect(domain: 0)!
        guest = h.store.introduceDomain(5)!
        other = h.store.introduceDomain(6)!
    }

    func testWriteThenReadThroughRelativeAndAbsolutePaths() {
        XCTAssertEqual(h.write(guest, "device/x", "hello"), "OK|")
        XCTAssertEqual(h.read(guest, "device/x"), "hello")
        XCTAssertEqual(h.read(guest, "/local/domain/5/device/x"), "hello")
        XCTAssertEqual(h.read(tool, "/local/domain/5/device/x"), "hello")
        XCTAssertEqual(h.write(guest, "device/x", ""), "OK|")
        XCTAssertEqual(h.read(guest, "device/x"), "")
    }

    func testReplyEchoesRequestAndTransactionIDs() {
        let (tx, _) = h.start(guest)
        let messages = h.send(guest, .read, tx: tx, fields("missing"))
        XCTAssertEqual(messages.count, 1)
        XCTAssertEqual(messages[0].transactionID, tx)
        XCTAssertEqual(messages[0].requestID, h.nextRequestID - 1)
        XCTAssertEqual(messages[0].errorName, "ENOENT")
    }

    func testMissingNodeIsENOENTWhereVisibleAndEACCESWhereNot() {
        XCTAssertEqual(h.read(guest, "nothere"), "ENOENT")
        XCTAssertEqual(h.read(guest, "/local/domain/6/x"), "EACCES")
        XCTAssertEqual(h.read(guest, "/local/domain/6"), "EACCES")
        XCTAssertEqual(h.read(guest, "/tool/x"), "EACCES")
        XCTAssertEqual(h.read(tool, "/tool/x"), "ENOENT")
    }

    func testGuestWritesOnlyItsOwnSubtree() {
        XCTAssertEqual(h.write(guest, "/local/domain/6/x", "evil"), "EACCES")
        XCTAssertEqual(h.write(guest, "/tool/x", "evil"), "EACCES")
        XCTAssertEqual(h.mkdir(guest, "/local/domain/6/y"), "EACCES")
        XCTAssertEqual(h.rm(guest, "/local/domain/6"), "EACCES")
        XCTAssertEqual(h.rm(guest, "/local"), "EACCES")
        XCTAssertEqual(h.setPerms(guest, "/local/domain/6", ["b5"]), "EACCES")
        XCTAssertEqual(h.directory(tool, "/local/domain/6"), "")
        XCTAssertEqual(h.read(tool, "/tool/x"), "ENOENT")
        XCTAssertEqual(h.directory(tool, "/local/domain"), "5|6|")
    }

    func testDirectoryListsDirectChildrenOnly() {
        XCTAssertEqual(h.write(guest, "a/b", "1"), "OK|")
        XCTAssertEqual(h.write(guest, "a/c", "2"), "OK|")
        XCTAssertEqual(h.write(guest, "a/d/e", "3"), "OK|")
        XCTAssertEqual(Set(h.directory(guest, "a").split(separator: "|")), ["b", "c", "d"])
        XCTAssertEqual(h.directory(guest, "a/b"), "")
        XCTAssertEqual(h.directory(guest, "nothere"), "ENOENT")
        XCTAssertEqual(h.directory(tool, "/"), "local|")
    }

    func testMkdirCreatesAnEmptyNodeAndAcceptsAnExistingOne() {
        XCTAssertEqual(h.mkdir(guest, "d/e"), "OK|")
        XCTAssertEqual(h.read(guest, "d"), "")
        XCTAssertEqual(h.read(guest, "d/e"), "")
        XCTAssertEqual(h.write(guest, "d/e", "v"), "OK|")
        XCTAssertEqual(h.mkdir(guest, "d/e"), "OK|")
        XCTAssertEqual(h.read(guest, "d/e"), "v")
    }

    func testRmRemovesTheSubtreeAndToleratesAMissingLeaf() {
        XCTAssertEqual(h.write(guest, "a/b/c", "1"), "OK|")
        XCTAssertEqual(h.rm(guest, "a"), "OK|")
        XCTAssertEqual(h.read(guest, "a/b/c"), "ENOENT")
        XCTAssertEqual(h.read(guest, "a"), "ENOENT")
        XCTAssertEqual(h.rm(guest, "a"), "OK|")  // missing, parent exists
        XCTAssertEqual(h.rm(guest, "a/b"), "ENOENT")  // missing parent
        XCTAssertEqual(h.rm(tool, "/"), "EINVAL")
    }

    func testGetPermsShowsTheHomeOwnedByItsDomain() {
        XCTAssertEqual(h.getPerms(guest, ""), "EINVAL")
        XCTAssertEqual(h.getPerms(guest, "/local/domain/5"), "n5|")
        XCTAssertEqual(h.getPerms(tool, "/"), "n0|")
        XCTAssertEqual(h.getPerms(guest, "/"), "EACCES")
    }

    func testSetPermsGrantsReadToAnotherDomain() {
        XCTAssertEqual(h.write(guest, "shared", "data"), "OK|")
        XCTAssertEqual(h.read(other, "/local/domain/5/shared"), "EACCES")
        XCTAssertEqual(h.setPerms(guest, "shared", ["n5", "r6"]), "OK|")
        XCTAssertEqual(h.getPerms(guest, "shared"), "n5|r6|")
        XCTAssertEqual(h.read(other, "/local/domain/5/shared"), "data")
        XCTAssertEqual(h.write(other, "/local/domain/5/shared", "x"), "EACCES")
        XCTAssertEqual(h.setPerms(other, "/local/domain/5/shared", ["b6"]), "EACCES")
    }

    func testSetPermsRefusals() {
        XCTAssertEqual(h.write(guest, "n", ""), "OK|")
        XCTAssertEqual(h.setPerms(guest, "n", ["n6"]), "EPERM")  // giving it away
        XCTAssertEqual(h.setPerms(guest, "n", ["x5"]), "EINVAL")
        XCTAssertEqual(h.setPerms(guest, "n", ["r"]), "EINVAL")
        XCTAssertEqual(h.setPerms(guest, "n", ["r70000"]), "EINVAL")
        XCTAssertEqual(h.setPerms(guest, "n", []), "EINVAL")
        XCTAssertEqual(h.setPerms(guest, "n", ["n5", "r1", "r2", "r3", "r4"]), "ENOSPC")
        XCTAssertEqual(h.setPerms(guest, "missing", ["n5"]), "ENOENT")
        XCTAssertEqual(h.setPerms(tool, "/local/domain/5/n", ["n6"]), "OK|")  // the privileged domain may give it away
        XCTAssertEqual(h.read(guest, "n"), "EACCES")
    }

    func testNewNodesInheritTheParentsPermissionsWithTheCreatorAsOwner() {
        XCTAssertEqual(h.mkdir(tool, "/local/domain/5/shared"), "OK|")
        XCTAssertEqual(h.setPerms(tool, "/local/domain/5/shared", ["n0", "b5"]), "OK|")
        XCTAssertEqual(h.write(guest, "shared/x/y", "v"), "OK|")
        XCTAssertEqual(h.getPerms(guest, "shared/x"), "n5|b5|")
        XCTAssertEqual(h.getPerms(guest, "shared/x/y"), "n5|b5|")
        XCTAssertEqual(h.write(tool, "/local/domain/5/shared/z", "v"), "OK|")
        XCTAssertEqual(h.getPerms(tool, "/local/domain/5/shared/z"), "n0|b5|")
    }

    func testGetDomainPath() {
        XCTAssertEqual(h.outcome(h.reply(guest, .getDomainPath, fields("5"))), "/local/domain/5|")
        XCTAssertEqual(h.outcome(h.reply(guest, .getDomainPath, fields("123"))), "/local/domain/123|")
        XCTAssertEqual(h.outcome(h.reply(guest, .getDomainPath, fields("abc"))), "EINVAL")
        XCTAssertEqual(h.outcome(h.reply(guest, .getDomainPath, fields("70000"))), "EINVAL")
        XCTAssertEqual(h.outcome(h.reply(guest, .getDomainPath, fields(""))), "EINVAL")
    }

    func testWatchFiresOnceAtOnceThenOnChangesBelowIt() {
        let messages = h.send(guest, .watch, fields("device", "tok"))
        XCTAssertEqual(messages.map(\.text), ["OK|", "device|tok|"])
        XCTAssertEqual(messages.map(\.type), [4, 15])
        XCTAssertEqual(h.write(guest, "device/vbd/51712/state", "1"), "OK|")
        XCTAssertEqual(h.events(guest), ["device/vbd/51712/state|tok|"])
        XCTAssertEqual(h.write(tool, "/local/domain/5/device/x", "1"), "OK|")
        XCTAssertEqual(h.events(guest), ["device/x|tok|"])
        XCTAssertEqual(h.write(guest, "elsewhere", "1"), "OK|")
        XCTAssertEqual(h.events(guest), [])
        XCTAssertEqual(h.watch(tool, "/local/domain/5", "abs"), "OK|")
        XCTAssertEqual(h.events(tool), ["/local/domain/5|abs|"])
        XCTAssertEqual(h.mkdir(guest, "device/y"), "OK|")
        XCTAssertEqual(h.events(tool), ["/local/domain/5/device/y|abs|"])
        XCTAssertEqual(h.events(guest), ["device/y|tok|"])
    }

    func testWatchEventsNeedReadPermission() {
        XCTAssertEqual(h.watch(guest, "/local/domain/6", "t"), "OK|")
        XCTAssertEqual(h.events(guest), ["/local/domain/6|t|"])
        XCTAssertEqual(h.write(other, "secret", "s"), "OK|")
        XCTAssertEqual(h.events(guest), [])
        XCTAssertEqual(h.write(other, "public", "p"), "OK|")
        XCTAssertEqual(h.setPerms(other, "public", ["n6", "r5"]), "OK|")
        XCTAssertEqual(h.events(guest), ["/local/domain/6/public|t|"])
    }

    func testDuplicateWatchIsEEXISTAndUnknownUnwatchENOENT() {
        XCTAssertEqual(h.watch(guest, "a", "t"), "OK|")
        XCTAssertEqual(h.watch(guest, "a", "t"), "EEXIST")
        XCTAssertEqual(h.watch(guest, "a", "u"), "OK|")
        XCTAssertEqual(h.unwatch(guest, "a", "t"), "OK|")
        XCTAssertEqual(h.unwatch(guest, "a", "t"), "ENOENT")
        _ = h.events(guest)
        XCTAssertEqual(h.write(guest, "a", "1"), "OK|")
        XCTAssertEqual(h.events(guest), ["a|u|"])
    }

    func testRemovalFiresWatchesInsideTheRemovedSubtree() {
        XCTAssertEqual(h.write(guest, "a/b/c", "1"), "OK|")
        XCTAssertEqual(h.watch(guest, "a/b/c", "deep"), "OK|")
        XCTAssertEqual(h.watch(guest, "a", "top"), "OK|")
        _ = h.events(guest)
        XCTAssertEqual(h.rm(guest, "a"), "OK|")
        XCTAssertEqual(Set(h.events(guest)), ["a/b/c|deep|", "a|top|"])
    }

    func testSpecialWatchesFireOnIntroduceAndRelease() {
        XCTAssertEqual(h.watch(tool, "@introduceDomain", "i"), "OK|")
        XCTAssertEqual(h.watch(tool, "@releaseDomain", "r"), "OK|")
        XCTAssertEqual(h.events(tool), ["@introduceDomain|i|", "@releaseDomain|r|"])
        let third = h.store.introduceDomain(7)!
        XCTAssertEqual(h.events(tool), ["@introduceDomain|i|"])
        h.store.releaseDomain(connection: third)
        XCTAssertEqual(h.events(tool), ["@releaseDomain|r|"])
        XCTAssertFalse(h.store.isConnected(third))
    }

    func testResetWatchesRemovesTheConnectionsWatches() {
        XCTAssertEqual(h.watch(guest, "a", "t"), "OK|")
        _ = h.events(guest)
        XCTAssertEqual(h.outcome(h.reply(guest, .resetWatches, [])), "OK|")
        XCTAssertEqual(h.write(guest, "a", "1"), "OK|")
        XCTAssertEqual(h.events(guest), [])
    }
}
