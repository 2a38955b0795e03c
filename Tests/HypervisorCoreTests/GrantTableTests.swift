import HypervisorCore
import XCTest

/// Three VMs (domains 0, 1, 2), each with 16 pages of RAM at guest-physical
/// 0x80000000, really at 0x80100000 + 64 KiB * domain; physical memory below
/// 0x80100000 stands for the hypervisor. One buffer is all that memory.
final class GrantFixture {
    static let ramBase: UInt32 = 0x8000_0000
    static let vmBase: UInt32 = 0x8010_0000
    static let vmSize: UInt32 = 0x1_0000
    static let guestRAM: UInt32 = 0x8000_0000
    static let window = GrantWindow.standard.base.value

    let memoryBytes: UnsafeMutableRawBufferPointer
    let tableStorage: [UnsafeMutableRawBufferPointer]
    var stage2: [Stage2Tables] = []
    var grants: GrantTables
    let platform = Platform.vexpressA15(ramSize: 256 << 20)

    init(domains: Int = 3) throws {
        let total = Int(GrantFixture.vmBase - GrantFixture.ramBase) + domains * Int(GrantFixture.vmSize)
        memoryBytes = UnsafeMutableRawBufferPointer.allocate(byteCount: total, alignment: 4096)
        memoryBytes.initializeMemory(as: UInt8.self, repeating: 0x5A)
        var storage: [UnsafeMutableRawBufferPointer] = []
        for _ in 0..<domains {
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: 12 * 4096, alignment: 4096)
            b.initializeMemory(as: UInt8.self, repeating: 0xA5)
            storage.append(b)
        }
        tableStorage = storage
        grants = GrantTables(memory: PhysicalMemoryWindow(base: PhysicalAddress(GrantFixture.ramBase), bytes: memoryBytes))
        for d in 0..<domains {
            let vm = GrantFixture.vm(d)
            var tables = try Stage2Tables.build(for: vm, platform: platform, tables: storage[d],
                                                physicalBase: PhysicalAddress(UInt32(0x4000_0000 + d * 0x10_0000)))
            // The grant table page starts out all zero (no grants), like fresh guest memory.
            clearTable(of: d)
            try grants.addDomain(DomainID(d), layout: GrantLayout(vm: vm), stage2: &tables)
            stage2.append(tables)
        }
    }

    deinit {
        memoryBytes.deallocate()
        for b in tableStorage { b.deallocate() }
    }

    static func vm(_ d: Int) -> VMConfig {
        VMConfig(node: .none, memory: GuestPhysicalRange(base: GuestPhysicalAddress(guestRAM), size: UInt64(vmSize)),
                 physicalBase: PhysicalAddress(vmBase + UInt32(d) * vmSize), entry: GuestPhysicalAddress(guestRAM))
    }

    /// Where guest-physical `gpa` of domain `d`'s RAM is inside `memoryBytes`.
    func offset(domain d: Int, gpa: UInt64) -> Int {
        Int(GrantFixture.vmBase - GrantFixture.ramBase) + d * Int(GrantFixture.vmSize) + Int(gpa - UInt64(GrantFixture.guestRAM))
    }

    func physical(domain d: Int, page: Int) -> PhysicalAddress {
        PhysicalAddress(UInt64(GrantFixture.vmBase) + UInt64(d) * UInt64(GrantFixture.vmSize) + UInt64(page) * 4096)
    }

    /// Guest frame number of page `page` of a domain's RAM.
    static func frame(page: Int) -> UInt32 { (guestRAM >> 12) + UInt32(page) }

    var tableGPA: UInt64 { UInt64(GrantFixture.guestRAM) + UInt64(GrantFixture.vmSize) - 2 * 4096 }

    func clearTable(of d: Int) {
        let start = offset(domain: d, gpa: tableGPA)
        for i in 0..<4096 { memoryBytes[start + i] = 0 }
    }

    /// What the granter writes: entry `ref` of domain `d`'s table.
    func grant(_ ref: Int, by d: Int, to grantee: Int, page: Int, readOnly: Bool = false) {
        write(ref, of: d, GrantEntry(flags: GrantEntryFlags.permitAccess | (readOnly ? GrantEntryFlags.readOnly : 0),
                                     domain: DomainID(grantee), frame: GrantFixture.frame(page: page)))
    }

    func write(_ ref: Int, of d: Int, _ entry: GrantEntry) {
        let p = memoryBytes.baseAddress! + offset(domain: d, gpa: tableGPA) + ref * 8
        p.storeBytes(of: entry.flags, as: UInt16.self)
        p.storeBytes(of: entry.domain, toByteOffset: 2, as: UInt16.self)
        p.storeBytes(of: entry.frame, toByteOffset: 4, as: UInt32.self)
    }

    func setFlags(_ ref: Int, of d: Int, _ flags: UInt16) {
        (memoryBytes.baseAddress! + offset(domain: d, gpa: tableGPA) + ref * 8).storeBytes(of: flags, as: UInt16.self)
    }

    func entry(_ ref: Int, of d: Int) -> GrantEntry { try! grants.entry(granter: DomainID(d), reference: UInt32(ref)) }

    func map(_ ref: Int, of granter: Int, by caller: Int, at slot: Int, readOnly: Bool = false,
             flags: UInt32 = GrantMapFlags.hostMap) throws(GrantError) -> GrantMapping {
        let request = GrantMapRequest(hostAddress: GrantFixture.window + UInt64(slot) * 4096,
                                      flags: flags | (readOnly ? GrantMapFlags.readOnly : 0),
                                      reference: UInt32(ref), domain: DomainID(granter))
        return try grants.map(request, by: DomainID(caller), stage2: &stage2[caller])
    }

    func unmap(_ handle: UInt32, by caller: Int, at slot: Int) throws(GrantError) -> GrantUnmapping {
        try grants.unmap(GrantUnmapRequest(hostAddress: GrantFixture.window + UInt64(slot) * 4096, handle: handle),
                         by: DomainID(caller), stage2: &stage2[caller])
    }

    func translate(_ caller: Int, slot: Int) -> Stage2Translation? {
        stage2[caller].translate(GuestPhysicalAddress(GrantFixture.window + UInt64(slot) * 4096))
    }
}

