// A shared ring page: the header fields and the slots, addressed through a
// SharedRingLayout. Holds no state of its own; FrontRing and BackRing keep
// their private indices and use this for every access to the page.

public struct SharedRingPage {
    public let memory: SharedMemory
    public let layout: SharedRingLayout

    public init(memory: SharedMemory, layout: SharedRingLayout) {
        self.memory = memory
        self.layout = layout
    }

    public var requestProducer: UInt32 {
        get { memory.load32(SharedRingLayout.requestProducerOffset) }
        nonmutating set { memory.store32(newValue, SharedRingLayout.requestProducerOffset) }
    }

    public var requestEvent: UInt32 {
        get { memory.load32(SharedRingLayout.requestEventOffset) }
        nonmutating set { memory.store32(newValue, SharedRingLayout.requestEventOffset) }
    }

    public var responseProducer: UInt32 {
        get { memory.load32(SharedRingLayout.responseProducerOffset) }
        nonmutating set { memory.store32(newValue, SharedRingLayout.responseProducerOffset) }
    }

    public var responseEvent: UInt32 {
        get { memory.load32(SharedRingLayout.responseEventOffset) }
        nonmutating set { memory.store32(newValue, SharedRingLayout.responseEventOffset) }
    }

    /// The slot a free-running index names (masked: always inside the page).
    @inline(__always)
    public func slot(_ index: UInt32) -> SharedMemory { memory.advanced(by: layout.slotOffset(index)) }

    /// SHARED_RING_INIT: both producers at 0, both event thresholds at 1
    /// (notify on the first entry), padding zeroed.
    public func initialize() {
        requestProducer = 0
        responseProducer = 0
        requestEvent = 1
        responseEvent = 1
        memory.zero(16, count: SharedRingLayout.slotsOffset - 16)
    }
}
