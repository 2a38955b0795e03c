import XenRings
import TestSupport
import XCTest

final class RingMaliciousPeerTests: XCTestCase {
    private func readOfSector8() -> BlkifRequest {
        var segments = InlineArray<11, BlkifSegment>(repeating: .zero)
        segments[0] = BlkifSegment(gref: 12, firstSector: 0, lastSector: 7)
        return BlkifRequest(operation: Blkif.operationRead, segmentCount: 1, handle: 0, id: 77, sectorNumber: 8,
                            segments: segments)
    }

    func testTheCopiedRequestIsWhatIsValidatedAndServedWhateverTheSlotBecomes() throws {
        let page = TestPage()
        var front = try XCTUnwrap(BlkifFrontRing(initializing: page.bytes, barriers: NoRingBarriers()))
        var back = try XCTUnwrap(BlkifBackRing(attaching: page.bytes, barriers: NoRingBarriers()))
        XCTAssertTrue(front.produce(readOfSector8()))
        _ = front.push()
        guard case .entry(let copied) = back.consumeRequest() else { return XCTFail("no request") }
        guard case .valid(let valid) = BlkifValidation(copied, capacitySectors: 1 << 20) else {
            return XCTFail("a read of sector 8 is valid")
        }
        // The front end rewrites the published slot: a write of sector 2^63, 11 segments.
        var hostile = InlineArray<11, BlkifSegment>(repeating: BlkifSegment(gref: 0xDEAD, firstSector: 9, lastSector: 200))
        hostile[0] = BlkifSegment(gref: 1, firstSector: 0, lastSector: 7)
        BlkifRequest(operation: Blkif.operationWrite, segmentCount: 11, handle: 9, id: 78, sectorNumber: 1 << 63,
                     segments: hostile).write(to: page.memory.advanced(by: 64))
        XCTAssertEqual(BlkifRequest(copyingFrom: page.memory.advanced(by: 64)).sectorNumber, 1 << 63,
                       "the slot really changed")
        XCTAssertEqual(valid.operation, .read)
        XCTAssertEqual(valid.sectorNumber, 8)
        XCTAssertEqual(valid.sectorCount, 8)
        XCTAssertEqual(valid.segment(0), BlkifSegment(gref: 12, firstSector: 0, lastSector: 7))
        XCTAssertEqual(copied, readOfSector8())
        XCTAssertEqual(valid.response(status: Blkif.responseOkay), BlkifResponse(id: 77, operation: 0, status: 0))
        XCTAssertEqual(back.consumeRequest(), .empty, "one request was published, one was consumed")
    }

    func testARequestProducerFarAheadIsRefusedAndNothingIsConsumed() throws {
        let page = TestPage()
        var back = try XCTUnwrap(BlkifBackRing(attaching: page.bytes, barriers: NoRingBarriers()))
        for claimed: UInt32 in [33, 1000, 0x8000_0000, UInt32.max] {
            page.setLE32(claimed, 0)
            let overrun = RingOverrun(published: claimed, consumer: 0, limit: 32)
            XCTAssertEqual(back.unconsumedRequests(), .overrun(overrun))
            XCTAssertEqual(back.consumeRequest(), .overrun(overrun))
            XCTAssertEqual(back.finalCheckForRequests(), .overrun(overrun))
            XCTAssertEqual(back.requestConsumer, 0)
        }
        page.setLE32(32, 0)
        XCTAssertEqual(back.unconsumedRequests(), .entries(32), "a full ring is believable")
    }

    func testTheLimitShrinksByTheRequestsStillAwaitingResponses() throws {
        let page = TestPage(size: eightSlotPageSize)
        var back = try XCTUnwrap(TestBack(attaching: page.bytes, pageSize: page.size, barriers: NoRingBarriers()))
        page.setLE32(5, 0)
        for _ in 0..<5 { guard case .entry = back.consumeRequest() else { return XCTFail() } }
        XCTAssertTrue(back.produce(TestEntry(sequence: 0)))
        // 4 requests are consumed and unanswered: their slots are not free, so
        // the front end may be at most 8 - 4 = 4 ahead of req_cons.
        page.setLE32(10, 0)
        XCTAssertEqual(back.consumeRequest(), .overrun(RingOverrun(published: 10, consumer: 5, limit: 4)))
        page.setLE32(3, 0)
        XCTAssertEqual(back.consumeRequest(), .overrun(RingOverrun(published: 3, consumer: 5, limit: 4)),
                       "a producer index behind the consumer claims 2^32 - 2 entries")
        XCTAssertEqual(back.requestConsumer, 5)
        page.setLE32(9, 0)
        XCTAssertEqual(back.unconsumedRequests(), .entries(4))
        // The batch seen is consumed from the snapshot: rewriting req_prod now
        // changes nothing until the consumer catches up and looks again.
        page.setLE32(1000, 0)
        for _ in 0..<4 { guard case .entry = back.consumeRequest() else { return XCTFail() } }
        XCTAssertEqual(back.consumeRequest(), .overrun(RingOverrun(published: 1000, consumer: 9, limit: 0)),
                       "8 consumed and unanswered: the ring is full from the back end's side")
    }

