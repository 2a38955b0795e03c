// Xen's console page (xen/include/public/io/console.h, struct
// xencons_interface), two byte streams in one page:
//
//   offset    0  in[1024]    back end -> guest (keyboard input)
//          1024  out[2048]   guest -> back end (console output)
//          3072  in_cons   3076  in_prod   3080  out_cons   3084  out_prod
//
// Each stream is a power-of-two byte ring with free-running UInt32 indices
// (MASK_XENCONS_IDX: index & (size - 1)). Design:
//
// - Each end keeps its own index privately (set from the page when it
//   attaches) and reads only the peer's index from the page, once per call.
//   The peer can change what is read or how much room there seems to be,
//   never which bytes of the page are touched: every offset is masked.
// - A peer index that makes `producer - consumer` exceed the stream's size is
//   not believed: the call moves nothing and reports a RingOverrun (a
//   producer that published more than the ring holds, or a consumer that
//   claims to have read bytes never written).
// - Order as in Xen's console drivers: a producer reads the consumer index,
//   full barrier (the consumer's reads of the freed bytes are done), writes
//   bytes, write barrier, publishes its index; a consumer reads the producer
//   index, read barrier, copies bytes, full barrier, publishes its index.
// - The console has no event thresholds: after a transfer that moved bytes,
//   notify the peer (event channel).

public struct ConsoleStream: Equatable, Sendable {
    public let dataOffset: Int
    /// Bytes in the stream: a power of two.
    public let size: UInt32
    public let consumerOffset: Int
    public let producerOffset: Int

    /// A stream of `size` bytes (a power of two) at `dataOffset`, with its
    /// consumer and producer indices at the given offsets of the page.
    public init(dataOffset: Int, size: UInt32, consumerOffset: Int, producerOffset: Int) {
        self.dataOffset = dataOffset
        self.size = size
        self.consumerOffset = consumerOffset
        self.producerOffset = producerOffset
    }

    /// `in`: the back end produces, the guest consumes.
    public static let input = ConsoleStream(dataOffset: 0, size: 1024, consumerOffset: 3072, producerOffset: 3076)
    /// `out`: the guest produces, the back end consumes.
    public static let output = ConsoleStream(dataOffset: 1024, size: 2048, consumerOffset: 3080, producerOffset: 3084)
    /// Bytes of the page the console interface uses.
    public static let interfaceSize = 3088
}

/// The outcome of moving bytes through a console stream.
public enum ConsoleTransfer: Equatable, Sendable {
    /// This many bytes moved (0: ring full, or nothing to read).
    case moved(Int)
    case overrun(RingOverrun)
}

/// The producing end of one console stream.
public struct ConsoleProducer<Barriers: RingBarriers> {
    public let memory: SharedMemory
    public let stream: ConsoleStream
    public let barriers: Barriers
    /// The producer index this side published last.
    public private(set) var producer: UInt32

    /// Attaches to the stream, taking up the producer index the page holds.
    public init(page: UnsafeMutableRawPointer, stream: ConsoleStream, barriers: Barriers) {
        memory = SharedMemory(page)
        self.stream = stream
        self.barriers = barriers
        producer = memory.load32(stream.producerOffset)
    }

    /// Bytes published that the consumer has not taken yet (as its index says now).
    public var unconsumed: UInt32 { producer &- memory.load32(stream.consumerOffset) }

    /// Copies as many of `bytes` as fit and publishes them.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) -> ConsoleTransfer {
        let consumer = memory.load32(stream.consumerOffset)
        guard let used = RingIndices.outstanding(producer: producer, consumer: consumer, limit: stream.size) else {
            return .overrun(RingOverrun(published: producer, consumer: consumer, limit: stream.size))
        }
        barriers.full()
        let count = min(Int(truncatingIfNeeded: stream.size &- used), bytes.count)
        guard count > 0 else { return .moved(0) }
        for index in 0..<count {
            let at = (producer &+ UInt32(truncatingIfNeeded: index)) & (stream.size &- 1)
            memory.store8(bytes[index], stream.dataOffset + Int(truncatingIfNeeded: at))
        }
        barriers.write()
        producer &+= UInt32(truncatingIfNeeded: count)
        memory.store32(producer, stream.producerOffset)
        return .moved(count)
    }
}

/// The consuming end of one console stream.
public struct ConsoleConsumer<Barriers: RingBarriers> {
    public let memory: SharedMemory
    public let stream: ConsoleStream
    public let barriers: Barriers
    /// The consumer index this side published last.
    public private(set) var consumer: UInt32

    /// Attaches to the stream, taking up the consumer index the page holds.
    public init(page: UnsafeMutableRawPointer, stream: ConsoleStream, barriers: Barriers) {
        memory = SharedMemory(page)
        self.stream = stream
        self.barriers = barriers
        consumer = memory.load32(stream.consumerOffset)
    }

    /// Copies up to `buffer.count` published bytes into `buffer`.
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> ConsoleTransfer {
        let producer = memory.load32(stream.producerOffset)
        guard let available = RingIndices.outstanding(producer: producer, consumer: consumer, limit: stream.size)
        else {
            return .overrun(RingOverrun(published: producer, consumer: consumer, limit: stream.size))
        }
        barriers.read()
        let count = min(Int(truncatingIfNeeded: available), buffer.count)
        guard count > 0 else { return .moved(0) }
        for index in 0..<count {
            let at = (consumer &+ UInt32(truncatingIfNeeded: index)) & (stream.size &- 1)
            buffer[index] = memory.load8(stream.dataOffset + Int(truncatingIfNeeded: at))
        }
        barriers.full()
        consumer &+= UInt32(truncatingIfNeeded: count)
        memory.store32(consumer, stream.consumerOffset)
        return .moved(count)
    }
}

/// The guest's end of the console page: writes `out`, reads `in`.
public struct ConsoleFrontend<Barriers: RingBarriers> {
    public var output: ConsoleProducer<Barriers>
    public var input: ConsoleConsumer<Barriers>

    public init(page: UnsafeMutableRawPointer, barriers: Barriers) {
        output = ConsoleProducer(page: page, stream: .output, barriers: barriers)
        input = ConsoleConsumer(page: page, stream: .input, barriers: barriers)
    }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) -> ConsoleTransfer { output.write(bytes) }
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> ConsoleTransfer { input.read(into: buffer) }
}

/// The back end's end of the console page: reads `out`, writes `in`.
public struct ConsoleBackend<Barriers: RingBarriers> {
    public var output: ConsoleConsumer<Barriers>
    public var input: ConsoleProducer<Barriers>

    public init(page: UnsafeMutableRawPointer, barriers: Barriers) {
        output = ConsoleConsumer(page: page, stream: .output, barriers: barriers)
        input = ConsoleProducer(page: page, stream: .input, barriers: barriers)
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> ConsoleTransfer { output.read(into: buffer) }
    public mutating func write(_ bytes: UnsafeRawBufferPointer) -> ConsoleTransfer { input.write(bytes) }
}
