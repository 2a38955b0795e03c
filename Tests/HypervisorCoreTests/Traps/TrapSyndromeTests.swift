import HypervisorCore
import XCTest

/// The typed views of each syndrome the hypervisor handles, checked against
/// encodings assembled field by field from the ARM ARM (B3.13.6).
final class TrapSyndromeTests: XCTestCase {
    // MARK: Data aborts

    /// HSR of a data abort from a guest: ISV, SAS, SSE, SRT, WnR, DFSC (translation fault, level 3).
    private func dataAbort(valid: Bool = true, size: UInt32, signExtend: Bool = false, register: UInt32, write: Bool) -> UInt32 {
        (0x24 << 26) | (1 << 25) | (valid ? 1 << 24 : 0) | (size << 22) | (signExtend ? 1 << 21 : 0)
            | (register << 16) | (write ? 1 << 6 : 0) | 0x7
    }

    func testDataAbortFields() {
        let load = DataAbortSyndrome(syndrome: dataAbort(size: 1, signExtend: true, register: 7, write: false),
                                     address: GuestPhysicalAddress(UInt32(0x2C00_1100)))
        XCTAssertTrue(load.isValid)
        XCTAssertEqual(load.width, .halfword)
        XCTAssertFalse(load.isDoubleword)
        XCTAssertTrue(load.signExtends)
        XCTAssertEqual(load.register, 7)
        XCTAssertFalse(load.isWrite)
        let store = DataAbortSyndrome(syndrome: dataAbort(size: 2, register: 12, write: true), address: GuestPhysicalAddress(UInt32(0)))
        XCTAssertEqual(store.width, .word)
        XCTAssertFalse(store.signExtends)
        XCTAssertEqual(store.register, 12)
        XCTAssertTrue(store.isWrite)
        XCTAssertEqual(DataAbortSyndrome(syndrome: dataAbort(size: 0, register: 0, write: false), address: GuestPhysicalAddress(UInt32(0))).width, .byte)
        let double = DataAbortSyndrome(syndrome: dataAbort(size: 3, register: 0, write: false), address: GuestPhysicalAddress(UInt32(0)))
        XCTAssertTrue(double.isDoubleword)
        XCTAssertFalse(DataAbortSyndrome(syndrome: dataAbort(valid: false, size: 2, register: 3, write: true), address: GuestPhysicalAddress(UInt32(0))).isValid)
    }

    func testDataAbortAddressFromHPFARAndHDFAR() {
        // IPA 0x1C13_0674, guest virtual 0xC013_0674: HPFAR holds IPA[39:12] in bits [31:4].
        let access = DataAbortSyndrome(syndrome: dataAbort(size: 2, register: 0, write: false), hpfar: 0x1C13_0 << 4, hdfar: 0xC013_0674)
        XCTAssertEqual(access.address, GuestPhysicalAddress(UInt32(0x1C13_0674)))
        XCTAssertEqual(access.virtualAddress, 0xC013_0674)
        XCTAssertEqual(DataAbortSyndrome(syndrome: 0, hpfar: 0xFFFF_FFFF, hdfar: 0).address, GuestPhysicalAddress(UInt32(0xFFFF_F000)),
                       "HPFAR[3:0] is reserved")
    }

    func testLoadsAreZeroOrSignExtended() {
        func load(_ size: UInt32, sign: Bool) -> DataAbortSyndrome {
            DataAbortSyndrome(syndrome: dataAbort(size: size, signExtend: sign, register: 0, write: false), address: GuestPhysicalAddress(UInt32(0)))
        }
        XCTAssertEqual(load(0, sign: false).loaded(0xFFFF_FF80), 0x80)
        XCTAssertEqual(load(0, sign: true).loaded(0x80), 0xFFFF_FF80)
        XCTAssertEqual(load(0, sign: true).loaded(0x7F), 0x7F)
        XCTAssertEqual(load(1, sign: false).loaded(0x1234_8001), 0x8001)
        XCTAssertEqual(load(1, sign: true).loaded(0x8001), 0xFFFF_8001)
        XCTAssertEqual(load(2, sign: true).loaded(0x8000_0000), 0x8000_0000)
    }

    // MARK: CP15

