import HypervisorCore
import XCTest

final class GrantCopyTests: XCTestCase {
    private func fill(_ f: GrantFixture, domain d: Int, page: Int, offset: Int, _ bytes: [UInt8]) {
        let start = f.offset(domain: d, gpa: UInt64(GrantFixture.guestRAM) + UInt64(page * 4096 + offset))
        for (i, b) in bytes.enumerated() { f.memoryBytes[start + i] = b }
    }

    private func read(_ f: GrantFixture, domain d: Int, page: Int, offset: Int, count: Int) -> [UInt8] {
        let start = f.offset(domain: d, gpa: UInt64(GrantFixture.guestRAM) + UInt64(page * 4096 + offset))
        return (0..<count).map { f.memoryBytes[start + $0] }
    }

    private func localFrame(_ page: Int) -> UInt64 { UInt64(GrantFixture.frame(page: page)) }

    func testCopyFromAGrantIntoOwnMemory() throws {
        let f = try GrantFixture()
        fill(f, domain: 0, page: 3, offset: 100, [1, 2, 3, 4, 5])
        f.grant(7, by: 0, to: 1, page: 3, readOnly: true)
        let copy = try f.grants.copy(GrantCopyRequest(source: .reference(7, of: 0, offset: 100),
                                                      destination: .frame(localFrame(6), offset: 4000), length: 5), by: 1)
        XCTAssertEqual(copy.source.value, f.physical(domain: 0, page: 3).value + 100)
        XCTAssertEqual(copy.destination.value, f.physical(domain: 1, page: 6).value + 4000)
        XCTAssertEqual(copy.length, 5)
        XCTAssertTrue(f.grants.memory.perform(copy))
        XCTAssertEqual(read(f, domain: 1, page: 6, offset: 4000, count: 5), [1, 2, 3, 4, 5])
        // Copying leaves the entry's flags alone (it is not mapped before or after).
        XCTAssertEqual(f.entry(7, of: 0).flags, GrantEntryFlags.permitAccess | GrantEntryFlags.readOnly)
    }

    func testCopyFromOwnMemoryIntoAWritableGrant() throws {
        let f = try GrantFixture()
        fill(f, domain: 2, page: 1, offset: 0, [9, 8, 7])
        f.grant(3, by: 0, to: 2, page: 5)
        let copy = try f.grants.copy(GrantCopyRequest(source: .frame(localFrame(1), offset: 0),
                                                      destination: .reference(3, of: 0, offset: 4093), length: 3), by: 2)
        XCTAssertTrue(f.grants.memory.perform(copy))
        XCTAssertEqual(read(f, domain: 0, page: 5, offset: 4093, count: 3), [9, 8, 7])
        // Nothing else of the granter's page moved.
        XCTAssertEqual(read(f, domain: 0, page: 5, offset: 4092, count: 1), [0x5A])
    }

    func testCopyIntoAReadOnlyGrantIsRefused() throws {
        let f = try GrantFixture()
        f.grant(3, by: 0, to: 1, page: 5, readOnly: true)
        XCTAssertGrantError(.readOnlyGrant, .generalError) {
            try f.grants.copy(GrantCopyRequest(source: .frame(localFrame(1), offset: 0), destination: .reference(3, of: 0, offset: 0), length: 8), by: 1)
        }
    }

    func testCopyBoundsAndSides() throws {
        let f = try GrantFixture()
        f.grant(0, by: 0, to: 1, page: 2)
        let grant = GrantCopySide.reference(0, of: 0, offset: 0)
        XCTAssertGrantError(.copyCrossesPage, .badCopyArgument) {
            try f.grants.copy(GrantCopyRequest(source: .reference(0, of: 0, offset: 4095), destination: .frame(localFrame(0), offset: 0), length: 2), by: 1)
        }
        XCTAssertGrantError(.copyCrossesPage, .badCopyArgument) {
            try f.grants.copy(GrantCopyRequest(source: grant, destination: .frame(localFrame(0), offset: 1), length: 4096), by: 1)
        }
        XCTAssertEqual(try f.grants.copy(GrantCopyRequest(source: grant, destination: .frame(localFrame(0), offset: 0), length: 4096), by: 1).length, 4096)
        // A frame side must be the caller's own (DOMID_SELF) RAM.
        XCTAssertGrantError(.foreignFrame, .permissionDenied) {
            try f.grants.copy(GrantCopyRequest(source: grant, destination: GrantCopySide(isReference: false, value: localFrame(0), domain: 0, offset: 0), length: 1), by: 1)
        }
        for frame in [localFrame(16), localFrame(0) - 1, 0, GrantFixture.window >> 12] {
            XCTAssertGrantError(.frameOutsideCaller, .badPage) {
                try f.grants.copy(GrantCopyRequest(source: grant, destination: .frame(frame, offset: 0), length: 1), by: 1)
            }
        }
        // Reference side: bad ref, bad domain, granted to someone else, never granted.
        XCTAssertGrantError(.badReference, .badGrantRef) {
            try f.grants.copy(GrantCopyRequest(source: .reference(512, of: 0, offset: 0), destination: .frame(localFrame(0), offset: 0), length: 1), by: 1)
        }
        XCTAssertGrantError(.badDomain, .badDomain) {
            try f.grants.copy(GrantCopyRequest(source: .reference(0, of: 5, offset: 0), destination: .frame(localFrame(0), offset: 0), length: 1), by: 1)
        }
        XCTAssertGrantError(.grantedToAnotherDomain, .generalError) {
            try f.grants.copy(GrantCopyRequest(source: grant, destination: .frame(localFrame(0), offset: 0), length: 1), by: 2)
        }
        XCTAssertGrantError(.notGranted, .generalError) {
            try f.grants.copy(GrantCopyRequest(source: .reference(1, of: 0, offset: 0), destination: .frame(localFrame(0), offset: 0), length: 1), by: 1)
        }
        // Grant to grant, with DOMID_SELF naming the caller's own table.
        f.grant(2, by: 1, to: 1, page: 8)
        let both = try f.grants.copy(GrantCopyRequest(source: grant, destination: .reference(2, of: domainSelf, offset: 0), length: 16), by: 1)
        XCTAssertEqual(both.destination, f.physical(domain: 1, page: 8))
    }

    func testPerformRefusesRangesOutsideTheWindow() throws {
        let f = try GrantFixture()
        let end = PhysicalAddress(f.grants.memory.base.value + UInt64(f.memoryBytes.count))
        XCTAssertFalse(f.grants.memory.perform(GrantCopy(source: PhysicalAddress(end.value - 4), destination: f.grants.memory.base, length: 8)))
        XCTAssertFalse(f.grants.memory.perform(GrantCopy(source: f.grants.memory.base, destination: PhysicalAddress(UInt32(0x1000)), length: 1)))
        XCTAssertTrue(f.grants.memory.perform(GrantCopy(source: PhysicalAddress(end.value - 4), destination: f.grants.memory.base, length: 4)))
    }
}