/// Asserts that `body` throws exactly `expected`, and that its status is `status`.
func XCTAssertGrantError<T>(_ expected: GrantError, _ status: GrantStatus, file: StaticString = #filePath, line: UInt = #line,
                            _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected \(expected), got success", file: file, line: line)
    } catch {
        XCTAssertEqual(error as? GrantError, expected, file: file, line: line)
        XCTAssertEqual((error as? GrantError)?.status, status, file: file, line: line)
    }
}

final class GrantTableTests: XCTestCase {
    func testFlagAndStatusValuesAreXens() {
        XCTAssertEqual(GrantEntryFlags.permitAccess, 1)
        XCTAssertEqual(GrantEntryFlags.readOnly, 4)
        XCTAssertEqual(GrantEntryFlags.reading, 8)
        XCTAssertEqual(GrantEntryFlags.writing, 16)
        XCTAssertEqual(GrantMapFlags.hostMap, 2)
        XCTAssertEqual(GrantMapFlags.readOnly, 4)
        XCTAssertEqual(GrantCopyFlags.destinationGrantRef, 2)
        XCTAssertEqual(GrantStatus.badHandle.rawValue, -4)
        XCTAssertEqual(GrantStatus.badCopyArgument.rawValue, -10)
        XCTAssertEqual(GrantTableCommand.copy.rawValue, 5)
        XCTAssertEqual(GrantTableCommand.querySize.rawValue, 6)
    }

