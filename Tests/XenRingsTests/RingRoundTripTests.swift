import XenRings
import XCTest

final class RingRoundTripTests: XCTestCase {
    private func pair(_ page: TestPage, at index: UInt32? = nil) throws -> (TestFront, TestBack) {
        if let index {
            let memory = page.memory
            memory.store32(index, 0)
            memory.store32(index &+ 1, 4)
            memory.store32(index, 8)
            memory.store32(index &+ 1, 12)
            return (try XCTUnwrap(TestFront(attaching: page.bytes, at: index, pageSize: page.size,
                                            barriers: NoRingBarriers())),
                    try XCTUnwrap(TestBack(attaching: page.bytes, at: index, pageSize: page.size,
                                           barriers: NoRingBarriers())))
        }
        return (try XCTUnwrap(TestFront(initializing: page.bytes, pageSize: page.size, barriers: NoRingBarriers())),
                try XCTUnwrap(TestBack(attaching: page.bytes, pageSize: page.size, barriers: NoRingBarriers())))
    }

    /// Sends `total` requests through the ring in batches of `batch`, each
    /// answered with sequence + 1_000_000; checks order and contents both ways.
    private func roundTrip(front: inout TestFront, back: inout TestBack, total: UInt64, batch: Int) {
        var nextRequest: UInt64 = 0
        var expectedRequest: UInt64 = 0
        var expectedResponse: UInt64 = 0
        while expectedResponse < total {
            var produced = 0
            while produced < batch, nextRequest < total, front.produce(TestEntry(sequence: nextRequest, tag: 7)) {
                nextRequest += 1
                produced += 1
            }
            _ = front.push()
            while case .entry(let request) = back.consumeRequest() {
                XCTAssertEqual(request, TestEntry(sequence: expectedRequest, tag: 7))
                expectedRequest += 1
                XCTAssertTrue(back.produce(TestEntry(sequence: request.sequence + 1_000_000, tag: 9)))
            }
            _ = back.push()
            while case .entry(let response) = front.consumeResponse() {
                XCTAssertEqual(response, TestEntry(sequence: expectedResponse + 1_000_000, tag: 9))
                expectedResponse += 1
            }
        }
        XCTAssertEqual(expectedRequest, total)
        XCTAssertEqual(front.consumeResponse(), .empty)
        XCTAssertEqual(back.consumeRequest(), .empty)
    }

    func testRequestsAndResponsesRoundTripInOrderOverManyWraps() throws {
        let page = TestPage(size: eightSlotPageSize)
        var (front, back) = try pair(page)
        XCTAssertEqual(front.size, 8)
        for batch in [1, 3, 8] { roundTrip(front: &front, back: &back, total: 200, batch: batch) }
        XCTAssertEqual(front.requestProducer, 600)
        XCTAssertEqual(back.requestConsumer, 600)
        XCTAssertEqual(page.le32(0), 600, "req_prod")
        XCTAssertEqual(page.le32(8), 600, "rsp_prod")
    }

    func testBlkifRingRoundTripsOverManyWraps() throws {
        let page = TestPage()
        var front = try XCTUnwrap(BlkifFrontRing(initializing: page.bytes, barriers: NoRingBarriers()))
        var back = try XCTUnwrap(BlkifBackRing(attaching: page.bytes, barriers: NoRingBarriers()))
        var answered: UInt64 = 0
        for round in 0..<40 {
            for k in 0..<Int(front.freeRequests) {
                let id = UInt64(round * 100 + k)
                var segments = InlineArray<11, BlkifSegment>(repeating: .zero)
                segments[10] = BlkifSegment(gref: UInt32(k), firstSector: 1, lastSector: 6)
                XCTAssertTrue(front.produce(BlkifRequest(operation: 1, segmentCount: 11, handle: 0x51, id: id,
                                                         sectorNumber: id << 3, segments: segments)))
            }
            XCTAssertTrue(front.isFull)
            XCTAssertFalse(front.produce(BlkifRequest(operation: 0, segmentCount: 1, handle: 0, id: 0, sectorNumber: 0)))
            _ = front.push()
            var k = 0
            while case .entry(let request) = back.consumeRequest() {
                XCTAssertEqual(request.id, UInt64(round * 100 + k))
                XCTAssertEqual(request.sectorNumber, request.id << 3)
                XCTAssertEqual(request.segments[10], BlkifSegment(gref: UInt32(k), firstSector: 1, lastSector: 6))
                XCTAssertTrue(back.produce(request.response(status: -1)))
                k += 1
            }
            XCTAssertEqual(k, 32)
            _ = back.push()
            while case .entry(let response) = front.consumeResponse() {
                XCTAssertEqual(response, BlkifResponse(id: UInt64(round * 100) + answered % 32, operation: 1, status: -1))
                answered += 1
            }
        }
        XCTAssertEqual(answered, 40 * 32)
    }

