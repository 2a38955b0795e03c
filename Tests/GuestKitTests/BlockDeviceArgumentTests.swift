import GuestKit
import HypervisorCore
import XCTest

final class BlockDeviceArgumentTests: XCTestCase {
    private func withArguments<T>(_ text: String, _ body: (BootArguments) throws -> T) rethrows -> T {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { try body(BootArguments($0)) }
    }

    func testFrontendArgumentsAreParsed() throws {
        let parsed = try withArguments("policy=edf blkif=0:0x803fb000:2:4096") { try BlockFrontendArguments.parse($0) }
        XCTAssertEqual(parsed, BlockFrontendArguments(backend: 0, ring: 0x803F_B000, port: 2, sectors: 4096))
        XCTAssertNil(try withArguments("policy=edf") { try BlockFrontendArguments.parse($0) })
    }

    func testMalformedFrontendArgumentsAreRefused() {
        for bad in ["blkif=", "blkif=0:0x803fb000:2", "blkif=0:0x803fb000:2:4096:9", "blkif=8:0x803fb000:2:4096",
                    "blkif=0:0x803fb100:2:4096", "blkif=0:803fb000:2:4096", "blkif=0:0x803fb000:0:4096",
                    "blkif=0:0x803fb000:2:0", "blkif=0:0x803fb000:2:99999999999", "blkif=0::2:4096"] {
            XCTAssertThrowsError(try withArguments(bad) { try BlockFrontendArguments.parse($0) }, bad) { error in
                XCTAssertEqual((error as? GuestArgumentError)?.problem, .malformed, bad)
            }
        }
    }

    func testBackendDiskListIsParsed() throws {
        let parsed = try withArguments("poll=2000 disks=1:0x30009000:3:0:2048,2:0x3000a000:4:2048:8192") {
            try BlockBackendArguments($0)
        }
        XCTAssertEqual(parsed.count, 2)
        XCTAssertEqual(parsed.disks[0], BlockBackendDisk(domain: 1, ring: 0x3000_9000, port: 3, firstSector: 0, sectorCount: 2048))
        XCTAssertEqual(parsed.disks[1], BlockBackendDisk(domain: 2, ring: 0x3000_A000, port: 4, firstSector: 2048, sectorCount: 8192))
        XCTAssertEqual(try withArguments("poll=2000") { try BlockBackendArguments($0) }.count, 0)
    }

    func testMalformedBackendListsAreRefused() {
        for bad in ["disks=1:0x30009000:3:0", "disks=1:0x30009000:3:0:2048,", "disks=1:0x30009000:3:0:0",
                    "disks=" + Array(repeating: "1:0x30009000:3:0:8", count: 8).joined(separator: ",")] {
            XCTAssertThrowsError(try withArguments(bad) { try BlockBackendArguments($0) }, bad)
        }
    }
}
