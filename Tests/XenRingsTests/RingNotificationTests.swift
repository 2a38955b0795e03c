import XenRings
import XCTest

final class RingNotificationTests: XCTestCase {
    func testNotifyExactlyWhenTheEventIndexLiesInThePushedRange() {
        // (old, new, event, notify): notify iff event is in (old, new], modulo 2^32.
        let cases: [(UInt32, UInt32, UInt32, Bool)] = [
            (0, 1, 1, true),    // the consumer waits for entry 0 (event 1): first push wakes it
            (1, 2, 1, false),   // already woken for entry 0, not re-armed
            (0, 4, 3, true),    // event inside the batch
            (0, 4, 4, true),    // event at the new end
            (0, 4, 5, false),   // event beyond the batch
            (5, 8, 5, false),   // event at old: that entry was published by an earlier push
            (5, 5, 6, false),   // an empty push never notifies
            (5, 5, 5, false),
            (UInt32.max - 1, 2, 0, true),            // range crosses 2^32
            (UInt32.max - 1, 2, UInt32.max, true),
            (UInt32.max - 1, 2, UInt32.max - 1, false),
            (UInt32.max - 1, 2, 3, false),
        ]
        for (old, new, event, notify) in cases {
            XCTAssertEqual(RingIndices.needsNotification(old: old, new: new, event: event), notify,
                           "old \(old) new \(new) event \(event)")
        }
    }

    func testFrontEndNotifiesAnIdleBackEndOnceUntilItReArms() throws {
        let page = TestPage(size: eightSlotPageSize)
        var front = try XCTUnwrap(TestFront(initializing: page.bytes, pageSize: page.size, barriers: NoRingBarriers()))
        var back = try XCTUnwrap(TestBack(attaching: page.bytes, pageSize: page.size, barriers: NoRingBarriers()))
        XCTAssertFalse(front.push(), "nothing to publish")
        for k in 0..<3 { _ = front.produce(TestEntry(sequence: UInt64(k))) }
        XCTAssertTrue(front.push(), "req_event 1 lies in (0, 3]")
        _ = front.produce(TestEntry(sequence: 3))
        XCTAssertFalse(front.push(), "back end busy (req_event still 1)")
        _ = back.consumeRequest()
        _ = back.consumeRequest()
        XCTAssertEqual(back.finalCheckForRequests(), .entries(2), "still work: stays awake, no re-arm")
        _ = front.produce(TestEntry(sequence: 4))
        XCTAssertFalse(front.push())
        for _ in 0..<3 { _ = back.consumeRequest() }
        XCTAssertEqual(back.finalCheckForRequests(), .entries(0))
        XCTAssertEqual(page.le32(4), 6)
        _ = front.produce(TestEntry(sequence: 5))
        _ = front.produce(TestEntry(sequence: 6))
        XCTAssertTrue(front.push(), "req_event 6 lies in (5, 7]")
    }

    func testBackEndNotifiesTheFrontEndOnlyWhenItAskedForResponses() throws {
        let page = TestPage(size: eightSlotPageSize)
        var front = try XCTUnwrap(TestFront(initializing: page.bytes, pageSize: page.size, barriers: NoRingBarriers()))
        var back = try XCTUnwrap(TestBack(attaching: page.bytes, pageSize: page.size, barriers: NoRingBarriers()))
        for k in 0..<4 { _ = front.produce(TestEntry(sequence: UInt64(k))) }
        _ = front.push()
        for _ in 0..<4 { _ = back.consumeRequest() }
        _ = back.produce(TestEntry(sequence: 0))
        XCTAssertTrue(back.push(), "rsp_event starts at 1")
        _ = back.produce(TestEntry(sequence: 1))
        XCTAssertFalse(back.push(), "front end has not consumed and re-armed")
        XCTAssertEqual(front.finalCheckForResponses(), .entries(2))
        _ = front.consumeResponse()
        _ = front.consumeResponse()
        XCTAssertEqual(front.finalCheckForResponses(), .entries(0))
        XCTAssertEqual(page.le32(12), 3)
        _ = back.produce(TestEntry(sequence: 2))
        _ = back.produce(TestEntry(sequence: 3))
        XCTAssertTrue(back.push())
    }

    /// Records each barrier with what the peer could see at that moment.
    private final class Recorder: RingBarriers {
        var events: [(kind: String, requestProducer: UInt32, slot0: UInt64)] = []
        var page: UnsafeMutableRawPointer?
        var onRead: (() -> Void)?
        private func note(_ kind: String) {
            guard let page else { return }
            let memory = SharedMemory(page)
            events.append((kind, memory.load32(0), memory.load64(64)))
        }
        func write() { note("write") }
        func read() {
            note("read")
            onRead?()
        }
        func full() { note("full") }
    }

    func testEntriesAreWrittenBeforeTheIndexAndTheEventIsReadAfterIt() throws {
        let page = TestPage(size: eightSlotPageSize)
        let recorder = Recorder()
        var front = try XCTUnwrap(FrontRing<TestEntry, TestEntry, Recorder>(
            initializing: page.bytes, pageSize: page.size, barriers: recorder))
        recorder.page = page.bytes
        _ = front.produce(TestEntry(sequence: 0xFEED))
        _ = front.push()
        // At the write barrier the entry is in its slot and req_prod still 0;
        // at the full barrier (before req_event is read) req_prod is 1.
        XCTAssertEqual(recorder.events.map { "\($0.kind) \($0.requestProducer) \(String($0.slot0, radix: 16))" },
                       ["write 0 feed", "full 1 feed"])

        recorder.events = []
        var back = try XCTUnwrap(BackRing<TestEntry, TestEntry, Recorder>(
            attaching: page.bytes, pageSize: page.size, barriers: recorder))
        // The slot changes at the read barrier: the copy must be taken after it.
        recorder.onRead = { TestEntry(sequence: 0xBEEF).write(to: SharedMemory(page.bytes).advanced(by: 64)) }
        XCTAssertEqual(back.consumeRequest(), .entry(TestEntry(sequence: 0xBEEF)))
        XCTAssertEqual(recorder.events.map { "\($0.kind) \($0.requestProducer)" }, ["read 1"])
    }
}
