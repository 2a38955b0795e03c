// Console input waiting for one VM (docs/CONSOLE.md, "Console input without a
// driver domain"): bytes the hypervisor took from UART0 for the focused VM,
// until its console_io read collects them. Fixed capacity; bytes that find
// the queue full are dropped and counted.

/// A first-in first-out queue of input bytes.
public struct ConsoleInputQueue {
    public static let capacity = 128

    var bytes = InlineArray<128, UInt8>(repeating: 0)
    var head = 0
    public private(set) var count = 0
    /// Bytes dropped because the queue was full.
    public private(set) var dropped: UInt32 = 0

    public init() {}

    /// Queues `byte`; false (and counted) when full.
    @discardableResult
    public mutating func push(_ byte: UInt8) -> Bool {
        guard count < ConsoleInputQueue.capacity else {
            dropped &+= 1
            return false
        }
        bytes[(head + count) % ConsoleInputQueue.capacity] = byte
        count += 1
        return true
    }

    /// Moves up to `buffer.count` bytes, oldest first, into `buffer`; returns how many.
    public mutating func pop(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let moved = min(count, buffer.count)
        for index in 0..<moved {
            buffer[index] = bytes[head]
            head = (head + 1) % ConsoleInputQueue.capacity
        }
        count -= moved
        return moved
    }
}
