import HypervisorCore
import XCTest

final class ExceptionClassTests: XCTestCase {
    func testDecodesTheClassFromTheTopSixBits() {
        XCTAssertEqual(ExceptionClass(syndrome: 0x9781_0045), .dataAbortInHyp)
        XCTAssertEqual(ExceptionClass(syndrome: 0x4A00_0EA1), .hvc, "HVC #0xEA1 (Xen's hypercall)")
        XCTAssertEqual(ExceptionClass(syndrome: 0x0000_0000), .unknown)
        XCTAssertEqual(ExceptionClass(syndrome: 0x0400_0000), .wfiOrWfe)
        XCTAssertEqual(ExceptionClass(syndrome: 0x9000_0000), .dataAbortFromGuest)
    }

    func testUndefinedClassesAreNil() {
        XCTAssertNil(ExceptionClass(syndrome: 0x3F << 26))
        XCTAssertNil(ExceptionClass(syndrome: 0x02 << 26))
    }

    func testEveryClassHasAName() {
        for raw in 0...0x3F {
            guard let ec = ExceptionClass(rawValue: UInt8(raw)) else { continue }
            XCTAssertFalse(ec.name.description.isEmpty, "EC \(raw)")
            XCTAssertEqual(ExceptionClass(syndrome: UInt32(raw) << 26), ec)
        }
        XCTAssertEqual(ExceptionClass.dataAbortInHyp.name.description, "data abort in HYP mode")
    }

    func testFaultAddressRegisters() {
        XCTAssertTrue(ExceptionClass.dataAbortFromGuest.reportsDataAddress)
        XCTAssertFalse(ExceptionClass.dataAbortFromGuest.reportsInstructionAddress)
        XCTAssertTrue(ExceptionClass.prefetchAbortInHyp.reportsInstructionAddress)
        XCTAssertFalse(ExceptionClass.hvc.reportsDataAddress)
    }

    func testModeNames() {
        XCTAssertEqual(processorModeName(0x6000_01DA).description, "HYP")
        XCTAssertEqual(processorModeName(0x13).description, "SVC")
        XCTAssertEqual(processorModeName(0x10).description, "USR")
        XCTAssertEqual(processorModeName(0x05).description, "invalid")
    }

    func testSwiftTrapEncodingIsUdf65006() {
        // UDF (A1): cond=1110 0111 1111 imm12 1111 imm4, imm16 = 0xFDEE = 65006.
        let imm16 = ((swiftTrapInstruction >> 4) & 0xFFF0) | (swiftTrapInstruction & 0xF)
        XCTAssertEqual(imm16, 65006)
        XCTAssertEqual(swiftTrapInstruction & 0xFFF0_00F0, 0xE7F0_00F0)
    }
}
