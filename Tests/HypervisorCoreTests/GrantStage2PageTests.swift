import HypervisorCore
import XCTest

/// Single-page stage-2 map/unmap and table reservation (Memory/Stage2Pages.swift).
final class GrantStage2PageTests: XCTestCase {
    private let tablesAt = PhysicalAddress(UInt32(0x8010_0000))

    private func withTables(pages: Int, _ body: (inout Stage2Tables) throws -> Void) throws {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: pages * 4096, alignment: 4096)
        defer { storage.deallocate() }
        var tables = try Stage2Tables(tables: storage, physicalBase: tablesAt)
        try body(&tables)
    }

    func testMapAndUnmapOnePage() throws {
        try withTables(pages: 4) { tables in
            let ipa = GuestPhysicalAddress(UInt32(0x3000_5000))
            try tables.mapPage(ipa, to: PhysicalAddress(UInt32(0x8123_4000)), attributes: GrantTables.readOnlyAttributes)
            XCTAssertEqual(tables.translate(GuestPhysicalAddress(UInt32(0x3000_5ABC)))?.physical, PhysicalAddress(UInt32(0x8123_4ABC)))
            XCTAssertThrowsError(try tables.mapPage(ipa, to: PhysicalAddress(UInt32(0x8000_0000)), attributes: .guestMemory))
            XCTAssertNil(tables.unmapPage(GuestPhysicalAddress(UInt32(0x3000_6000))))
            XCTAssertNil(tables.unmapPage(GuestPhysicalAddress(UInt32(0x3000_5008))))
            let removed = tables.unmapPage(ipa)
            XCTAssertEqual(removed?.physical, PhysicalAddress(UInt32(0x8123_4000)))
            XCTAssertEqual(removed?.attributes, GrantTables.readOnlyAttributes)
            XCTAssertNil(tables.translate(ipa))
            XCTAssertNil(tables.unmapPage(ipa))
            var count = 0
            tables.forEachMapping { _, _ in count += 1 }
            XCTAssertEqual(count, 0)
            // The page can be mapped again.
            try tables.mapPage(ipa, to: PhysicalAddress(UInt32(0x8000_0000)), attributes: GrantTables.readWriteAttributes)
            XCTAssertEqual(tables.translate(ipa)?.attributes.access, 0b11)
        }
    }

    func testUnmapPageNeverSplitsABlock() throws {
        try withTables(pages: 4) { tables in
            try tables.map(GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8000_0000)), size: 0x20_0000),
                           to: PhysicalAddress(UInt32(0x8020_0000)), attributes: .guestMemory)
            XCTAssertNil(tables.unmapPage(GuestPhysicalAddress(UInt32(0x8000_1000))))
            XCTAssertEqual(tables.translate(GuestPhysicalAddress(UInt32(0x8000_1000)))?.mappingSize, PageSize.block)
            // Reserving page tables over a block is refused.
            XCTAssertThrowsError(try tables.reserveTables(for: GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8000_0000)), size: 0x1000)))
        }
    }

    func testReservedTablesMakeLaterMapsFree() throws {
        try withTables(pages: 3) { tables in
            let window = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x3000_0000)), size: 0x20_0000)
            XCTAssertEqual(Stage2Tables.reservePagesNeeded(for: window), 2)
            try tables.reserveTables(for: window)
            XCTAssertEqual(tables.pagesUsed, 3)
            try tables.reserveTables(for: window)  // idempotent
            XCTAssertEqual(tables.pagesUsed, 3)
            var count = 0
            tables.forEachMapping { _, _ in count += 1 }
            XCTAssertEqual(count, 0)
            for page in [0, 1, 300, 511] {
                try tables.mapPage(GuestPhysicalAddress(UInt32(0x3000_0000 + page * 4096)), to: PhysicalAddress(UInt32(0x8000_0000)),
                                   attributes: GrantTables.readWriteAttributes)
            }
            XCTAssertEqual(tables.pagesUsed, 3)
            // Outside the reserved window a new table is needed, and storage is full.
            XCTAssertThrowsError(try tables.mapPage(GuestPhysicalAddress(UInt32(0x3020_0000)), to: PhysicalAddress(UInt32(0x8000_0000)),
                                                    attributes: .guestMemory))
        }
        XCTAssertEqual(Stage2Tables.reservePagesNeeded(for: GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x3FF0_0000)), size: 0x20_0000)), 4)
        try withTables(pages: 2) { tables in
            XCTAssertThrowsError(try tables.reserveTables(for: GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x3000_0000)), size: 0x1000))) { error in
                XCTAssertEqual(error as? Stage2Error, .tablesExhausted(pages: 2))
            }
            XCTAssertThrowsError(try tables.reserveTables(for: GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x3000_0800)), size: 0x1000)))
        }
    }
}