    func testSetupTableAndQuerySizeReportTheTablePage() throws {
        let f = try GrantFixture()
        // Second-to-last page of RAM: 0x8000E000, frame 0x8000E.
        XCTAssertEqual(try f.grants.setupTable(for: domainSelf, frames: 1, by: 1), 0x8000E)
        XCTAssertEqual(try f.grants.setupTable(for: 1, frames: 0, by: 1), 0x8000E)
        XCTAssertGrantError(.notPermitted, .permissionDenied) { try f.grants.setupTable(for: 2, frames: 1, by: 1) }
        XCTAssertGrantError(.tooManyFrames, .generalError) { try f.grants.setupTable(for: domainSelf, frames: 2, by: 1) }
        let size = try f.grants.querySize(for: domainSelf, by: 0)
        XCTAssertEqual(size.frames, 1)
        XCTAssertEqual(size.maximum, 1)
        XCTAssertGrantError(.notPermitted, .permissionDenied) { try f.grants.querySize(for: 0, by: 1) }
    }

    func testMapUnmapRoundTripInStage2() throws {
        let f = try GrantFixture()
        f.grant(5, by: 0, to: 1, page: 3)
        let mapping = try f.map(5, of: 0, by: 1, at: 7)
        XCTAssertEqual(mapping.frame, f.physical(domain: 0, page: 3))
        XCTAssertTrue(mapping.writable)
        let t = try XCTUnwrap(f.translate(1, slot: 7))
        XCTAssertEqual(t.physical, f.physical(domain: 0, page: 3))
        XCTAssertEqual(t.mappingSize, 4096)
        XCTAssertEqual(t.attributes.access, 0b11)
        XCTAssertTrue(t.attributes.executeNever)
        XCTAssertEqual(t.attributes.memoryAttributes, 0b1111)
        XCTAssertEqual(f.entry(5, of: 0).flags, GrantEntryFlags.permitAccess | GrantEntryFlags.reading | GrantEntryFlags.writing)
        // Nothing else changed: the granter's stage 2 has no window mapping, the neighbours are unmapped.
        XCTAssertNil(f.translate(0, slot: 7))
        XCTAssertNil(f.translate(1, slot: 6))
        XCTAssertNil(f.translate(1, slot: 8))
        XCTAssertEqual(f.grants.maptrack(of: 1)?.count, 1)

        let unmapping = try f.unmap(mapping.handle, by: 1, at: 7)
        XCTAssertEqual(unmapping.hostAddress.value, GrantFixture.window + 7 * 4096)
        XCTAssertEqual(unmapping.frame, f.physical(domain: 0, page: 3))
        XCTAssertNil(f.translate(1, slot: 7))
        XCTAssertEqual(f.entry(5, of: 0).flags, GrantEntryFlags.permitAccess)
        XCTAssertEqual(f.grants.maptrack(of: 1)?.count, 0)
    }

    func testMappingTakesNoTablePagesAfterSetup() throws {
        let f = try GrantFixture()
        let before = f.stage2[1].pagesUsed
        f.grant(0, by: 0, to: 1, page: 0)
        _ = try f.map(0, of: 0, by: 1, at: 511)
        _ = try f.map(0, of: 0, by: 1, at: 0)
        XCTAssertEqual(f.stage2[1].pagesUsed, before)
    }

    func testReadOnlyGrantMapsReadOnlyAndRefusesWritable() throws {
        let f = try GrantFixture()
        f.grant(2, by: 0, to: 1, page: 4, readOnly: true)
        XCTAssertGrantError(.readOnlyGrant, .generalError) { try f.map(2, of: 0, by: 1, at: 0) }
        XCTAssertNil(f.translate(1, slot: 0))
        XCTAssertEqual(f.entry(2, of: 0).flags & (GrantEntryFlags.reading | GrantEntryFlags.writing), 0)
        let mapping = try f.map(2, of: 0, by: 1, at: 0, readOnly: true)
        XCTAssertFalse(mapping.writable)
        XCTAssertEqual(f.translate(1, slot: 0)?.attributes.access, 0b01)
        XCTAssertEqual(f.entry(2, of: 0).flags, GrantEntryFlags.permitAccess | GrantEntryFlags.readOnly | GrantEntryFlags.reading)
        // A writable grant may still be mapped read-only.
        f.grant(3, by: 0, to: 1, page: 5)
        _ = try f.map(3, of: 0, by: 1, at: 1, readOnly: true)
        XCTAssertEqual(f.translate(1, slot: 1)?.attributes.access, 0b01)
        XCTAssertEqual(f.entry(3, of: 0).flags, GrantEntryFlags.permitAccess | GrantEntryFlags.reading)
    }