    func testIndicesWrapPastTwoToTheThirtySecond() throws {
        let page = TestPage(size: eightSlotPageSize)
        var (front, back) = try pair(page, at: UInt32.max - 20)
        roundTrip(front: &front, back: &back, total: 100, batch: 5)
        XCTAssertEqual(front.requestProducer, 79, "UInt32.max - 20 + 100 wraps to 79")
        XCTAssertEqual(back.responseProducer, 79)
    }

    func testFullRingRefusesRequestsAndBackEndAnswersOnlyConsumedOnes() throws {
        let page = TestPage(size: eightSlotPageSize)
        var (front, back) = try pair(page)
        XCTAssertFalse(back.produce(TestEntry(sequence: 1)), "no request consumed yet")
        for k in 0..<8 { XCTAssertTrue(front.produce(TestEntry(sequence: UInt64(k)))) }
        XCTAssertEqual(front.freeRequests, 0)
        XCTAssertFalse(front.produce(TestEntry(sequence: 8)))
        XCTAssertEqual(back.consumeRequest(), .empty, "nothing pushed yet")
        _ = front.push()
        XCTAssertEqual(back.consumeRequest(), .entry(TestEntry(sequence: 0)))
        XCTAssertEqual(back.awaitingResponse, 1)
        XCTAssertTrue(back.produce(TestEntry(sequence: 100)))
        XCTAssertFalse(back.produce(TestEntry(sequence: 101)), "only one request was consumed")
        _ = back.push()
        XCTAssertEqual(front.freeRequests, 0, "a response frees a slot only once consumed")
        XCTAssertEqual(front.consumeResponse(), .entry(TestEntry(sequence: 100)))
        XCTAssertEqual(front.freeRequests, 1)
        XCTAssertTrue(front.produce(TestEntry(sequence: 8)))
    }

    func testFinalChecksReArmTheEventIndexAndSeeLateEntries() throws {
        let page = TestPage(size: eightSlotPageSize)
        var (front, back) = try pair(page)
        for k in 0..<3 { _ = front.produce(TestEntry(sequence: UInt64(k))) }
        _ = front.push()
        XCTAssertEqual(back.finalCheckForRequests(), .entries(3), "work pending: req_event untouched")
        XCTAssertEqual(page.le32(4), 1)
        for _ in 0..<3 { _ = back.consumeRequest() }
        XCTAssertEqual(back.finalCheckForRequests(), .entries(0))
        XCTAssertEqual(page.le32(4), 4, "req_event = req_cons + 1")
        for _ in 0..<3 { _ = back.produce(TestEntry(sequence: 9)) }
        _ = back.push()
        XCTAssertEqual(front.finalCheckForResponses(), .entries(3))
        XCTAssertEqual(page.le32(12), 1)
        for _ in 0..<3 { _ = front.consumeResponse() }
        XCTAssertEqual(front.finalCheckForResponses(), .entries(0))
        XCTAssertEqual(page.le32(12), 4, "rsp_event = rsp_cons + 1")
    }
}
