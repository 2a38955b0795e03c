import HypervisorCore
import XCTest

/// Batches longer than one call's share (`operationsPerCall`), restarted the
/// way the hypervisor restarts them: every struct handled exactly once, in
/// order, every status written, whatever the count.
final class GrantBatchContinuationTests: XCTestCase {
    /// The hypervisor's restart loop over a guest buffer at guest address
    /// `base`: perform, advance r1 by `continuationAddress`, set r2 to the rest.
    private func runAsHypervisor(_ f: GrantFixture, command: GrantTableCommand, buffer: UnsafeMutableRawBufferPointer,
                                 count: UInt32, caller: Int) -> (result: Int32, calls: Int, done: UInt32) {
        let base: UInt32 = 0x1000_0000
        var address = base, remaining = count, calls = 0, done: UInt32 = 0
        while true {
            calls += 1
            let offset = Int(address - base)
            let share = GrantTables.argumentBytes(command: command.rawValue, count: remaining)!
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + share)])
            let outcome = f.grants.perform(command: command.rawValue, arguments: slice, count: remaining,
                                           caller: DomainID(caller), stage2: &f.stage2[caller]) { _, _ in nil }
            done += outcome.done
            guard outcome.remaining > 0 else { return (outcome.result, calls, done) }
            address = GrantTables.continuationAddress(command: command.rawValue, address: address, done: outcome.done)
            remaining = outcome.remaining
        }
    }

    func testCopyBatchesOfAnySizeDoEveryOperationOnceInOrder() throws {
        for count in [1, 15, 16, 17, 32, 40, 100] {
            let f = try GrantFixture()
            // Domain 0 grants its page 3 to domain 1; byte i of it is i * 7 + 1.
            let source = f.offset(domain: 0, gpa: UInt64(GrantFixture.guestRAM) + 3 * 4096)
            for i in 0..<4096 { f.memoryBytes[source + i] = UInt8(truncatingIfNeeded: i &* 7 &+ 1) }
            f.grant(8, by: 0, to: 1, page: 3)
            let destination = f.offset(domain: 1, gpa: UInt64(GrantFixture.guestRAM) + 6 * 4096)
            for i in 0..<4096 { f.memoryBytes[destination + i] = 0 }

            // Operation i copies 4 bytes from grant offset 40 * i to frame offset 4 * i;
            // every tenth names a bad reference, so its status must differ from its neighbours'.
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count * 40, alignment: 8)
            defer { buffer.deallocate() }
            buffer.initializeMemory(as: UInt8.self, repeating: 0x77)  // status 0x7777 = never written
            for i in 0..<count {
                let s = GuestStruct(buffer, offset: i * 40)
                s.setU64(0, i % 10 == 9 ? 600 : 8)
                s.setU16(8, 0)
                s.setU16(10, UInt16(40 * i))
                s.setU64(16, UInt64(GrantFixture.frame(page: 6)))
                s.setU16(24, domainSelf)
                s.setU16(26, UInt16(4 * i))
                s.setU16(32, 4)
                s.setU16(34, GrantCopyFlags.sourceGrantRef)
            }
            let run = runAsHypervisor(f, command: .copy, buffer: buffer, count: UInt32(count), caller: 1)
            XCTAssertEqual(run.result, 0, "count \(count)")
            XCTAssertEqual(run.done, UInt32(count), "count \(count)")
            XCTAssertEqual(run.calls, (count + 15) / 16, "count \(count)")
            for i in 0..<count {
                let status = GuestStruct(buffer, offset: i * 40).status(36)
                let bad = i % 10 == 9
                XCTAssertEqual(status, bad ? GrantStatus.badGrantRef.rawValue : 0, "count \(count), operation \(i)")
                for b in 0..<4 {
                    let expected: UInt8 = bad ? 0 : UInt8(truncatingIfNeeded: (40 * i + b) &* 7 &+ 1)
                    XCTAssertEqual(f.memoryBytes[destination + 4 * i + b], expected, "count \(count), operation \(i), byte \(b)")
                }
            }
            // Nothing past the last operation's bytes was touched.
            XCTAssertEqual(f.memoryBytes[destination + 4 * count], 0)
        }
    }

    func testContinuationStridesOneStructAndCountsAreXens() {
        XCTAssertEqual(GrantTables.continuationAddress(command: GrantTableCommand.copy.rawValue, address: 0x8000_1000, done: 16),
                       0x8000_1000 + 16 * 40)
        XCTAssertEqual(GrantTables.continuationAddress(command: GrantTableCommand.mapGrantRef.rawValue, address: 0x8000_1000, done: 3),
                       0x8000_1000 + 3 * 32)
        XCTAssertTrue(GrantTables.isValidCount(0x7FFF_FFFF))
        XCTAssertFalse(GrantTables.isValidCount(0x8000_0000))  // (int)count < 0: -EINVAL in Xen
    }
}