    /// HSR of a trapped MCR/MRC: CV/COND, Opc2, Opc1, CRn, Rt, CRm, Direction.
    private func mcr(opc1: UInt32, crn: UInt32, crm: UInt32, opc2: UInt32, rt: UInt32, read: Bool, cond: UInt32 = 0xE) -> UInt32 {
        (0x03 << 26) | (1 << 25) | (1 << 24) | (cond << 20) | (opc2 << 17) | (opc1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | (read ? 1 : 0)
    }

    func testCP15AccessFields() {
        let access = CP15Access(syndrome: mcr(opc1: 5, crn: 13, crm: 9, opc2: 6, rt: 11, read: true))
        XCTAssertEqual(access.opc1, 5)
        XCTAssertEqual(access.crn, 13)
        XCTAssertEqual(access.crm, 9)
        XCTAssertEqual(access.opc2, 6)
        XCTAssertEqual(access.rt, 11)
        XCTAssertTrue(access.isRead)
        XCTAssertFalse(CP15Access(syndrome: mcr(opc1: 0, crn: 1, crm: 0, opc2: 1, rt: 0, read: false)).isRead)
    }

    func testEmulatedCP15Registers() {
        // mrc p15, 0, r3, c1, c0, 1 (ACTLR); mcr p15, 0, r0, c7, c6/c10/c14, 2 (set/way).
        XCTAssertEqual(CP15Access(syndrome: mcr(opc1: 0, crn: 1, crm: 0, opc2: 1, rt: 3, read: true)).emulated, .actlr)
        XCTAssertEqual(CP15Access(syndrome: mcr(opc1: 0, crn: 1, crm: 0, opc2: 1, rt: 3, read: false)).emulated, .actlr)
        XCTAssertEqual(CP15Access(syndrome: mcr(opc1: 0, crn: 7, crm: 6, opc2: 2, rt: 0, read: false)).emulated, .dcisw)
        XCTAssertEqual(CP15Access(syndrome: mcr(opc1: 0, crn: 7, crm: 10, opc2: 2, rt: 0, read: false)).emulated, .dccsw)
        XCTAssertEqual(CP15Access(syndrome: mcr(opc1: 0, crn: 7, crm: 14, opc2: 2, rt: 0, read: false)).emulated, .dccisw)
        // SCTLR is not trapped; an implementation-defined c15 register is, and is not emulated.
        XCTAssertNil(CP15Access(syndrome: mcr(opc1: 0, crn: 1, crm: 0, opc2: 0, rt: 0, read: true)).emulated)
        XCTAssertNil(CP15Access(syndrome: mcr(opc1: 4, crn: 15, crm: 0, opc2: 0, rt: 0, read: true)).emulated)
        XCTAssertNil(CP15Access(syndrome: mcr(opc1: 0, crn: 1, crm: 0, opc2: 1, rt: 13, read: true)).emulated, "SP is not transferred")
        XCTAssertNil(CP15Access(syndrome: mcr(opc1: 0, crn: 1, crm: 0, opc2: 1, rt: 15, read: true)).emulated)
    }

    func testCP15DoubleAccessFields() {
        // mrrc p15, 1, r2, r9, c14 (CNTVCT): Opc1 [19:16], Rt2 [13:10], Rt [8:5], CRm [4:1], Direction.
        let access = CP15DoubleAccess(syndrome: (0x04 << 26) | (1 << 25) | (1 << 16) | (9 << 10) | (2 << 5) | (14 << 1) | 1)
        XCTAssertEqual(access.opc1, 1)
        XCTAssertEqual(access.rt2, 9)
        XCTAssertEqual(access.rt, 2)
        XCTAssertEqual(access.crm, 14)
        XCTAssertTrue(access.isRead)
    }

    // MARK: WFI/WFE, HVC, conditions

    func testWaitAndHypervisorCall() {
        XCTAssertFalse(WaitSyndrome(syndrome: (0x01 << 26) | (1 << 25) | (0xE << 20)).isWFE)
        XCTAssertTrue(WaitSyndrome(syndrome: (0x01 << 26) | (1 << 25) | (0xE << 20) | 1).isWFE)
        XCTAssertEqual(HypervisorCallSyndrome(syndrome: 0x4A00_0EA1).immediate, 0xEA1)
        XCTAssertEqual(HypervisorCallSyndrome(syndrome: 0x4A00_0000).immediate, 0)
        XCTAssertEqual(HypervisorCallSyndrome(syndrome: 0x4A00_FFFF).immediate, 0xFFFF)
    }

    func testClassesWithAConditionField() {
        for ec: ExceptionClass in [.wfiOrWfe, .cp15Mcr, .cp15Mcrr, .cp14Mcr, .cp14Ldc, .floatingPointAccess, .cp10Vmrs, .cp14Mrrc, .smc] {
            XCTAssertTrue(ec.hasConditionField, "\(ec)")
        }
        for ec: ExceptionClass in [.unknown, .hvc, .dataAbortFromGuest, .prefetchAbortFromGuest, .dataAbortInHyp, .svcFromHyp] {
            XCTAssertFalse(ec.hasConditionField, "\(ec)")
        }
    }
}
