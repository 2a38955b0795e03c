// The index rules shared by both ends of a ring (Xen io/ring.h).
//
// Indices are free-running UInt32 counters: they only grow (wrapping at
// 2^32) and are masked by the power-of-two ring size to pick a slot, so
// `producer &- consumer` is the number of entries outstanding even across the
// wrap. A consumer never trusts the producer's published index: it checks the
// claimed count against what the protocol allows before touching any slot.

/// A producer published an index further ahead than it may be.
public struct RingOverrun: Equatable, Sendable {
    /// The index the peer published.
    public let published: UInt32
    /// This side's consumer index when it looked.
    public let consumer: UInt32
    /// The most entries the peer may have outstanding beyond `consumer`.
    public let limit: UInt32

    public init(published: UInt32, consumer: UInt32, limit: UInt32) {
        self.published = published
        self.consumer = consumer
        self.limit = limit
    }

    /// How many entries the peer claims (published - consumer, wrapping).
    public var claimed: UInt32 { published &- consumer }
}

/// What a consumer finds at the producer's published index.
public enum RingPending: Equatable, Sendable {
    /// This many entries are ready (0: none).
    case entries(UInt32)
    /// The producer claims more than it may; nothing was consumed.
    case overrun(RingOverrun)
}

/// The outcome of consuming one entry.
public enum RingRead<Entry> {
    /// The entry, copied out of the slot.
    case entry(Entry)
    /// Nothing published beyond what was consumed.
    case empty
    /// The producer claims more than it may; nothing was consumed.
    case overrun(RingOverrun)
}

extension RingRead: Equatable where Entry: Equatable {}

public enum RingIndices {
    /// Entries outstanding from `consumer` to `producer`, or nil when that
    /// exceeds `limit` (the producer's index is not believable).
    @inline(__always)
    public static func outstanding(producer: UInt32, consumer: UInt32, limit: UInt32) -> UInt32? {
        let count = producer &- consumer
        return count <= limit ? count : nil
    }

    /// Xen's notification rule (RING_PUSH_*_AND_CHECK_NOTIFY): after moving a
    /// producer index from `old` to `new`, notify the peer when its event
    /// index lies in (old, new], i.e. the peer asked to be woken once the
    /// producer passed `event - 1` and this push crossed that point.
    @inline(__always)
    public static func needsNotification(old: UInt32, new: UInt32, event: UInt32) -> Bool {
        (new &- event) < (new &- old)
    }
}
