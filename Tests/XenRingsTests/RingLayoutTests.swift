import XenRings
import TestSupport
import XCTest

final class RingLayoutTests: XCTestCase {
    func testRoundsDownToAPowerOfTwoLikeXensRD32() {
        let cases: [(UInt32, UInt32)] = [
            (0, 0), (1, 1), (2, 2), (3, 2), (36, 32), (63, 32), (64, 64), (1008, 512),
            (0x8000_0001, 0x8000_0000), (UInt32.max, 0x8000_0000),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(SharedRingLayout.roundDownToPowerOfTwo(value), expected, "\(value)")
        }
    }

    func testBlkifRingHolds32SlotsOf112BytesAfterA64ByteHeader() throws {
        let layout = try XCTUnwrap(SharedRingLayout(pageSize: 4096, request: BlkifRequest.self,
                                                    response: BlkifResponse.self))
        XCTAssertEqual(layout.slotSize, 112)
        XCTAssertEqual(layout.size, 32)
        XCTAssertEqual(layout.slotOffset(0), 64)
        XCTAssertEqual(layout.slotOffset(1), 176)
        XCTAssertEqual(layout.slotOffset(31), 64 + 31 * 112)
        XCTAssertEqual(layout.slotOffset(32), 64, "indices are masked by the ring size")
        XCTAssertEqual(layout.slotOffset(UInt32.max), 64 + 31 * 112)
    }

    func testSlotIsTheCUnionOfTheTwoEntries() throws {
        // union { 12 bytes align 4; 8 bytes align 8 } is 16 bytes.
        let layout = try XCTUnwrap(SharedRingLayout(pageSize: 4096, requestSize: 12, requestAlignment: 4,
                                                    responseSize: 8, responseAlignment: 8))
        XCTAssertEqual(layout.slotSize, 16)
        XCTAssertEqual(layout.size, 128, "(4096 - 64) / 16 = 252, rounded down")
        let words = try XCTUnwrap(SharedRingLayout(pageSize: 4096, requestSize: 4, requestAlignment: 4,
                                                   responseSize: 4, responseAlignment: 4))
        XCTAssertEqual(words.size, 512, "(4096 - 64) / 4 = 1008 rounds down to 512")
    }

    func testRefusesAPageWithoutRoomForOneSlot() {
        XCTAssertNil(SharedRingLayout(pageSize: 64, request: BlkifRequest.self, response: BlkifResponse.self))
        XCTAssertNil(SharedRingLayout(pageSize: 64 + 111, request: BlkifRequest.self, response: BlkifResponse.self))
        XCTAssertEqual(SharedRingLayout(pageSize: 64 + 112, request: BlkifRequest.self,
                                        response: BlkifResponse.self)?.size, 1)
        XCTAssertNil(SharedRingLayout(pageSize: 4096, requestSize: 0, requestAlignment: 4,
                                      responseSize: 4, responseAlignment: 4))
        XCTAssertNil(TestFront(initializing: TestPage().bytes, pageSize: 79, barriers: NoRingBarriers()))
    }

    func testEverySlotOfEveryIndexLiesInsideThePage() throws {
        var generator = SplitMix64(seed: 5)
        for (size, alignment) in [(112, 8), (16, 8), (4, 4), (12, 4), (2000, 8)] {
            let layout = try XCTUnwrap(SharedRingLayout(pageSize: 4096, requestSize: size, requestAlignment: alignment,
                                                        responseSize: 16, responseAlignment: 8))
            for _ in 0..<2000 {
                let index = UInt32.random(in: 0...UInt32.max, using: &generator)
                let offset = layout.slotOffset(index)
                XCTAssertGreaterThanOrEqual(offset, 64)
                XCTAssertLessThanOrEqual(offset + layout.slotSize, 4096)
            }
        }
    }

    func testFrontEndInitialisesTheHeaderAndLeavesTheSlots() {
        let page = TestPage(fill: 0xAA)
        _ = BlkifFrontRing(initializing: page.bytes, barriers: NoRingBarriers())
        XCTAssertEqual(page.le32(0), 0, "req_prod")
        XCTAssertEqual(page.le32(4), 1, "req_event")
        XCTAssertEqual(page.le32(8), 0, "rsp_prod")
        XCTAssertEqual(page.le32(12), 1, "rsp_event")
        for offset in 16..<64 { XCTAssertEqual(page[offset], 0, "padding byte \(offset)") }
        for offset in 64..<4096 { XCTAssertEqual(page[offset], 0xAA, "slot byte \(offset)") }
    }
}
