import XCTest
@testable import HypervisorCore

/// Reading PAR after ATS1CPR/ATS1CPW, splitting buffers into pages, the
/// runstate record and which storage holds a banked transfer register.
final class GuestVirtualAddressTests: XCTestCase {
    func testShortDescriptorPAR() {
        XCTAssertEqual(StageOneTranslation.address(par: 0x8123_4000, virtual: 0xC000_0ABC)?.value, 0x8123_4ABC)
        XCTAssertNil(StageOneTranslation.address(par: 0x0000_000D, virtual: 0xC000_0000), "F set: a fault")
        // Supersection: PA[31:24] from PAR, the rest of the 16 MiB from the VA; extended bits must be zero.
        XCTAssertEqual(StageOneTranslation.address(par: 0x8100_0002, virtual: 0xC012_3456)?.value, 0x8112_3456)
        XCTAssertNil(StageOneTranslation.address(par: 0x8101_0002, virtual: 0xC012_3456))
    }

    func testLongDescriptorPAR() {
        XCTAssertEqual(StageOneTranslation.address(par: 0x0000_0000_8765_4800, virtual: 0xC000_0123)?.value, 0x8765_4123)
        XCTAssertNil(StageOneTranslation.address(par: 0x0000_0001_0000_0800, virtual: 0), "above 4 GiB: no guest RAM")
        XCTAssertNil(StageOneTranslation.address(par: 0x0000_0000_0000_0801, virtual: 0))
    }

    func testBuffersSplitAtPageBoundaries() {
        XCTAssertEqual(StageOneTranslation.pieceCount(of: 0x1000, length: 0), 0)
        XCTAssertEqual(StageOneTranslation.pieceCount(of: 0x1FF0, length: 16), 1)
        XCTAssertEqual(StageOneTranslation.pieceCount(of: 0x1FF0, length: 17), 2)
        XCTAssertEqual(StageOneTranslation.pieceCount(of: 0x1FF0, length: 16 + 4096 + 1), 3)
        let first = StageOneTranslation.piece(0, of: 0x1FF0, length: 100)
        let second = StageOneTranslation.piece(1, of: 0x1FF0, length: 100)
        XCTAssertEqual(first.virtual, 0x1FF0); XCTAssertEqual(first.count, 16)
        XCTAssertEqual(second.virtual, 0x2000); XCTAssertEqual(second.count, 84)
    }

    func testRunstateChargesTimeToTheStateLeft() {
        var account = RunstateAccount(now: 100)
        account.enter(.running, at: 1_100)      // 1000 runnable
        account.enter(.blocked, at: 4_100)      // 3000 running
        account.enter(.runnable, at: 4_600)     // 500 blocked
        account.enter(.running, at: 4_500)      // time never runs backwards
        XCTAssertEqual(account.state, .running)
        XCTAssertEqual(account.times.0, 3000)
        XCTAssertEqual(account.times.1, 1000)
        XCTAssertEqual(account.times.2, 500)
        XCTAssertEqual(account.entryTime, 4_600)
        var bytes = [UInt8](repeating: 0xFF, count: RunstateAccount.size)
        bytes.withUnsafeMutableBytes { account.write(into: $0) }
        bytes.withUnsafeBytes { raw in
            XCTAssertEqual(raw.load(fromByteOffset: 0, as: Int32.self), 0)
            XCTAssertEqual(raw.load(fromByteOffset: 8, as: UInt64.self), 4_600)
            XCTAssertEqual(raw.load(fromByteOffset: 16, as: UInt64.self), 3000)
            XCTAssertEqual(raw.load(fromByteOffset: 24, as: UInt64.self), 1000)
            XCTAssertEqual(raw.load(fromByteOffset: 32, as: UInt64.self), 500)
            XCTAssertEqual(raw.load(fromByteOffset: 40, as: UInt64.self), 0)
        }
    }

    func testTransferRegistersByMode() {
        let svc = GuestRegisterBank.modeSupervisor, usr = GuestRegisterBank.modeUser
        XCTAssertEqual(GuestRegisterBank.slot(register: 3, mode: svc), .frame(3))
        XCTAssertEqual(GuestRegisterBank.slot(register: 14, mode: svc), .banked(2), "LR_svc")
        XCTAssertEqual(GuestRegisterBank.slot(register: 13, mode: svc), .banked(1), "SP_svc")
        XCTAssertEqual(GuestRegisterBank.slot(register: 14, mode: usr), .userLR)
        XCTAssertEqual(GuestRegisterBank.slot(register: 13, mode: GuestRegisterBank.modeSystem), .banked(0), "SP_usr")
        XCTAssertEqual(GuestRegisterBank.slot(register: 14, mode: GuestRegisterBank.modeIRQ), .banked(11))
        XCTAssertEqual(GuestRegisterBank.slot(register: 14, mode: GuestRegisterBank.modeAbort), .banked(5))
        XCTAssertEqual(GuestRegisterBank.slot(register: 13, mode: GuestRegisterBank.modeUndefined), .banked(7))
        XCTAssertEqual(GuestRegisterBank.slot(register: 9, mode: GuestRegisterBank.modeFIQ), .banked(14), "r9_fiq")
        XCTAssertEqual(GuestRegisterBank.slot(register: 14, mode: GuestRegisterBank.modeFIQ), .banked(19))
        XCTAssertNil(GuestRegisterBank.slot(register: 15, mode: svc), "PC is never replayed")
        XCTAssertNil(GuestRegisterBank.slot(register: 14, mode: 0x1A), "HYP is not a guest mode")
        // The SPSR's other bits do not matter.
        XCTAssertEqual(GuestRegisterBank.slot(register: 14, mode: 0x6000_01D3), .banked(2))
    }
}
