import HypervisorCore
import XCTest

/// A granter restarts (VMRestart): the pages other domains mapped from it
/// are taken back before its memory is cleared, except the pages the restart
/// keeps; the mappers' handles stay valid until they unmap them.
final class GrantRevocationTests: XCTestCase {
    /// Physical page 0x80000000 stands for the hypervisor's stand-in page.
    let standIn = PhysicalAddress(UInt64(GrantFixture.ramBase))

    func testRevokedMappingsMapTheStandInAndKeptPagesStay() throws {
        let f = try GrantFixture()
        f.grant(0, by: 0, to: 1, page: 1)   // kept across the restart (a console ring)
        f.grant(8, by: 0, to: 1, page: 5)   // a blkif ring the new kernel will reuse
        f.grant(9, by: 0, to: 2, page: 6)
        f.grant(3, by: 2, to: 1, page: 2)   // another granter's page
        _ = try f.map(0, of: 0, by: 1, at: 0)
        _ = try f.map(8, of: 0, by: 1, at: 1)
        _ = try f.map(9, of: 0, by: 2, at: 0)
        _ = try f.map(3, of: 2, by: 1, at: 2)
        let keptFrame = f.physical(domain: 0, page: 1)
        f.memoryBytes[f.offset(domain: 0, gpa: UInt64(GrantFixture.guestRAM) + 5 * 4096) + 12] = 0x42
        f.memoryBytes[f.offset(domain: 0, gpa: UInt64(GrantFixture.guestRAM) + 6 * 4096) + 12] = 0x43

        XCTAssertEqual(f.grants.revoke(granter: 0, mappedBy: 1, standIn: standIn, keeping: { $0 == keptFrame },
                                       stage2: &f.stage2[1]), 1)
        XCTAssertEqual(f.grants.revoke(granter: 0, mappedBy: 2, standIn: standIn, keeping: { $0 == keptFrame },
                                       stage2: &f.stage2[2]), 1)
        // No page of domain 0's but the kept one is reachable by the mappers any more.
        XCTAssertEqual(f.translate(1, slot: 0)?.physical, keptFrame)
        XCTAssertEqual(f.translate(1, slot: 1)?.physical, standIn)
        XCTAssertEqual(f.translate(2, slot: 0)?.physical, standIn)
        XCTAssertEqual(f.translate(1, slot: 2)?.physical, f.physical(domain: 2, page: 2))
        XCTAssertEqual(f.translate(1, slot: 1)?.attributes.executeNever, true)
        // The stand-in holds what the revoked page held (here page 6, the last one revoked).
        XCTAssertEqual(f.memoryBytes[12], 0x43)
        // A second revocation finds nothing new.
        XCTAssertEqual(f.grants.revoke(granter: 0, mappedBy: 1, standIn: standIn, keeping: { _ in false },
                                       stage2: &f.stage2[1]), 1)  // only the page kept the first time
        XCTAssertEqual(f.translate(1, slot: 0)?.physical, standIn)
    }

    func testUnmappingARevokedHandleLeavesTheNewIncarnationsEntryAlone() throws {
        let f = try GrantFixture()
        f.grant(8, by: 0, to: 1, page: 5)
        let ring = try f.map(8, of: 0, by: 1, at: 1)
        _ = f.grants.revoke(granter: 0, mappedBy: 1, standIn: standIn, keeping: { _ in false }, stage2: &f.stage2[1])
        // The new incarnation grants entry 8 again, for another page, and the mapper maps it elsewhere:
        // neither the old pin nor the old frame stands in the way.
        f.clearTable(of: 0)
        f.grant(8, by: 0, to: 1, page: 7)
        let fresh = try f.map(8, of: 0, by: 1, at: 3)
        XCTAssertEqual(fresh.frame, f.physical(domain: 0, page: 7))
        XCTAssertNotEqual(fresh.handle, ring.handle)
        // The old handle unmaps the stand-in; the new mapping's flags in the entry stay set.
        let unmapped = try f.unmap(ring.handle, by: 1, at: 1)
        XCTAssertEqual(unmapped.frame, standIn)
        XCTAssertNil(f.translate(1, slot: 1))
        XCTAssertEqual(f.entry(8, of: 0).flags, GrantEntryFlags.permitAccess | GrantEntryFlags.reading | GrantEntryFlags.writing)
        XCTAssertEqual(f.translate(1, slot: 3)?.physical, f.physical(domain: 0, page: 7))
        XCTAssertEqual(f.grants.maptrack(of: 1)?.count, 1)
    }

    func testAGranterRevokesNothingOfItsOwnAndNothingForAMissingMapper() throws {
        let f = try GrantFixture()
        f.grant(1, by: 0, to: 1, page: 1)
        _ = try f.map(1, of: 0, by: 1, at: 0)
        XCTAssertEqual(f.grants.revoke(granter: 0, mappedBy: 0, standIn: standIn, keeping: { _ in false },
                                       stage2: &f.stage2[0]), 0)
        XCTAssertEqual(f.grants.revoke(granter: 0, mappedBy: 7, standIn: standIn, keeping: { _ in false },
                                       stage2: &f.stage2[0]), 0)
        XCTAssertEqual(f.translate(1, slot: 0)?.physical, f.physical(domain: 0, page: 1))
    }
}
