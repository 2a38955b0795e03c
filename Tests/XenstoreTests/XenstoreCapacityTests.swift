// The region a store needs, and what it refuses to start with.
import Xenstore
import XCTest

final class XenstoreCapacityTests: XCTestCase {
    func testTheStandardCapacitiesNeedTheDocumentedBytes() {
        XCTAssertEqual(XenstoreCapacities.standard.byteCount, 390_592)  // docs/XENSTORE.md
    }

    func testAStoreRefusesTooLittleMemoryOrUnusableCapacities() {
        let capacities = XenstoreQuotaTests.small
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: capacities.byteCount + 8, alignment: 8)
        defer { memory.deallocate() }
        XCTAssertNil(Xenstore(capacities: capacities, privilegedDomain: 0,
                              memory: UnsafeMutableRawBufferPointer(rebasing: memory[0..<capacities.byteCount - 1])))
        XCTAssertNil(Xenstore(capacities: capacities, privilegedDomain: 0,
                              memory: UnsafeMutableRawBufferPointer(rebasing: memory[1...])))  // misaligned
        var tooSmallQueue = capacities
        tooSmallQueue.outputBytes = 4111
        XCTAssertNil(Xenstore(capacities: tooSmallQueue, privilegedDomain: 0, memory: memory))
        var shortPaths = capacities
        shortPaths.pathBytes = 16
        XCTAssertNil(Xenstore(capacities: shortPaths, privilegedDomain: 0, memory: memory))
        XCTAssertNotNil(Xenstore(capacities: capacities, privilegedDomain: 0, memory: memory))
    }

    func testConnectionsRunOut() {
        let h = StoreHarness(XenstoreQuotaTests.small)  // 4 connections
        XCTAssertNotNil(h.store.introduceDomain(1))
        XCTAssertNotNil(h.store.introduceDomain(2))
        XCTAssertNotNil(h.store.introduceDomain(3))
        let last = h.store.connect(domain: 0)
        XCTAssertNotNil(last)
        XCTAssertNil(h.store.connect(domain: 0))
        XCTAssertNil(h.store.introduceDomain(4))
        h.store.disconnect(last!)
        XCTAssertNotNil(h.store.introduceDomain(4))
    }
}

extension XenstoreCapacityTests {
    /// The standard sizes keep room for the privileged domain's own nodes
    /// even when four guests use all their quotas (docs/XENSTORE.md).
    func testFourHostileGuestsCannotFillTheStandardNodeTable() {
        let standard = XenstoreCapacities.standard
        XCTAssertEqual(standard.worstCaseNodesPerGuest, 192)
        XCTAssertGreaterThanOrEqual(standard.nodes - 4 * standard.worstCaseNodesPerGuest, 256)
    }
}