    func testBadReferenceAndBadDomain() throws {
        let f = try GrantFixture()
        f.grant(511, by: 0, to: 1, page: 0)
        _ = try f.map(511, of: 0, by: 1, at: 0)
        XCTAssertGrantError(.badReference, .badGrantRef) { try f.map(512, of: 0, by: 1, at: 1) }
        XCTAssertGrantError(.badReference, .badGrantRef) { try f.map(0xFFFF_FFFF, of: 0, by: 1, at: 1) }
        XCTAssertGrantError(.badDomain, .badDomain) { try f.map(0, of: 3, by: 1, at: 1) }
        XCTAssertGrantError(.badDomain, .badDomain) { try f.map(0, of: 7, by: 1, at: 1) }
        XCTAssertGrantError(.badDomain, .badDomain) { try f.map(0, of: Int(domainSelf), by: 1, at: 1) }
        XCTAssertNil(f.translate(1, slot: 1))
    }

    func testEntryMustPermitAccessToExactlyTheCaller() throws {
        let f = try GrantFixture()
        f.grant(1, by: 0, to: 2, page: 0)
        XCTAssertGrantError(.grantedToAnotherDomain, .generalError) { try f.map(1, of: 0, by: 1, at: 0) }
        _ = try f.map(1, of: 0, by: 2, at: 0)
        // Never granted, transfer, transitive, sub-page: not access grants.
        XCTAssertGrantError(.notGranted, .generalError) { try f.map(9, of: 0, by: 1, at: 0) }
        for flags in [GrantEntryFlags.acceptTransfer, GrantEntryFlags.transitive, GrantEntryFlags.permitAccess | GrantEntryFlags.subPage] {
            f.write(9, of: 0, GrantEntry(flags: flags, domain: 1, frame: GrantFixture.frame(page: 0)))
            XCTAssertGrantError(.notGranted, .generalError) { try f.map(9, of: 0, by: 1, at: 0) }
        }
        XCTAssertNil(f.translate(1, slot: 0))
    }

    func testGrantedFrameMustBeTheGrantersRAM() throws {
        let f = try GrantFixture()
        let outside: [UInt32] = [
            GrantFixture.frame(page: 16),       // just past the end of its RAM (that is domain 1's memory physically)
            GrantFixture.frame(page: 0) - 1,    // just before
            0,                                  // guest-physical 0
            0x2C002,                            // the GIC CPU interface: mapped in its stage 2, but not RAM
            UInt32(GrantFixture.window >> 12),  // its own grant window
            0xFFFF_FFFF,
        ]
        for frame in outside {
            f.write(0, of: 0, GrantEntry(flags: GrantEntryFlags.permitAccess, domain: 1, frame: frame))
            XCTAssertGrantError(.frameOutsideGranter, .badPage) { try f.map(0, of: 0, by: 1, at: 0) }
            XCTAssertGrantError(.frameOutsideGranter, .badPage) {
                try f.grants.copy(GrantCopyRequest(source: .reference(0, of: 0, offset: 0), destination: .frame(UInt64(GrantFixture.frame(page: 0)), offset: 0), length: 1), by: 1)
            }
        }
        XCTAssertNil(f.translate(1, slot: 0))
        // The last page of its RAM is fine.
        f.write(0, of: 0, GrantEntry(flags: GrantEntryFlags.permitAccess, domain: 1, frame: GrantFixture.frame(page: 15)))
        XCTAssertEqual(try f.map(0, of: 0, by: 1, at: 0).frame, f.physical(domain: 0, page: 15))
    }

