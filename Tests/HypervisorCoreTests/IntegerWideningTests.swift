import HypervisorCore
import XCTest

final class IntegerWideningTests: XCTestCase {
    func testWideningMatchesTheStandardConversions() {
        for value: UInt32 in [0, 1, 0x7FFF_FFFF, 0x8000_0000, .max] {
            XCTAssertEqual(UInt64(widening: value), UInt64(value))
        }
        for value: Int in [0, 1, -1, Int(Int32.max), Int(Int32.min), 123_456, -123_456] {
            XCTAssertEqual(Int64(widening: value), Int64(value))
            XCTAssertEqual(UInt64(clampingNonNegative: value), value < 0 ? 0 : UInt64(value))
        }
    }
}
