// The physical routing table and the interrupt set it and the vGIC are built on.
import HypervisorCore
import XCTest

final class VGICRoutingTests: XCTestCase {
    func testOwnersComeFromAssignments() throws {
        var routing = InterruptRouting()
        try routing.assign(38, to: 0)
        try routing.assign(InterruptSet(first: 72, count: 4), to: 1)
        try routing.assign(38, to: 0)  // again, same VM: fine
        XCTAssertEqual(routing.owner(of: 38), 0)
        XCTAssertEqual(routing.owner(of: 74), 1)
        XCTAssertNil(routing.owner(of: 39))
        XCTAssertNil(routing.owner(of: 27), "PPIs are per CPU: no table owner")
        XCTAssertNil(routing.owner(of: 3))
        XCTAssertNil(routing.owner(of: 160))
        XCTAssertNil(routing.owner(of: 1023))
        XCTAssertEqual(routing.spis(ownedBy: 0), InterruptSet([38]))
        XCTAssertEqual(routing.spis(ownedBy: 1), InterruptSet([72, 73, 74, 75]))
        XCTAssertEqual(routing.spis(ownedBy: 2), InterruptSet())
        XCTAssertEqual(routing.unowned.count, 128 - 5)
        XCTAssertFalse(routing.unowned.contains(38))
        XCTAssertTrue(routing.unowned.contains(39))
    }

    func testAssignmentErrors() {
        var routing = InterruptRouting()
        XCTAssertThrowsError(try routing.assign(31, to: 0)) { XCTAssertEqual($0 as? RoutingError, .notAnSPI(31)) }
        XCTAssertThrowsError(try routing.assign(160, to: 0)) { XCTAssertEqual($0 as? RoutingError, .notAnSPI(160)) }
        XCTAssertThrowsError(try routing.assign(40, to: 255)) { XCTAssertEqual($0 as? RoutingError, .vmOutOfRange(255)) }
        XCTAssertThrowsError(try routing.assign(40, to: -1)) { XCTAssertEqual($0 as? RoutingError, .vmOutOfRange(-1)) }
        XCTAssertNoThrow(try routing.assign(40, to: 3))
        XCTAssertThrowsError(try routing.assign(40, to: 4)) { XCTAssertEqual($0 as? RoutingError, .alreadyOwned(40, by: 3)) }
        XCTAssertEqual(routing.owner(of: 40), 3, "a refused assignment changes nothing")
        XCTAssertThrowsError(try routing.assign(InterruptSet([41, 27]), to: 1)) {
            XCTAssertEqual($0 as? RoutingError, .notAnSPI(27), "the lowest INTID is checked first")
        }
    }

    func testRouteCountsInterruptsNobodyOwns() throws {
        var routing = InterruptRouting()
        try routing.assign(38, to: 2)
        XCTAssertEqual(routing.route(38), 2)
        XCTAssertNil(routing.route(39))
        XCTAssertNil(routing.route(99))
        XCTAssertEqual(routing.route(38), 2)
        XCTAssertEqual(routing.unownedArrivals, 2)
    }

    func testRoutingFeedsTheVirtualGIC() throws {
        var routing = InterruptRouting()
        try routing.assign(InterruptSet([38, 75]), to: 0)
        try routing.assign(39, to: 1)
        var gic = VirtualGIC(ownedPPIs: VirtualGIC.standardPPIs, passthroughSPIs: routing.spis(ownedBy: 0))
        XCTAssertEqual(gic.owned, InterruptSet.sgis.union(InterruptSet([27, 31, 38, 75])))
        if let vm = routing.route(39), vm == 0 { XCTFail("39 is VM 1's") }
        XCTAssertEqual(gic.inject(39, hardware: true), .notOwned)
        XCTAssertEqual(gic.inject(75, hardware: true), .pending)
    }

    func testVirtualGICKeepsOnlyPPIsAndSPIsWhereTheyBelong() {
        let gic = VirtualGIC(ownedPPIs: InterruptSet([3, 27, 40]), passthroughSPIs: InterruptSet([5, 31, 38]))
        XCTAssertEqual(gic.owned, InterruptSet.sgis.union(InterruptSet([27, 38])))
    }

    func testInterruptSetBasics() {
        var set = InterruptSet()
        XCTAssertTrue(set.isEmpty)
        XCTAssertNil(set.first)
        set.insert(159)
        set.insert(0)
        set.insert(33)
        set.insert(160)  // ignored
        set.insert(5000)  // ignored
        XCTAssertEqual(set.count, 3)
        XCTAssertEqual(set.members, [0, 33, 159])
        XCTAssertEqual(set.first, 0)
        XCTAssertEqual(set.word(1), 2)
        XCTAssertEqual(set.word(4), 0x8000_0000)
        XCTAssertFalse(set.contains(160))
        set.remove(0)
        set.remove(999)
        XCTAssertEqual(set.first, 33)
        set.update(34, to: true)
        set.update(33, to: false)
        XCTAssertEqual(set.members, [34, 159])
        XCTAssertEqual(InterruptSet(first: 150, count: 20).members, Array(150..<160))
        XCTAssertEqual(InterruptSet.sgis.count, 16)
        XCTAssertEqual(InterruptSet.ppis.members, Array(16..<32))
        XCTAssertEqual(InterruptSet.spis.count, 128)
        XCTAssertEqual(InterruptSet.all, InterruptSet.sgis.union(InterruptSet.ppis).union(InterruptSet.spis))
        XCTAssertEqual(InterruptSet.all.subtracting(InterruptSet.spis).intersection(InterruptSet.ppis), InterruptSet.ppis)
        XCTAssertNotEqual(InterruptSet([1]), InterruptSet([2]))
    }
}
