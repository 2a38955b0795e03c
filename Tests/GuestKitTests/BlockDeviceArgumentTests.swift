import GuestKit
import HypervisorCore
import XCTest

final class BlockDeviceArgumentTests: XCTestCase {
    private func withArguments<T>(_ text: String, _ body: (BootArguments) throws -> T) rethrows -> T {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { try body(BootArguments($0)) }
    }

    func testBackendDiskListIsParsed() throws {
        let parsed = try withArguments("poll=2000 disks=1:0:2048,2:2048:8192") { try BlockBackendArguments($0) }
        XCTAssertEqual(parsed.count, 2)
        XCTAssertEqual(parsed.disks[0], BlockBackendDisk(domain: 1, firstSector: 0, sectorCount: 2048))
        XCTAssertEqual(parsed.disks[1], BlockBackendDisk(domain: 2, firstSector: 2048, sectorCount: 8192))
        XCTAssertEqual(try withArguments("poll=2000") { try BlockBackendArguments($0) }.count, 0)
    }

    func testMalformedBackendListsAreRefused() {
        for bad in ["disks=1:0", "disks=1:0:2048,", "disks=1:0:0", "disks=8:0:8", "disks=1:0:2048:5",
                    "disks=1:0x0:8", "disks=1::8", "disks=1:0:99999999999",
                    "disks=" + Array(repeating: "1:0:8", count: 8).joined(separator: ",")] {
            XCTAssertThrowsError(try withArguments(bad) { try BlockBackendArguments($0) }, bad)
        }
    }
}
