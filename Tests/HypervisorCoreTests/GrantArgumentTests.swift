import HypervisorCore
import XCTest

/// The grant_table_op argument structs at Xen's ARM offsets, through `perform`.
final class GrantArgumentTests: XCTestCase {
    private final class Buffer {
        let bytes: UnsafeMutableRawBufferPointer
        init(_ count: Int) {
            bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
            bytes.initializeMemory(as: UInt8.self, repeating: 0xEE)
        }
        deinit { bytes.deallocate() }
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
        }
        func get<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
            var value = T.zero
            withUnsafeMutableBytes(of: &value) { for i in 0..<$0.count { $0[i] = bytes[offset + i] } }
            return T(littleEndian: value)
        }
    }

    private func perform(_ f: GrantFixture, _ command: GrantTableCommand, _ buffer: Buffer, count: UInt32, caller: Int,
                         frameList: Buffer? = nil) -> GrantOpOutcome {
        f.grants.perform(command: command.rawValue, arguments: buffer.bytes, count: count, caller: DomainID(caller),
                         stage2: &f.stage2[caller]) { address, length in
            address == 0x8000_5000 && length == 8 ? frameList?.bytes : nil
        }
    }

    func testSizesAndArgumentBytes() {
        XCTAssertEqual(GrantArgumentLayout.size(of: .mapGrantRef), 32)
        XCTAssertEqual(GrantArgumentLayout.size(of: .unmapGrantRef), 24)
        XCTAssertEqual(GrantArgumentLayout.size(of: .setupTable), 24)
        XCTAssertEqual(GrantArgumentLayout.size(of: .copy), 40)
        XCTAssertEqual(GrantArgumentLayout.size(of: .querySize), 16)
        XCTAssertNil(GrantArgumentLayout.size(of: .transfer))
        XCTAssertEqual(GrantTables.argumentBytes(command: 0, count: 3), 96)
        XCTAssertEqual(GrantTables.argumentBytes(command: 5, count: 1000), 16 * 40)
        XCTAssertNil(GrantTables.argumentBytes(command: 8, count: 1))
        XCTAssertNil(GrantTables.argumentBytes(command: 99, count: 1))
    }

    func testMapAndUnmapStructs() throws {
        let f = try GrantFixture()
        f.grant(5, by: 0, to: 1, page: 3)
        let map = Buffer(64)
        // [0] a good read-only map; [1] a bad reference.
        map.put(GrantFixture.window + 0x3000, at: 0)
        map.put(GrantMapFlags.hostMap | GrantMapFlags.readOnly, at: 8)
        map.put(UInt32(5), at: 12)
        map.put(UInt16(0), at: 16)
        map.put(GrantFixture.window + 0x4000, at: 32)
        map.put(GrantMapFlags.hostMap, at: 40)
        map.put(UInt32(600), at: 44)
        map.put(UInt16(0), at: 48)
        let outcome = perform(f, .mapGrantRef, map, count: 2, caller: 1)
        XCTAssertEqual(outcome, GrantOpOutcome(result: 0, done: 2, remaining: 0, invalidateTLB: false))
        XCTAssertEqual(map.get(Int16.self, at: 18), 0)
        let handle = map.get(UInt32.self, at: 20)
        XCTAssertEqual(map.get(UInt64.self, at: 24), f.physical(domain: 0, page: 3).value)
        XCTAssertEqual(map.get(Int16.self, at: 32 + 18), GrantStatus.badGrantRef.rawValue)
        XCTAssertEqual(map.get(UInt32.self, at: 32 + 20), 0xEEEE_EEEE)  // untouched on failure
        XCTAssertEqual(f.translate(1, slot: 3)?.attributes.access, 0b01)
        // Inputs were read from their offsets: the ref, flags and domain made a read-only map of entry 5.
        XCTAssertEqual(f.grants.maptrack(of: 1)?.entry(handle)?.reference, 5)

        let unmap = Buffer(48)
        unmap.put(GrantFixture.window + 0x3000, at: 0)
        unmap.put(UInt64(0), at: 8)
        unmap.put(handle, at: 16)
        unmap.put(GrantFixture.window + 0x3000, at: 24)
        unmap.put(UInt64(0), at: 32)
        unmap.put(handle, at: 40)
        let second = perform(f, .unmapGrantRef, unmap, count: 2, caller: 1)
        XCTAssertEqual(second, GrantOpOutcome(result: 0, done: 2, remaining: 0, invalidateTLB: true))
        XCTAssertEqual(unmap.get(Int16.self, at: 20), 0)
        XCTAssertEqual(unmap.get(Int16.self, at: 44), GrantStatus.badHandle.rawValue)
        XCTAssertNil(f.translate(1, slot: 3))
    }

    func testCopyStruct() throws {
        let f = try GrantFixture()
        f.grant(2, by: 0, to: 1, page: 4)
        let source = f.offset(domain: 1, gpa: 0x8000_1000 + 16)
        for i in 0..<4 { f.memoryBytes[source + i] = UInt8(0xC0 + i) }
        let copy = Buffer(80)
        // [0]: own frame 0x80001 offset 16 -> grant 2 of domain 0 offset 32, 4 bytes.
        copy.put(UInt64(0x80001), at: 0)
        copy.put(domainSelf, at: 8)
        copy.put(UInt16(16), at: 10)
        copy.put(UInt32(2), at: 16)
        copy.put(UInt32(0xDDDD_DDDD), at: 20)  // the rest of the union: ignored for a reference
        copy.put(UInt16(0), at: 24)
        copy.put(UInt16(32), at: 26)
        copy.put(UInt16(4), at: 32)
        copy.put(GrantCopyFlags.destinationGrantRef, at: 34)
        // [1]: the same, crossing the destination page.
        for i in 0..<40 { copy.bytes[40 + i] = copy.bytes[i] }
        copy.put(UInt16(4094), at: 40 + 26)
        XCTAssertEqual(perform(f, .copy, copy, count: 2, caller: 1).result, 0)
        XCTAssertEqual(copy.get(Int16.self, at: 36), 0)
        XCTAssertEqual(copy.get(Int16.self, at: 76), GrantStatus.badCopyArgument.rawValue)
        let destination = f.offset(domain: 0, gpa: 0x8000_4000 + 32)
        XCTAssertEqual((0..<4).map { f.memoryBytes[destination + $0] }, [0xC0, 0xC1, 0xC2, 0xC3])
        XCTAssertEqual(f.memoryBytes[f.offset(domain: 0, gpa: 0x8000_4000 + 4094)], 0x5A)
    }

    func testSetupTableAndQuerySizeStructs() throws {
        let f = try GrantFixture()
        let setup = Buffer(48)
        setup.put(domainSelf, at: 0)
        setup.put(UInt32(1), at: 4)
        setup.put(UInt64(0x8000_5000), at: 16)
        setup.put(UInt16(1), at: 24)           // [1]: another domain
        setup.put(UInt32(1), at: 28)
        setup.put(UInt64(0x8000_5000), at: 40)
        let list = Buffer(8)
        XCTAssertEqual(perform(f, .setupTable, setup, count: 2, caller: 2, frameList: list).result, 0)
        XCTAssertEqual(setup.get(Int16.self, at: 8), 0)
        XCTAssertEqual(list.get(UInt64.self, at: 0), 0x8000E)
        XCTAssertEqual(setup.get(Int16.self, at: 32), GrantStatus.permissionDenied.rawValue)
        // A frame list the hypervisor cannot resolve.
        setup.put(UInt64(0x9000_0000), at: 16)
        XCTAssertEqual(perform(f, .setupTable, setup, count: 1, caller: 2, frameList: list).result, 0)
        XCTAssertEqual(setup.get(Int16.self, at: 8), GrantStatus.badVirtualAddress.rawValue)

        let query = Buffer(16)
        query.put(domainSelf, at: 0)
        XCTAssertEqual(perform(f, .querySize, query, count: 1, caller: 0).result, 0)
        XCTAssertEqual(query.get(UInt32.self, at: 4), 1)
        XCTAssertEqual(query.get(UInt32.self, at: 8), 1)
        XCTAssertEqual(query.get(Int16.self, at: 12), 0)
    }

    func testUnknownCommandsShortBuffersAndPreemption() throws {
        let f = try GrantFixture()
        let buffer = Buffer(16 * 16)
        XCTAssertEqual(f.grants.perform(command: 4, arguments: buffer.bytes, count: 1, caller: 0, stage2: &f.stage2[0]) { _, _ in nil }.result,
                       -XenError.notImplemented.rawValue)
        XCTAssertEqual(perform(f, .copy, Buffer(39), count: 1, caller: 0).result, -XenError.fault.rawValue)
        XCTAssertEqual(perform(f, .copy, Buffer(40 * 16 - 1), count: 17, caller: 0).result, -XenError.fault.rawValue)
        for i in 0..<16 { buffer.put(domainSelf, at: i * 16) }
        let outcome = perform(f, .querySize, buffer, count: 20, caller: 0)
        XCTAssertEqual(outcome, GrantOpOutcome(result: 0, done: 16, remaining: 4, invalidateTLB: false))
        XCTAssertEqual(buffer.get(UInt32.self, at: 15 * 16 + 8), 1)
        XCTAssertEqual(perform(f, .querySize, buffer, count: 0, caller: 0), GrantOpOutcome(result: 0, done: 0, remaining: 0, invalidateTLB: false))
    }

    func testGuestStructIsByteWiseAndBounded() {
        let buffer = Buffer(10)
        let s = GuestStruct(buffer.bytes, offset: 1)
        s.setU64(0, 0x0102_0304_0506_0708)
        XCTAssertEqual(buffer.bytes[1], 0x08)
        XCTAssertEqual(buffer.bytes[8], 0x01)
        XCTAssertEqual(s.u64(0), 0x0102_0304_0506_0708)
        XCTAssertEqual(s.u32(2), 0x0304_0506)
        // Past the end: reads as zero bytes, writes are dropped.
        s.setU32(8, 0xAABB_CCDD)
        XCTAssertEqual(buffer.bytes[9], 0xDD)
        XCTAssertEqual(s.u32(8), 0x0000_00DD)
    }
}