    func testHostAddressMustBeAFreePageOfTheWindow() throws {
        let f = try GrantFixture()
        f.grant(0, by: 0, to: 1, page: 0)
        func map(at address: UInt64) throws(GrantError) -> GrantMapping {
            try f.grants.map(GrantMapRequest(hostAddress: address, flags: GrantMapFlags.hostMap, reference: 0, domain: 0),
                             by: 1, stage2: &f.stage2[1])
        }
        XCTAssertGrantError(.hostAddressMisaligned, .badVirtualAddress) { try map(at: GrantFixture.window + 8) }
        XCTAssertGrantError(.hostAddressOutsideWindow, .badVirtualAddress) { try map(at: UInt64(GrantFixture.guestRAM)) }
        XCTAssertGrantError(.hostAddressOutsideWindow, .badVirtualAddress) { try map(at: GrantFixture.window - 4096) }
        XCTAssertGrantError(.hostAddressOutsideWindow, .badVirtualAddress) { try map(at: GrantFixture.window + 0x20_0000) }
        XCTAssertGrantError(.hostAddressOutsideWindow, .badVirtualAddress) { try map(at: 0x1_3000_0000) }
        _ = try map(at: GrantFixture.window)
        XCTAssertGrantError(.hostAddressInUse, .badVirtualAddress) { try map(at: GrantFixture.window) }
        XCTAssertEqual(f.grants.maptrack(of: 1)?.count, 1)
    }

    func testMapFlagsNeedHostMapAndRefuseDeviceMaps() throws {
        let f = try GrantFixture()
        f.grant(0, by: 0, to: 1, page: 0)
        XCTAssertGrantError(.noHostMap, .badGrantRef) { try f.map(0, of: 0, by: 1, at: 0, flags: 0) }
        for extra in [GrantMapFlags.deviceMap, GrantMapFlags.applicationMap, GrantMapFlags.containsPTE] {
            XCTAssertGrantError(.unsupportedMapFlags, .generalError) { try f.map(0, of: 0, by: 1, at: 0, flags: GrantMapFlags.hostMap | extra) }
        }
        XCTAssertNil(f.translate(1, slot: 0))
    }

    func testMaptrackIsBounded() throws {
        let f = try GrantFixture()
        f.grant(0, by: 0, to: 1, page: 1)
        var handles: [UInt32] = []
        for slot in 0..<Maptrack.capacity { handles.append(try f.map(0, of: 0, by: 1, at: slot).handle) }
        XCTAssertEqual(Set(handles).count, Maptrack.capacity)
        XCTAssertGrantError(.maptrackFull, .noDeviceSpace) { try f.map(0, of: 0, by: 1, at: Maptrack.capacity) }
        XCTAssertNil(f.translate(1, slot: Maptrack.capacity))
        // Another domain's maptrack is its own.
        f.grant(1, by: 0, to: 2, page: 1)
        _ = try f.map(1, of: 0, by: 2, at: 0)
        _ = try f.unmap(handles[3], by: 1, at: 3)
        XCTAssertEqual(try f.map(0, of: 0, by: 1, at: Maptrack.capacity).handle, handles[3])
    }

    func testHandlesBelongToTheirDomain() throws {
        let f = try GrantFixture()
        f.grant(0, by: 0, to: 1, page: 2)
        let mapping = try f.map(0, of: 0, by: 1, at: 4)
        // Domain 2 presents domain 1's handle (with the right address): it names nothing of domain 2's.
        XCTAssertGrantError(.badHandle, .badHandle) { try f.unmap(mapping.handle, by: 2, at: 4) }
        XCTAssertGrantError(.badHandle, .badHandle) { try f.unmap(UInt32(Maptrack.capacity), by: 1, at: 4) }
        XCTAssertGrantError(.badHandle, .badHandle) { try f.unmap(0xFFFF_FFFF, by: 1, at: 4) }
        XCTAssertNotNil(f.translate(1, slot: 4))
        XCTAssertGrantError(.hostAddressMismatch, .badVirtualAddress) { try f.unmap(mapping.handle, by: 1, at: 5) }
        XCTAssertGrantError(.deviceAddressMismatch, .generalError) {
            try f.grants.unmap(GrantUnmapRequest(hostAddress: GrantFixture.window + 4 * 4096, deviceAddress: 0x1000, handle: mapping.handle),
                               by: 1, stage2: &f.stage2[1])
        }
        XCTAssertNotNil(f.translate(1, slot: 4))
        _ = try f.grants.unmap(GrantUnmapRequest(hostAddress: GrantFixture.window + 4 * 4096, deviceAddress: mapping.frame.value,
                                                 handle: mapping.handle), by: 1, stage2: &f.stage2[1])
        XCTAssertNil(f.translate(1, slot: 4))
        // Double unmap.
        XCTAssertGrantError(.badHandle, .badHandle) { try f.unmap(mapping.handle, by: 1, at: 4) }
    }

