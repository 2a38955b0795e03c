// The block back end's state machine (docs/BLOCK.md): the handshake with a
// front end, its closing and reconnecting, and a front end that restarts.
import Xenstore
import XCTest

final class BlkifBackendHandshakeTests: XCTestCase {
    typealias Reaction = BlkifBackendHandshake.Reaction

    func testNothingHappensBeforeTheDiskIsPublished() {
        var backEnd = BlkifBackendHandshake()
        XCTAssertEqual(backEnd.frontendChanged(to: .initialised), Reaction())
        XCTAssertEqual(backEnd.frontendRestarted(), Reaction())
        XCTAssertEqual(backEnd.state, .unknown)
    }

    func testAFrontEndConnectsClosesAndConnectsAgain() {
        var backEnd = BlkifBackendHandshake()
        XCTAssertEqual(backEnd.start(), Reaction(first: .initWait))
        XCTAssertEqual(backEnd.frontendChanged(to: .initialising), Reaction())
        XCTAssertEqual(backEnd.frontendChanged(to: .initialised), Reaction(connect: true))
        XCTAssertEqual(backEnd.connected(), Reaction(first: .connected))
        XCTAssertTrue(backEnd.isConnected)
        // Linux's blkfront says Connected once it read the back end's: nothing more to do.
        XCTAssertEqual(backEnd.frontendChanged(to: .connected), Reaction())
        XCTAssertEqual(backEnd.frontendChanged(to: .closing), Reaction(disconnect: true, first: .closing))
        XCTAssertFalse(backEnd.isConnected)
        XCTAssertEqual(backEnd.frontendChanged(to: .closed), Reaction(first: .closed, then: .initWait))
        XCTAssertEqual(backEnd.state, .initWait)
        XCTAssertEqual(backEnd.frontendChanged(to: .closed), Reaction())
        XCTAssertEqual(backEnd.frontendChanged(to: .initialised), Reaction(connect: true))
        XCTAssertEqual(backEnd.connected(), Reaction(first: .connected))
        // A front end that goes straight back to Initialising is let go too.
        XCTAssertEqual(backEnd.frontendChanged(to: .initialising), Reaction(disconnect: true, first: .closed, then: .initWait))
    }

    func testAConnectionThatFailedIsTriedAgainOnTheNextChange() {
        var backEnd = BlkifBackendHandshake()
        _ = backEnd.start()
        XCTAssertEqual(backEnd.frontendChanged(to: .initialised), Reaction(connect: true))
        // The ring could not be mapped: no connected(); the back end still waits.
        XCTAssertEqual(backEnd.state, .initWait)
        XCTAssertEqual(backEnd.frontendChanged(to: .initialised), Reaction(connect: true))
    }

    func testARestartedFrontEndIsLetGoAndTheBackEndWaitsInInitWait() {
        var backEnd = BlkifBackendHandshake()
        _ = backEnd.start()
        _ = backEnd.frontendChanged(to: .initialised)
        _ = backEnd.connected()
        // Crashed while connected: the old ring goes, InitWait again (its entries were published anew).
        XCTAssertEqual(backEnd.frontendRestarted(), Reaction(disconnect: true, first: .initWait))
        XCTAssertFalse(backEnd.isConnected)
        // The new kernel's blkfront starts from Initialising and connects through the normal path.
        XCTAssertEqual(backEnd.frontendChanged(to: .initialising), Reaction())
        XCTAssertEqual(backEnd.frontendChanged(to: .initialised), Reaction(connect: true))
        XCTAssertEqual(backEnd.connected(), Reaction(first: .connected))
        // A clean reboot closed first: the restart only says InitWait again.
        _ = backEnd.frontendChanged(to: .closing)
        _ = backEnd.frontendChanged(to: .closed)
        XCTAssertEqual(backEnd.frontendRestarted(), Reaction(first: .initWait))
    }
}
