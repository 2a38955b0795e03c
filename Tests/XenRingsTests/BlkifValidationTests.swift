import XenRings
import XCTest

final class BlkifValidationTests: XCTestCase {
    private func request(_ operation: UInt8, sector: UInt64 = 0, segments: [(UInt8, UInt8)],
                         count: UInt8? = nil) -> BlkifRequest {
        var slots = InlineArray<11, BlkifSegment>(repeating: .zero)
        for (k, (first, last)) in segments.enumerated() where k < 11 {
            slots[k] = BlkifSegment(gref: UInt32(100 + k), firstSector: first, lastSector: last)
        }
        return BlkifRequest(operation: operation, segmentCount: count ?? UInt8(segments.count), handle: 3, id: 0xABCD,
                            sectorNumber: sector, segments: slots)
    }

    private func refusal(_ request: BlkifRequest, capacity: UInt64 = 1 << 30) -> BlkifRefusal? {
        if case .refused(let refusal) = BlkifValidation(request, capacitySectors: capacity) { return refusal }
        return nil
    }

    private func valid(_ request: BlkifRequest, capacity: UInt64 = 1 << 30) -> ValidBlkifRequest? {
        if case .valid(let valid) = BlkifValidation(request, capacitySectors: capacity) { return valid }
        return nil
    }

    func testOnlyReadWriteAndFlushAreKnown() {
        for operation: UInt8 in [2, 4, 5, 6, 0x7F, 0xFF] {
            let refused = refusal(request(operation, segments: [(0, 7)]))
            XCTAssertEqual(refused, .unknownOperation(operation))
            XCTAssertEqual(refused?.status, Blkif.responseNotSupported)
        }
        XCTAssertEqual(valid(request(0, segments: [(0, 7)]))?.operation, .read)
        XCTAssertEqual(valid(request(1, segments: [(0, 7)]))?.operation, .write)
        XCTAssertEqual(valid(request(3, segments: []))?.operation, .flushDiskCache)
    }

    func testReadsAndWritesCarryOneToElevenSegments() {
        for operation: UInt8 in [0, 1] {
            XCTAssertEqual(refusal(request(operation, segments: [])), .segmentCount(0))
            XCTAssertEqual(refusal(request(operation, segments: [])).map(\.status), Blkif.responseError)
            XCTAssertNotNil(valid(request(operation, segments: [(0, 0)])))
            XCTAssertEqual(valid(request(operation, segments: Array(repeating: (0, 7), count: 11)))?.sectorCount, 88)
            XCTAssertEqual(refusal(request(operation, segments: Array(repeating: (0, 7), count: 11), count: 12)),
                           .segmentCount(12))
            XCTAssertEqual(refusal(request(operation, segments: [(0, 7)], count: 255)), .segmentCount(255))
        }
    }

    func testAFlushCarriesNoSegmentsAndIgnoresTheSector() {
        let flush = valid(request(3, sector: UInt64.max, segments: []), capacity: 0)
        XCTAssertEqual(flush?.sectorCount, 0)
        XCTAssertEqual(flush?.segmentCount, 0)
        XCTAssertEqual(refusal(request(3, segments: [(0, 7)])), .segmentCount(1))
    }

    func testEachSegmentStaysInsideItsPage() {
        XCTAssertEqual(refusal(request(0, segments: [(3, 2)])), .segmentSectors(index: 0, first: 3, last: 2))
        XCTAssertEqual(refusal(request(0, segments: [(0, 8)])), .segmentSectors(index: 0, first: 0, last: 8))
        XCTAssertEqual(refusal(request(1, segments: [(0, 7), (1, 1), (2, 3), (8, 9), (0, 0)])),
                       .segmentSectors(index: 3, first: 8, last: 9))
        XCTAssertEqual(refusal(request(1, segments: [(0, 7), (0xFF, 0xFF)])).map(\.status), Blkif.responseError)
        XCTAssertEqual(valid(request(0, segments: [(7, 7)]))?.sectorCount, 1)
        XCTAssertEqual(valid(request(0, segments: [(0, 7), (2, 3), (7, 7)]))?.sectorCount, 11)
    }

    func testSegmentsBeyondTheCountAreIgnored() {
        var garbage = request(0, segments: Array(repeating: (9, 2), count: 11), count: 2)
        garbage.segments[0] = BlkifSegment(gref: 1, firstSector: 0, lastSector: 3)
        garbage.segments[1] = BlkifSegment(gref: 2, firstSector: 4, lastSector: 7)
        XCTAssertEqual(valid(garbage)?.sectorCount, 8)
    }

    func testTheSectorRangeFitsTheDiskWithoutOverflow() {
        XCTAssertEqual(valid(request(0, sector: 92, segments: [(0, 7)]), capacity: 100)?.sectorNumber, 92,
                       "sectors 92...99 of 100")
        XCTAssertEqual(refusal(request(0, sector: 93, segments: [(0, 7)]), capacity: 100),
                       .beyondCapacity(sectorNumber: 93, sectors: 8, capacity: 100))
        XCTAssertEqual(refusal(request(1, sector: 0, segments: [(0, 7)]), capacity: 5),
                       .beyondCapacity(sectorNumber: 0, sectors: 8, capacity: 5))
        XCTAssertEqual(refusal(request(1, sector: 0, segments: [(0, 0)]), capacity: 0),
                       .beyondCapacity(sectorNumber: 0, sectors: 1, capacity: 0))
        XCTAssertEqual(refusal(request(0, sector: UInt64.max - 3, segments: [(0, 7)]), capacity: UInt64.max),
                       .beyondCapacity(sectorNumber: UInt64.max - 3, sectors: 8, capacity: UInt64.max))
        XCTAssertEqual(refusal(request(0, sector: 1 << 63, segments: [(0, 7)])).map(\.status), Blkif.responseError)
        XCTAssertNotNil(valid(request(0, sector: UInt64.max - 8, segments: [(0, 7)]), capacity: UInt64.max))
    }

    func testResponsesEchoIdAndOperation() {
        let read = request(0, sector: 8, segments: [(0, 7)])
        XCTAssertEqual(valid(read)?.response(status: Blkif.responseOkay),
                       BlkifResponse(id: 0xABCD, operation: 0, status: 0))
        let unknown = request(9, segments: [])
        XCTAssertEqual(unknown.response(status: refusal(unknown)!.status),
                       BlkifResponse(id: 0xABCD, operation: 9, status: -2))
    }
}
