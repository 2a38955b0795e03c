import HypervisorCore
import XCTest

/// The per-VM queue of typed console input: first in, first out, bounded,
/// and what does not fit is dropped and counted.
final class ConsoleInputQueueTests: XCTestCase {
    private func pop(_ queue: inout ConsoleInputQueue, upTo count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let moved = out.withUnsafeMutableBytes { queue.pop(into: $0) }
        return Array(out[0..<moved])
    }

    func testFirstInFirstOutAcrossTheWrap() {
        var queue = ConsoleInputQueue()
        XCTAssertEqual(pop(&queue, upTo: 8), [])
        for round in 0..<5 {
            for byte in 0..<100 { XCTAssertTrue(queue.push(UInt8(truncatingIfNeeded: byte + round))) }
            XCTAssertEqual(pop(&queue, upTo: 30), (0..<30).map { UInt8(truncatingIfNeeded: $0 + round) })
            XCTAssertEqual(pop(&queue, upTo: 1000), (30..<100).map { UInt8(truncatingIfNeeded: $0 + round) })
        }
        XCTAssertEqual(queue.count, 0)
        XCTAssertEqual(queue.dropped, 0)
    }

    func testAFullQueueDropsAndCounts() {
        var queue = ConsoleInputQueue()
        for byte in 0..<(ConsoleInputQueue.capacity + 5) { queue.push(UInt8(truncatingIfNeeded: byte)) }
        XCTAssertEqual(queue.count, ConsoleInputQueue.capacity)
        XCTAssertEqual(queue.dropped, 5)
        XCTAssertEqual(pop(&queue, upTo: 1000), (0..<ConsoleInputQueue.capacity).map { UInt8(truncatingIfNeeded: $0) })
    }
}