    func testRevocationWhileMappedKeepsTheMappingUntilUnmap() throws {
        let f = try GrantFixture()
        f.grant(6, by: 0, to: 1, page: 9)
        let mapping = try f.map(6, of: 0, by: 1, at: 2)
        // The granter should see GTF_reading|GTF_writing and not revoke; a hostile one clears the entry anyway.
        XCTAssertNotEqual(f.entry(6, of: 0).flags & (GrantEntryFlags.reading | GrantEntryFlags.writing), 0)
        f.setFlags(6, of: 0, 0)
        XCTAssertEqual(f.translate(1, slot: 2)?.physical, f.physical(domain: 0, page: 9))
        XCTAssertGrantError(.notGranted, .generalError) { try f.map(6, of: 0, by: 1, at: 3) }
        XCTAssertGrantError(.notGranted, .generalError) {
            try f.grants.copy(GrantCopyRequest(source: .reference(6, of: 0, offset: 0), destination: .frame(UInt64(GrantFixture.frame(page: 0)), offset: 0), length: 4), by: 1)
        }
        _ = try f.unmap(mapping.handle, by: 1, at: 2)
        XCTAssertNil(f.translate(1, slot: 2))
        XCTAssertEqual(f.entry(6, of: 0).flags, 0)
    }

    /// A restarting VM's mappings all go: its window is empty, the granters' flags are clear,
    /// and the other VMs' mappings stay.
    func testUnmapAllReleasesEveryMappingOfOneDomainOnly() throws {
        let f = try GrantFixture()
        f.grant(1, by: 0, to: 1, page: 1)
        f.grant(2, by: 2, to: 1, page: 2, readOnly: true)
        f.grant(3, by: 0, to: 2, page: 3)
        _ = try f.map(1, of: 0, by: 1, at: 0)
        _ = try f.map(1, of: 0, by: 1, at: 1, readOnly: true)
        _ = try f.map(2, of: 2, by: 1, at: 2, readOnly: true)
        _ = try f.map(3, of: 0, by: 2, at: 0)
        XCTAssertEqual(f.grants.unmapAll(by: 1, stage2: &f.stage2[1]), 3)
        XCTAssertEqual(f.grants.maptrack(of: 1)?.count, 0)
        for slot in 0..<3 { XCTAssertNil(f.translate(1, slot: slot)) }
        XCTAssertEqual(f.entry(1, of: 0).flags, GrantEntryFlags.permitAccess)
        XCTAssertEqual(f.entry(2, of: 2).flags, GrantEntryFlags.permitAccess | GrantEntryFlags.readOnly)
        XCTAssertEqual(f.translate(2, slot: 0)?.physical, f.physical(domain: 0, page: 3))
        XCTAssertEqual(f.grants.unmapAll(by: 1, stage2: &f.stage2[1]), 0)
        // Its window takes new mappings again.
        XCTAssertEqual(try f.map(1, of: 0, by: 1, at: 0).handle, 0)
    }

    func testWritingClearsWithTheLastWritableMappingAndReadingWithTheLast() throws {
        let f = try GrantFixture()
        f.grant(1, by: 0, to: 1, page: 1)
        let writable = try f.map(1, of: 0, by: 1, at: 0)
        let readOnly = try f.map(1, of: 0, by: 1, at: 1, readOnly: true)
        XCTAssertEqual(f.translate(1, slot: 0)?.physical, f.translate(1, slot: 1)?.physical)
        _ = try f.unmap(writable.handle, by: 1, at: 0)
        XCTAssertEqual(f.entry(1, of: 0).flags, GrantEntryFlags.permitAccess | GrantEntryFlags.reading)
        _ = try f.unmap(readOnly.handle, by: 1, at: 1)
        XCTAssertEqual(f.entry(1, of: 0).flags, GrantEntryFlags.permitAccess)
    }

