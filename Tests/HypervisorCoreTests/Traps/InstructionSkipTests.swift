import HypervisorCore
import XCTest

final class InstructionSkipTests: XCTestCase {
    private let il32: UInt32 = 1 << 25  // HSR.IL: 32-bit instruction

    func testStepsByTheTrappedInstructionsLength() {
        XCTAssertEqual(stepPastTrappedInstruction(pc: 0x8000_0100, cpsr: 0x13, syndrome: il32).pc, 0x8000_0104)
        XCTAssertEqual(stepPastTrappedInstruction(pc: 0x8000_0100, cpsr: 0x33, syndrome: 0).pc, 0x8000_0102, "16-bit Thumb")
    }

    /// IT state in CPSR: IT[1:0] at bits 26:25, IT[7:2] at bits 15:10.
    private func cpsr(thumb: Bool, it: UInt32) -> UInt32 {
        (thumb ? 1 << 5 : 0) | 0x13 | ((it & 0xFC) << 8) | ((it & 0x3) << 25)
    }

    private func itState(_ cpsr: UInt32) -> UInt32 { ((cpsr >> 8) & 0xFC) | ((cpsr >> 25) & 0x3) }

    func testAdvancesTheITStateInsideABlock() {
        // ITTE EQ: firstcond 0000, mask 0110 -> IT = 0000_0110.
        var state = cpsr(thumb: true, it: 0b0000_0110)
        state = advancingITState(state)
        XCTAssertEqual(itState(state), 0b0000_1100, "IT[4:0] shifted left")
        state = advancingITState(state)
        XCTAssertEqual(itState(state), 0b0001_1000)
        state = advancingITState(state)
        XCTAssertEqual(itState(state), 0, "the block ended: IT[2:0] was 000")
        XCTAssertEqual(state & 0x3F, 0x33, "mode and T bit untouched")
    }

    func testLeavesTheITStateAloneOutsideABlockOrInARMState() {
        XCTAssertEqual(advancingITState(0x6000_0013), 0x6000_0013)
        let arm = cpsr(thumb: false, it: 0b0000_0110)
        XCTAssertEqual(advancingITState(arm), arm, "no IT state in ARM state")
    }

    func testConditionCodes() {
        let z: UInt32 = 1 << 30, c: UInt32 = 1 << 29, n: UInt32 = 1 << 31, v: UInt32 = 1 << 28
        XCTAssertTrue(conditionPasses(0x0, cpsr: z))       // EQ
        XCTAssertFalse(conditionPasses(0x0, cpsr: 0))
        XCTAssertTrue(conditionPasses(0x1, cpsr: 0))       // NE
        XCTAssertTrue(conditionPasses(0x8, cpsr: c))       // HI: C and not Z
        XCTAssertFalse(conditionPasses(0x8, cpsr: c | z))
        XCTAssertTrue(conditionPasses(0xA, cpsr: n | v))   // GE: N == V
        XCTAssertFalse(conditionPasses(0xA, cpsr: n))
        XCTAssertTrue(conditionPasses(0xB, cpsr: v))       // LT
        XCTAssertTrue(conditionPasses(0xC, cpsr: 0))       // GT: not Z and N == V
        XCTAssertFalse(conditionPasses(0xC, cpsr: z))
        XCTAssertTrue(conditionPasses(0xD, cpsr: z))       // LE
        XCTAssertTrue(conditionPasses(0xE, cpsr: 0))       // AL
    }

    func testTrappedConditionUsesTheSyndromesCondField() {
        let cvEQ: UInt32 = (1 << 24) | (0x0 << 20)
        XCTAssertFalse(trappedInstructionConditionPassed(syndrome: cvEQ, cpsr: 0), "EQ with Z clear fails")
        XCTAssertTrue(trappedInstructionConditionPassed(syndrome: cvEQ, cpsr: 1 << 30))
        XCTAssertTrue(trappedInstructionConditionPassed(syndrome: 0x0 << 20, cpsr: 0), "CV clear: unconditional")
    }
}
