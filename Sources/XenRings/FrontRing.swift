// The front end's view of a shared ring (the guest driver side: blkfront,
// netfront). Design:
//
// - Private state, never read back from the page: `requestProducer`
//   (req_prod_pvt: requests written, published or not), `published` (the
//   req_prod this side last stored) and `responseConsumer` (rsp_cons). The back
//   end can scribble over the whole page; that can change what this side reads
//   as responses and whether it notifies, never which slot it touches.
// - Requests: `produce` writes a slot (refused when the ring is full:
//   requestProducer - responseConsumer == size); `push` publishes with a write
//   barrier first, then a full barrier and reads req_event to decide whether
//   to notify (RingIndices.needsNotification).
// - Responses: `consumeResponse` snapshots rsp_prod once per batch, refuses a
//   value claiming more responses than requests published (RingOverrun, the
//   page untouched), read barrier, then copies one response out per call.
// - `finalCheckForResponses` re-arms rsp_event = rsp_cons + 1 and looks again
//   after a full barrier, closing the race with a back end that pushed
//   responses just before the event threshold moved.

public struct FrontRing<Request: RingEntry, Response: RingEntry, Barriers: RingBarriers> {
    public let page: SharedRingPage
    public let barriers: Barriers
    /// req_prod_pvt: requests written into slots (published or not).
    public private(set) var requestProducer: UInt32 = 0
    /// The req_prod this side last published.
    public private(set) var published: UInt32 = 0
    /// rsp_cons: responses consumed.
    public private(set) var responseConsumer: UInt32 = 0
    /// The last rsp_prod read from the page that passed the bounds check.
    private var responsesSeen: UInt32 = 0

    /// Initialises the shared header (SHARED_RING_INIT) and this view
    /// (FRONT_RING_INIT). Nil if not one slot fits in `pageSize` bytes.
    public init?(initializing page: UnsafeMutableRawPointer, pageSize: Int = 4096, barriers: Barriers) {
        guard let layout = SharedRingLayout(pageSize: pageSize, request: Request.self, response: Response.self) else {
            return nil
        }
        self.page = SharedRingPage(memory: SharedMemory(page), layout: layout)
        self.barriers = barriers
        self.page.initialize()
    }

    /// FRONT_RING_ATTACH: takes up a ring already in use whose front end had
    /// published and consumed everything up to `index` (both private indices
    /// start there; the page is not written). Nil if not one slot fits.
    public init?(attaching page: UnsafeMutableRawPointer, at index: UInt32, pageSize: Int = 4096,
                 barriers: Barriers) {
        guard let layout = SharedRingLayout(pageSize: pageSize, request: Request.self, response: Response.self) else {
            return nil
        }
        self.page = SharedRingPage(memory: SharedMemory(page), layout: layout)
        self.barriers = barriers
        requestProducer = index
        published = index
        responseConsumer = index
        responsesSeen = index
    }

    public var size: UInt32 { page.layout.size }

    /// Slots free for new requests (RING_FREE_REQUESTS).
    public var freeRequests: UInt32 { size &- (requestProducer &- responseConsumer) }

    public var isFull: Bool { freeRequests == 0 }

    /// Writes a request into the next slot, unpublished. False if full.
    public mutating func produce(_ request: Request) -> Bool {
        guard !isFull else { return false }
        request.write(to: page.slot(requestProducer))
        requestProducer &+= 1
        return true
    }

    /// Publishes the requests produced so far; true when the back end asked
    /// to be notified (send the event channel).
    public mutating func push() -> Bool {
        let old = published
        let new = requestProducer
        barriers.write()
        page.requestProducer = new
        published = new
        barriers.full()
        return RingIndices.needsNotification(old: old, new: new, event: page.requestEvent)
    }

    /// Responses published and not yet consumed, re-reading rsp_prod.
    public mutating func unconsumedResponses() -> RingPending {
        let producer = page.responseProducer
        guard let count = RingIndices.outstanding(
            producer: producer, consumer: responseConsumer, limit: published &- responseConsumer)
        else {
            return .overrun(RingOverrun(published: producer, consumer: responseConsumer,
                                        limit: published &- responseConsumer))
        }
        barriers.read()
        responsesSeen = producer
        return .entries(count)
    }

    /// Copies out the next response, if one is published.
    public mutating func consumeResponse() -> RingRead<Response> {
        if responsesSeen == responseConsumer {
            switch unconsumedResponses() {
            case .overrun(let overrun): return .overrun(overrun)
            case .entries(let count): if count == 0 { return .empty }
            }
        }
        let response = Response(copyingFrom: page.slot(responseConsumer))
        responseConsumer &+= 1
        return .entry(response)
    }

    /// RING_FINAL_CHECK_FOR_RESPONSES: if nothing is pending, asks to be
    /// notified of the next response and looks once more.
    public mutating func finalCheckForResponses() -> RingPending {
        let first = unconsumedResponses()
        guard first == .entries(0) else { return first }
        page.responseEvent = responseConsumer &+ 1
        barriers.full()
        return unconsumedResponses()
    }
}
