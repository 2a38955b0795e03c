import XenRings
import XCTest

final class BlkifLayoutTests: XCTestCase {
    func testConstantsAreXens() {
        XCTAssertEqual(Blkif.operationRead, 0)
        XCTAssertEqual(Blkif.operationWrite, 1)
        XCTAssertEqual(Blkif.operationFlushDiskCache, 3)
        XCTAssertEqual(Blkif.responseOkay, 0)
        XCTAssertEqual(Blkif.responseError, -1)
        XCTAssertEqual(Blkif.responseNotSupported, -2)
        XCTAssertEqual(Blkif.maxSegmentsPerRequest, 11)
        XCTAssertEqual(BlkifRequest.wireSize, 112)
        XCTAssertEqual(BlkifResponse.wireSize, 16)
    }

    func testRequestFieldsLandAtTheirARMOffsets() {
        let page = TestPage(fill: 0xEE)
        var segments = InlineArray<11, BlkifSegment>(repeating: .zero)
        for k in 0..<11 { segments[k] = BlkifSegment(gref: 0xA0B0_C000 + UInt32(k), firstSector: UInt8(k), lastSector: 0x70 + UInt8(k)) }
        let request = BlkifRequest(operation: 0x01, segmentCount: 0x0B, handle: 0x5152, id: 0x1122_3344_5566_7788,
                                   sectorNumber: 0x99AA_BBCC_DDEE_FF00, segments: segments)
        request.write(to: page.memory)
        var expected = [UInt8](repeating: 0xEE, count: 112)
        expected[0] = 0x01
        expected[1] = 0x0B
        expected[2] = 0x52; expected[3] = 0x51
        // bytes 4...7: padding before the 8-byte aligned id, left alone
        for (k, byte) in [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11].enumerated() { expected[8 + k] = UInt8(byte) }
        for (k, byte) in [0x00, 0xFF, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA, 0x99].enumerated() { expected[16 + k] = UInt8(byte) }
        for k in 0..<11 {
            let base = 24 + 8 * k
            expected[base] = UInt8(k); expected[base + 1] = 0xC0; expected[base + 2] = 0xB0; expected[base + 3] = 0xA0
            expected[base + 4] = UInt8(k)
            expected[base + 5] = 0x70 + UInt8(k)
            // base + 6, + 7: segment tail padding
        }
        XCTAssertEqual((0..<112).map { page[$0] }, expected)
        XCTAssertEqual(page[112], 0xEE, "nothing written past the entry")
        XCTAssertEqual(BlkifRequest(copyingFrom: page.memory), request)
    }

    func testResponseFieldsLandAtTheirARMOffsets() {
        let page = TestPage(fill: 0xEE)
        let response = BlkifResponse(id: 0x0102_0304_0506_0708, operation: 0x03, status: -2)
        response.write(to: page.memory.advanced(by: 64))
        let bytes = (64..<80).map { page[$0] }
        XCTAssertEqual(bytes, [0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x03, 0xEE, 0xFE, 0xFF,
                               0xEE, 0xEE, 0xEE, 0xEE])
        XCTAssertEqual(BlkifResponse(copyingFrom: page.memory.advanced(by: 64)), response)
        XCTAssertEqual(page[63], 0xEE)
        XCTAssertEqual(page[80], 0xEE)
    }

    func testRequestEqualityLooksAtEverySegmentSlot() {
        let a = BlkifRequest(operation: 0, segmentCount: 1, handle: 0, id: 1, sectorNumber: 0)
        var b = a
        XCTAssertEqual(a, b)
        b.segments[10] = BlkifSegment(gref: 1, firstSector: 0, lastSector: 0)
        XCTAssertNotEqual(a, b, "a copy holds all 11 segment slots")
    }
}
