import HypervisorCore
import XCTest

/// The per-VM table of regions the hypervisor answers: lookup, refusals, routing.
final class MMIORegionTableTests: XCTestCase {
    private func range(_ base: UInt32, _ size: UInt64) -> GuestPhysicalRange {
        GuestPhysicalRange(base: GuestPhysicalAddress(base), size: size)
    }

    private func region(_ base: UInt32, _ size: UInt64, _ kind: MMIORegionKind = .forwarded) -> MMIORegion {
        MMIORegion(range: range(base, size), kind: kind)
    }

    private func load(_ address: UInt32, register: UInt32 = 1, valid: Bool = true) -> DataAbortSyndrome {
        DataAbortSyndrome(syndrome: (0x24 << 26) | (valid ? 1 << 24 : 0) | (2 << 22) | (register << 16), address: GuestPhysicalAddress(address))
    }

    func testLookupFindsTheRegionHoldingTheAddress() throws {
        var table = MMIORegionTable()
        try table.add(region(0x2C00_1000, 0x1000, .distributor))
        try table.add(region(0x1C13_0600, 0x200))
        try table.add(region(0x1C13_0200, 0x200))
        XCTAssertEqual(table.region(containing: GuestPhysicalAddress(UInt32(0x2C00_1000)))?.kind, .distributor)
        XCTAssertEqual(table.region(containing: GuestPhysicalAddress(UInt32(0x2C00_1FFF)))?.kind, .distributor)
        XCTAssertNil(table.region(containing: GuestPhysicalAddress(UInt32(0x2C00_2000))))
        XCTAssertNil(table.region(containing: GuestPhysicalAddress(UInt32(0x2C00_0FFF))))
        XCTAssertEqual(table.region(containing: GuestPhysicalAddress(UInt32(0x1C13_03FC))), region(0x1C13_0200, 0x200))
        XCTAssertEqual(table.region(containing: GuestPhysicalAddress(UInt32(0x1C13_0600))), region(0x1C13_0600, 0x200))
        XCTAssertNil(table.region(containing: GuestPhysicalAddress(UInt32(0x1C13_0400))))
        XCTAssertNil(MMIORegionTable().region(containing: GuestPhysicalAddress(UInt32(0x2C00_1000))))
    }

    func testOverlappingAndEmptyRegionsAreRefused() throws {
        var table = MMIORegionTable()
        try table.add(region(0x1C13_0400, 0x200))
        XCTAssertThrowsError(try table.add(region(0x1C13_0400, 0x200))) { error in
            XCTAssertEqual(error as? MMIORegionError, .overlaps(region(0x1C13_0400, 0x200)))
        }
        XCTAssertThrowsError(try table.add(region(0x1C13_05FC, 0x8))) { error in
            XCTAssertEqual(error as? MMIORegionError, .overlaps(region(0x1C13_0400, 0x200)))
        }
        XCTAssertThrowsError(try table.add(region(0x1C13_0000, 0x1000, .distributor))) { error in
            XCTAssertEqual(error as? MMIORegionError, .overlaps(region(0x1C13_0400, 0x200)))
        }
        XCTAssertThrowsError(try table.add(region(0x1C13_0800, 0))) { error in
            XCTAssertEqual(error as? MMIORegionError, .empty)
        }
        // Adjacent on both sides is fine.
        try table.add(region(0x1C13_0200, 0x200))
        try table.add(region(0x1C13_0600, 0x200))
        XCTAssertEqual(table.count, 3)
    }

    func testCapacityIsEnforcedAndFitsEveryVM() throws {
        XCTAssertGreaterThanOrEqual(MMIORegionTable.capacity, 1 + VMConfig.maximumDevices,
                                    "the distributor and every device of a VM as a forwarded window")
        var table = MMIORegionTable()
        for i in 0..<MMIORegionTable.capacity {
            try table.add(region(0x1C13_0000 + UInt32(i) * 0x100, 0x100))
        }
        XCTAssertThrowsError(try table.add(region(0x1D00_0000, 0x100))) { error in
            XCTAssertEqual(error as? MMIORegionError, .full)
        }
        XCTAssertEqual(table.count, MMIORegionTable.capacity)
        for i in 0..<MMIORegionTable.capacity {
            XCTAssertEqual(table[i], region(0x1C13_0000 + UInt32(i) * 0x100, 0x100))
        }
    }

    func testRoutes() throws {
        var table = MMIORegionTable()
        try table.add(region(0x2C00_1000, 0x1000, .distributor))
        try table.add(region(0x1C13_0600, 0x200))
        let gicd = load(0x2C00_1104, register: 4)
        XCTAssertEqual(table.route(gicd), .distributor(offset: 0x104, access: gicd))
        XCTAssertEqual(table.route(load(0x2C00_1104, valid: false)), .refuse(.noSyndrome))
        XCTAssertEqual(table.route(load(0x1C13_0604, register: 2)),
                       .forward(ForwardedAccess(physical: PhysicalAddress(UInt32(0x1C13_0604)), width: .word, isWrite: false,
                                                register: 2, signExtends: false)))
        XCTAssertEqual(table.route(load(0x1C13_0604, valid: false)), .refuse(.noSyndrome))
        XCTAssertEqual(table.route(load(0x1C13_0800)), .refuse(.noRegion))
        XCTAssertEqual(table.route(load(0x8000_0000)), .refuse(.noRegion))
    }

    func testAVMTableHoldsThePlatformDistributor() throws {
        let platform = Platform.vexpressA15(ramSize: 256 << 20)
        let vm = VMConfig(node: .none, memory: GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8000_0000)), size: 0x40_0000),
                          physicalBase: PhysicalAddress(UInt32(0x8100_0000)), entry: GuestPhysicalAddress(UInt32(0x8000_0000)))
        let table = try MMIORegionTable(vm: vm, platform: platform)
        XCTAssertEqual(table.count, 1)
        XCTAssertEqual(table[0], MMIORegion(range: GuestPhysicalRange(base: platform.virtualGIC.base, size: 0x1000), kind: .distributor))
    }
}
