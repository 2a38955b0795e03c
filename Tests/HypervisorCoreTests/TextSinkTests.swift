import HypervisorCore
import TestSupport
import XCTest

final class TextSinkTests: XCTestCase {
    private func render(_ body: (inout ByteBuffer) -> Void) -> String {
        var sink = ByteBuffer()
        body(&sink)
        return sink.text
    }

    func testDecimal() {
        XCTAssertEqual(render { $0.write(decimal: UInt64(0)) }, "0")
        XCTAssertEqual(render { $0.write(decimal: UInt64(62_500_000)) }, "62500000")
        XCTAssertEqual(render { $0.write(decimal: UInt64.max) }, "18446744073709551615")
        XCTAssertEqual(render { $0.write(decimal: UInt32.max) }, "4294967295")
    }

    func testSignedDecimal() {
        XCTAssertEqual(render { $0.write(signed: -38) }, "-38")
        XCTAssertEqual(render { $0.write(signed: Int64.min) }, "-9223372036854775808")
        XCTAssertEqual(render { $0.write(signed: 7) }, "7")
    }

    func testHexPadsToTheRequestedWidth() {
        XCTAssertEqual(render { $0.write(hex: UInt32(0x414F_C0F0)) }, "0x414fc0f0")
        XCTAssertEqual(render { $0.write(hex: UInt32(0)) }, "0x00000000")
        XCTAssertEqual(render { $0.write(hex: UInt64(0x25), digits: 2) }, "0x25")
        XCTAssertEqual(render { $0.write(hex: UInt64.max, digits: 16) }, "0xffffffffffffffff")
        XCTAssertEqual(render { $0.write(hex: UInt64(0x1_0000_0000), digits: 8) }, "0x00000000", "truncates to width")
        XCTAssertEqual(render { $0.write(hex: UInt64(0xABC), digits: 0) }, "0xc", "width clamps to 1")
        XCTAssertEqual(render { $0.write(hex: UInt64(0xABC), digits: 40) }, "0x0000000000000abc", "clamps to 16")
    }

    func testFieldsAreIndentedLines() {
        XCTAssertEqual(render { $0.field("HSR", hex: 0x9781_0045) }, "  HSR: 0x97810045\n")
        XCTAssertEqual(render { $0.field("GIC list registers", decimal: 4) }, "  GIC list registers: 4\n")
    }

    func testStaticTextAndNewline() {
        XCTAssertEqual(render { $0.write("Apus"); $0.newline() }, "Apus\n")
    }
}
