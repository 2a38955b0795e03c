import XenRings
import TestSupport
import XCTest

/// Random interleavings of both ends' operations on one ring: entries are
/// never lost, doubled or reordered, the private indices match a model, and
/// a push notifies exactly when the other end is waiting (it found nothing at
/// its last final check and was not notified since).
final class RingPropertyTests: XCTestCase {
    private struct Model {
        var produced: UInt64 = 0          // requests written by the front end
        var published: UInt64 = 0         // requests published
        var consumed: UInt64 = 0          // requests the back end copied out
        var answered: UInt64 = 0          // responses written by the back end
        var answersPublished: UInt64 = 0
        var answersConsumed: UInt64 = 0
        var backWaiting = true            // SHARED_RING_INIT arms both event indices
        var frontWaiting = true
    }

    private func run(seed: UInt64, start: UInt32, steps: Int) throws {
        var generator = SplitMix64(seed: seed)
        let page = TestPage(size: eightSlotPageSize)
        let memory = page.memory
        for (offset, value) in [(0, start), (4, start &+ 1), (8, start), (12, start &+ 1)] {
            memory.store32(value, offset)
        }
        var front = try XCTUnwrap(TestFront(attaching: page.bytes, at: start, pageSize: page.size,
                                            barriers: NoRingBarriers()))
        var back = try XCTUnwrap(TestBack(attaching: page.bytes, at: start, pageSize: page.size,
                                          barriers: NoRingBarriers()))
        var model = Model()
        var pendingAnswers: [UInt64] = []   // requests consumed, not yet answered, in order
        for step in 0..<steps {
            let context = "seed \(seed) step \(step)"
            switch Int.random(in: 0..<8, using: &generator) {
            case 0:
                let fits = model.produced - model.answersConsumed < 8
                XCTAssertEqual(front.produce(TestEntry(sequence: model.produced, tag: 1)), fits, context)
                if fits { model.produced += 1 }
            case 1:
                let notify = front.push()
                XCTAssertEqual(notify, model.backWaiting && model.produced > model.published, context)
                if notify { model.backWaiting = false }
                model.published = model.produced
            case 2:
                switch back.consumeRequest() {
                case .entry(let entry):
                    XCTAssertEqual(entry, TestEntry(sequence: model.consumed, tag: 1), context)
                    pendingAnswers.append(entry.sequence)
                    model.consumed += 1
                case .empty: XCTAssertEqual(model.consumed, model.published, context)
                case .overrun(let overrun): XCTFail("\(context): \(overrun)")
                }
            case 3:
                if let next = pendingAnswers.first {
                    XCTAssertTrue(back.produce(TestEntry(sequence: next, tag: 2)), context)
                    pendingAnswers.removeFirst()
                    model.answered += 1
                } else {
                    XCTAssertFalse(back.produce(TestEntry(sequence: 0, tag: 2)), context)
                }
            case 4:
                let notify = back.push()
                XCTAssertEqual(notify, model.frontWaiting && model.answered > model.answersPublished, context)
                if notify { model.frontWaiting = false }
                model.answersPublished = model.answered
            case 5:
                switch front.consumeResponse() {
                case .entry(let entry):
                    XCTAssertEqual(entry, TestEntry(sequence: model.answersConsumed, tag: 2), context)
                    model.answersConsumed += 1
                case .empty: XCTAssertEqual(model.answersConsumed, model.answersPublished, context)
                case .overrun(let overrun): XCTFail("\(context): \(overrun)")
                }
            case 6:
                let pending = back.finalCheckForRequests()
                XCTAssertEqual(pending, .entries(UInt32(model.published - model.consumed)), context)
                if pending == .entries(0) { model.backWaiting = true }
            default:
                let pending = front.finalCheckForResponses()
                XCTAssertEqual(pending, .entries(UInt32(model.answersPublished - model.answersConsumed)), context)
                if pending == .entries(0) { model.frontWaiting = true }
            }
            XCTAssertEqual(front.requestProducer, start &+ UInt32(truncatingIfNeeded: model.produced), context)
            XCTAssertEqual(front.responseConsumer, start &+ UInt32(truncatingIfNeeded: model.answersConsumed), context)
            XCTAssertEqual(back.requestConsumer, start &+ UInt32(truncatingIfNeeded: model.consumed), context)
            XCTAssertEqual(back.responseProducer, start &+ UInt32(truncatingIfNeeded: model.answered), context)
            XCTAssertEqual(front.freeRequests, UInt32(8 - (model.produced - model.answersConsumed)), context)
        }
        XCTAssertGreaterThan(model.answersConsumed, UInt64(steps / 40), "seed \(seed): the ring went round")
    }

    func testRandomInterleavingsNeverLoseDuplicateOrReorder() throws {
        for seed: UInt64 in 1...20 { try run(seed: seed, start: 0, steps: 3000) }
    }

    func testRandomInterleavingsAcrossTheIndexWrap() throws {
        for seed: UInt64 in 21...30 { try run(seed: seed, start: UInt32.max - 400, steps: 3000) }
    }
}
