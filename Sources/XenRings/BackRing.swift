// The back end's view of a shared ring (the driver domain or hypervisor side:
// blkback, netback). Design:
//
// - Private state, never read back from the page: `requestConsumer`
//   (req_cons), `responseProducer` (rsp_prod_pvt) and `published` (the rsp_prod
//   this side last stored).
// - Requests are copied out of the slot into a local value before anything
//   looks at them (`consumeRequest` returns the copy): the front end may
//   rewrite a slot after publishing it, and what is validated must be what is
//   served. Validate the returned value, never the slot.
// - The front end's req_prod is believed only up to `size - (requestConsumer -
//   responseProducer)` entries beyond requestConsumer: a conforming front end
//   cannot have more outstanding, because slots holding requests not yet
//   answered are not free. A larger claim is reported as a RingOverrun and
//   nothing is consumed; the caller decides (Linux blkback: disconnect).
// - Responses: `produce` writes a slot only for a request already consumed
//   (responseProducer < requestConsumer); `push` publishes with a write barrier
//   first, then a full barrier and reads rsp_event to decide on notifying.
// - `finalCheckForRequests` re-arms req_event = req_cons + 1 and looks again.

public struct BackRing<Request: RingEntry, Response: RingEntry, Barriers: RingBarriers> {
    public let page: SharedRingPage
    public let barriers: Barriers
    /// req_cons: requests copied out.
    public private(set) var requestConsumer: UInt32 = 0
    /// rsp_prod_pvt: responses written into slots (published or not).
    public private(set) var responseProducer: UInt32 = 0
    /// The rsp_prod this side last published.
    public private(set) var published: UInt32 = 0
    /// The last req_prod read from the page that passed the bounds check.
    private var requestsSeen: UInt32 = 0

    /// Attaches to a ring the front end initialised: BACK_RING_INIT for
    /// `index` 0, BACK_RING_ATTACH otherwise (every request before `index` was
    /// consumed and answered). Nil if not one slot fits in `pageSize` bytes.
    public init?(attaching page: UnsafeMutableRawPointer, at index: UInt32 = 0, pageSize: Int = 4096,
                 barriers: Barriers) {
        guard let layout = SharedRingLayout(pageSize: pageSize, request: Request.self, response: Response.self) else {
            return nil
        }
        self.page = SharedRingPage(memory: SharedMemory(page), layout: layout)
        self.barriers = barriers
        requestConsumer = index
        responseProducer = index
        published = index
        requestsSeen = index
    }

    public var size: UInt32 { page.layout.size }

    /// Requests consumed that still wait for a response.
    public var awaitingResponse: UInt32 { requestConsumer &- responseProducer }

    /// The most requests the front end may have outstanding beyond req_cons.
    private var requestLimit: UInt32 { size &- awaitingResponse }

    /// Requests published and not yet consumed, re-reading req_prod.
    public mutating func unconsumedRequests() -> RingPending {
        let producer = page.requestProducer
        guard let count = RingIndices.outstanding(producer: producer, consumer: requestConsumer, limit: requestLimit)
        else {
            return .overrun(RingOverrun(published: producer, consumer: requestConsumer, limit: requestLimit))
        }
        barriers.read()
        requestsSeen = producer
        return .entries(count)
    }

    /// Copies out the next request, if one is published. The value returned
    /// is the one to validate and serve.
    public mutating func consumeRequest() -> RingRead<Request> {
        if requestsSeen == requestConsumer {
            switch unconsumedRequests() {
            case .overrun(let overrun): return .overrun(overrun)
            case .entries(let count): if count == 0 { return .empty }
            }
        }
        let request = Request(copyingFrom: page.slot(requestConsumer))
        requestConsumer &+= 1
        return .entry(request)
    }

    /// Writes a response into the next slot, unpublished. False if no
    /// consumed request is waiting for one.
    public mutating func produce(_ response: Response) -> Bool {
        guard awaitingResponse > 0 else { return false }
        response.write(to: page.slot(responseProducer))
        responseProducer &+= 1
        return true
    }

    /// Publishes the responses produced so far; true when the front end
    /// asked to be notified (send the event channel).
    public mutating func push() -> Bool {
        let old = published
        let new = responseProducer
        barriers.write()
        page.responseProducer = new
        published = new
        barriers.full()
        return RingIndices.needsNotification(old: old, new: new, event: page.responseEvent)
    }

    /// RING_FINAL_CHECK_FOR_REQUESTS: if nothing is pending, asks to be
    /// notified of the next request and looks once more.
    public mutating func finalCheckForRequests() -> RingPending {
        let first = unconsumedRequests()
        guard first == .entries(0) else { return first }
        page.requestEvent = requestConsumer &+ 1
        barriers.full()
        return unconsumedRequests()
    }
}