    func testAGrantInUseIsPinnedToItsMapperAndFrame() throws {
        let f = try GrantFixture()
        f.grant(4, by: 0, to: 1, page: 2)
        let mapping = try f.map(4, of: 0, by: 1, at: 0)
        // The granter hands the same entry to domain 2 while domain 1 has it mapped.
        f.write(4, of: 0, GrantEntry(flags: GrantEntryFlags.permitAccess | GrantEntryFlags.reading | GrantEntryFlags.writing, domain: 2,
                                     frame: GrantFixture.frame(page: 2)))
        XCTAssertGrantError(.mappedByAnotherDomain, .generalError) { try f.map(4, of: 0, by: 2, at: 0) }
        // ... or changes the frame under domain 1.
        f.write(4, of: 0, GrantEntry(flags: GrantEntryFlags.permitAccess | GrantEntryFlags.reading | GrantEntryFlags.writing, domain: 1,
                                     frame: GrantFixture.frame(page: 3)))
        XCTAssertGrantError(.frameChangedWhileMapped, .generalError) { try f.map(4, of: 0, by: 1, at: 1) }
        _ = try f.unmap(mapping.handle, by: 1, at: 0)
        f.grant(4, by: 0, to: 2, page: 3)
        XCTAssertEqual(try f.map(4, of: 0, by: 2, at: 0).frame, f.physical(domain: 0, page: 3))
    }

    func testAddDomainChecksTheLayout() throws {
        let f = try GrantFixture()
        let vm = GrantFixture.vm(0)
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 12 * 4096, alignment: 4096)
        defer { storage.deallocate() }
        var tables = try Stage2Tables.build(for: vm, platform: f.platform, tables: storage, physicalBase: PhysicalAddress(UInt32(0x5000_0000)))
        var grants = GrantTables(memory: f.grants.memory)
        func add(_ layout: GrantLayout, id: DomainID = 0) -> GrantSetupError? {
            do { try grants.addDomain(id, layout: layout, stage2: &tables); return nil } catch { return error }
        }
        let ram = vm.memory
        XCTAssertEqual(add(GrantLayout(memory: ram, physicalBase: vm.physicalBase, table: GuestPhysicalAddress(UInt32(0x7000_0000)))), .tableOutsideMemory)
        XCTAssertEqual(add(GrantLayout(memory: ram, physicalBase: vm.physicalBase, table: GuestPhysicalAddress(UInt32(0x8000_0010)))), .tableOutsideMemory)
        func window(_ base: UInt32, _ size: UInt64) -> GrantLayout {
            GrantLayout(memory: ram, physicalBase: vm.physicalBase, window: GuestPhysicalRange(base: GuestPhysicalAddress(base), size: size))
        }
        XCTAssertEqual(add(window(0x3000_0800, 0x1000)), .badWindow)
        XCTAssertEqual(add(window(0x3000_0000, 0)), .badWindow)
        XCTAssertEqual(add(window(0x3000_0000, 0x20_1000)), .badWindow)
        XCTAssertEqual(add(window(0xFFFF_F000, 0x2000)), .badWindow)
        XCTAssertEqual(add(window(0x8000_8000, 0x1000)), .windowOverlaps)       // its RAM
        XCTAssertEqual(add(window(0x2C00_0000, 0x10_0000)), .windowOverlaps)    // the GIC CPU interface it has mapped
        XCTAssertEqual(add(GrantLayout(vm: vm), id: 8), .badDomain)
        XCTAssertNil(add(GrantLayout(vm: vm)))
        XCTAssertEqual(add(GrantLayout(vm: vm)), .badDomain)
        XCTAssertEqual(grants.layout(of: 0)?.window, GrantWindow.standard)
    }
}