    func testAResponseProducerAheadOfThePublishedRequestsIsRefused() throws {
        let page = TestPage(size: eightSlotPageSize)
        var front = try XCTUnwrap(TestFront(initializing: page.bytes, pageSize: page.size, barriers: NoRingBarriers()))
        for k in 0..<3 { _ = front.produce(TestEntry(sequence: UInt64(k))) }
        _ = front.push()
        _ = front.produce(TestEntry(sequence: 3))  // written, not published
        page.setLE32(4, 8)
        XCTAssertEqual(front.consumeResponse(), .overrun(RingOverrun(published: 4, consumer: 0, limit: 3)),
                       "a response to an unpublished request")
        page.setLE32(100, 8)
        XCTAssertEqual(front.finalCheckForResponses(), .overrun(RingOverrun(published: 100, consumer: 0, limit: 3)))
        page.setLE32(3, 8)
        XCTAssertEqual(front.unconsumedResponses(), .entries(3))
        XCTAssertEqual(front.responseConsumer, 0)
    }

    func testAPeerScribblingOverTheHeaderCannotMoveThePrivateIndices() throws {
        let page = TestPage(size: eightSlotPageSize)
        var front = try XCTUnwrap(TestFront(initializing: page.bytes, pageSize: page.size, barriers: NoRingBarriers()))
        var back = try XCTUnwrap(TestBack(attaching: page.bytes, pageSize: page.size, barriers: NoRingBarriers()))
        for k in 0..<2 { _ = front.produce(TestEntry(sequence: UInt64(k))) }
        _ = front.push()
        // The back end overwrites the front end's req_prod and both event indices.
        page.setLE32(0x7777_0000, 0)
        page.setLE32(0x1234_5678, 4)
        page.setLE32(0x9999_9999, 12)
        _ = front.produce(TestEntry(sequence: 2))
        XCTAssertFalse(front.push(), "req_event 0x12345678 is not in (2, 3]")
        XCTAssertEqual(page.le32(0), 3, "req_prod comes from the private index")
        XCTAssertEqual(front.freeRequests, 5)
        for k in 0..<3 { XCTAssertEqual(back.consumeRequest(), .entry(TestEntry(sequence: UInt64(k)))) }
        XCTAssertEqual(back.consumeRequest(), .empty)
    }

    func testGarbageSlotsAreCopiedAndJudgedNeverTrusted() throws {
        var generator = SplitMix64(seed: 0xB10C)
        let page = TestPage()
        var back = try XCTUnwrap(BlkifBackRing(attaching: page.bytes, barriers: NoRingBarriers()))
        var outcomes: [String: Int] = [:]
        let capacity: UInt64 = 1 << 21
        for round in 0..<400 {
            // The front end fills every slot with random bytes, biased so that some
            // requests look plausible, and publishes a full ring.
            for offset in 64..<4096 { page[offset] = UInt8.random(in: 0...255, using: &generator) }
            for slot in 0..<32 {
                let base = 64 + slot * 112
                if Bool.random(using: &generator) { page[base] = UInt8.random(in: 0...4, using: &generator) }
                if Bool.random(using: &generator) { page[base + 1] = UInt8.random(in: 0...12, using: &generator) }
                if Bool.random(using: &generator) {
                    page.setLE32(UInt32.random(in: 0...(1 << 21), using: &generator), base + 16)
                    page.setLE32(0, base + 20)
                }
                if Bool.random(using: &generator) {
                    for segment in 0..<11 {
                        page[base + 28 + 8 * segment] &= 7
                        page[base + 29 + 8 * segment] &= 7
                    }
                }
            }
            page.setLE32(UInt32(round + 1) * 32, 0)
            for _ in 0..<32 {
                guard case .entry(let request) = back.consumeRequest() else { return XCTFail("ring was full") }
                switch BlkifValidation(request, capacitySectors: capacity) {
                case .valid(let valid):
                    outcomes["valid", default: 0] += 1
                    XCTAssertTrue(valid.operation == .flushDiskCache ? valid.segmentCount == 0
                                                                     : (1...11).contains(valid.segmentCount))
                    var sectors: UInt64 = 0
                    for index in 0..<valid.segmentCount {
                        let segment = valid.segment(index)
                        XCTAssertLessThanOrEqual(segment.firstSector, segment.lastSector)
                        XCTAssertLessThanOrEqual(segment.lastSector, 7)
                        sectors += UInt64(segment.lastSector - segment.firstSector) + 1
                    }
                    XCTAssertEqual(sectors, valid.sectorCount)
                    if valid.operation != .flushDiskCache {
                        XCTAssertLessThanOrEqual(valid.sectorNumber + sectors, capacity)
                    }
                    _ = back.produce(valid.response(status: Blkif.responseOkay))
                case .refused(let refusal):
                    outcomes["\(refusal)".prefix(while: { $0 != "(" }).description, default: 0] += 1
                    _ = back.produce(request.response(status: refusal.status))
                }
            }
            _ = back.push()
        }
        XCTAssertEqual(outcomes.values.reduce(0, +), 400 * 32)
        for outcome in ["valid", "unknownOperation", "segmentCount", "segmentSectors", "beyondCapacity"] {
            XCTAssertGreaterThan(outcomes[outcome, default: 0], 0, "\(outcome) seen: \(outcomes)")
        }
    }
}
