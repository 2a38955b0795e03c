import XenRings
import XCTest

final class BlkifTransferTests: XCTestCase {
    private func valid(_ operation: UInt8, sector: UInt64, segments: [(UInt8, UInt8)],
                       capacity: UInt64 = 4096) -> ValidBlkifRequest? {
        var slots = InlineArray<11, BlkifSegment>(repeating: .zero)
        for (k, (first, last)) in segments.enumerated() {
            slots[k] = BlkifSegment(gref: UInt32(8 + k), firstSector: first, lastSector: last)
        }
        let request = BlkifRequest(operation: operation, segmentCount: UInt8(segments.count), handle: 0, id: 7,
                                   sectorNumber: sector, segments: slots)
        if case .valid(let valid) = BlkifValidation(request, capacitySectors: capacity) { return valid }
        return nil
    }

    func testWholePagesPackBackToBackFromTheSliceStart() throws {
        let request = try XCTUnwrap(valid(1, sector: 16, segments: [(0, 7), (0, 7), (0, 7)]))
        let transfer = BlkifTransfer(request, sliceStart: 2048)
        XCTAssertEqual(transfer.diskSector, 2064)
        XCTAssertEqual(transfer.sectors, 24)
        XCTAssertEqual(transfer.byteCount, 3 * 4096)
        XCTAssertEqual((0..<3).map(transfer.copy), [
            BlkifSegmentCopy(gref: 8, pageOffset: 0, bufferOffset: 0, length: 4096),
            BlkifSegmentCopy(gref: 9, pageOffset: 0, bufferOffset: 4096, length: 4096),
            BlkifSegmentCopy(gref: 10, pageOffset: 0, bufferOffset: 8192, length: 4096),
        ])
    }

    func testPartialSegmentsUseTheirSectorsOfThePage() throws {
        let request = try XCTUnwrap(valid(0, sector: 0, segments: [(3, 7), (0, 0), (7, 7)]))
        let transfer = BlkifTransfer(request, sliceStart: 0)
        XCTAssertEqual(transfer.sectors, 7)
        XCTAssertEqual((0..<3).map(transfer.copy), [
            BlkifSegmentCopy(gref: 8, pageOffset: 1536, bufferOffset: 0, length: 2560),
            BlkifSegmentCopy(gref: 9, pageOffset: 0, bufferOffset: 2560, length: 512),
            BlkifSegmentCopy(gref: 10, pageOffset: 3584, bufferOffset: 3072, length: 512),
        ])
    }

    /// Whatever valid request a front end sends, the copies stay inside the
    /// bounce buffer and the page, add up to the disk transfer, and the disk
    /// transfer stays inside the front end's slice.
    func testEveryValidRequestStaysInsideItsBufferPageAndSlice() {
        var generator = SystemRandomNumberGenerator()
        let sliceStart: UInt64 = 10_000, capacity: UInt64 = 300
        for _ in 0..<5000 {
            let count = Int.random(in: 1...11, using: &generator)
            let segments = (0..<count).map { _ -> (UInt8, UInt8) in
                let first = UInt8.random(in: 0...7, using: &generator)
                return (first, UInt8.random(in: first...7, using: &generator))
            }
            let sector = UInt64.random(in: 0...capacity, using: &generator)
            guard let request = valid(UInt8.random(in: 0...1, using: &generator), sector: sector,
                                      segments: segments, capacity: capacity) else { continue }
            let transfer = BlkifTransfer(request, sliceStart: sliceStart)
            XCTAssertGreaterThanOrEqual(transfer.diskSector, sliceStart)
            XCTAssertLessThanOrEqual(transfer.diskSector + transfer.sectors, sliceStart + capacity)
            XCTAssertLessThanOrEqual(transfer.byteCount, BlkifTransfer.maximumBytes)
            var total = 0
            for index in 0..<transfer.segmentCount {
                let copy = transfer.copy(index)
                XCTAssertEqual(copy.bufferOffset, total)
                XCTAssertLessThanOrEqual(copy.pageOffset + copy.length, 4096)
                XCTAssertEqual(copy.length % 512, 0)
                total += copy.length
            }
            XCTAssertEqual(total, transfer.byteCount)
        }
    }
}
