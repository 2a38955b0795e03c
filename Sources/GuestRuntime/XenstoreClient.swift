import GuestSupport
import HypervisorCore
import XenRings
import Xenstore

/// Ring barriers for this guest's xenstore page (the driver domain reads it concurrently).
struct GuestPageBarriers: RingBarriers {
    @inline(__always) func write() { g_dsb() }
    @inline(__always) func read() { g_dsb() }
    @inline(__always) func full() { g_dsb() }
}

/// One message being built (header and payload) and one read back.
nonisolated(unsafe) var xenstoreRequestStorage = InlineArray<4112, UInt8>(repeating: 0)
nonisolated(unsafe) var xenstoreReplyStorage = InlineArray<4112, UInt8>(repeating: 0)

/// What came back for one request.
public enum XenstoreAnswer: Equatable {
    /// A reply of this type; its payload is `XenstoreClient.replyPayload`.
    case reply(type: UInt32)
    /// Nothing within the deadline.
    case timedOut
    /// The server set the page's `error` field: the connection is gone.
    case dropped(reason: UInt32)
}

/// A xenstore client on this guest's own ring (found with hvm_op get_param
/// STORE_PFN/STORE_EVTCHN; docs/XENSTORE.md): Xen's wire protocol, one
/// request at a time, waiting in WFI for the server's event (never spinning).
/// It writes the bytes it is given, so a hostile guest can also send what no
/// well-behaved client would (headers whose length lies, unknown types).
/// Watch events that arrive while it waits for a reply are counted (`events`)
/// and skipped. Before `open`, the guest starts `EventWaiting`.
public struct XenstoreClient {
    static let ownDomain: UInt16 = 0x7FF0  // DOMID_SELF
    /// How long one request waits for its reply.
    public var patience = TimeSpan.milliseconds(200)

    public let memory: SharedMemory
    public let port: UInt32
    var requests: ConsoleProducer<GuestPageBarriers>
    var responses: ConsoleConsumer<GuestPageBarriers>
    var nextRequestID: UInt32 = 1
    /// Watch events read so far (while waiting for replies or for events).
    public private(set) var events: UInt32 = 0
    /// Payload bytes of the last reply (after the header in xenstoreReplyStorage).
    public private(set) var replyLength = 0

    /// The guest's ring and port, or nil (with an `ERROR xenstore ...` line).
    public static func open() -> XenstoreClient? {
        var out = GuestConsole()
        guard EventChannels.sharedInfoPage != nil else {
            out.write("ERROR xenstore: no shared_info registered, so no event could wake the client")
            out.newline()
            return nil
        }
        let frame = HVMParameters.get(domain: ownDomain, index: HVMParameters.storePageFrame)
        let port = HVMParameters.get(domain: ownDomain, index: HVMParameters.storePort)
        guard frame.result == 0, port.result == 0, frame.value != 0, frame.value < 0x10_0000, port.value != 0,
              port.value < UInt64(clampingNonNegative: EventChannels.handledPorts)
        else {
            out.write("ERROR xenstore: get_param STORE_PFN/STORE_EVTCHN returned ")
            out.write(signed: Int64(widening: Int(frame.result)))
            out.write("/")
            out.write(signed: Int64(widening: Int(port.result)))
            out.newline()
            return nil
        }
        let address = UInt32(truncatingIfNeeded: frame.value) &<< 12
        let page = UnsafeMutableRawPointer(bitPattern: UInt(address))!
        let client = XenstoreClient(page: page, port: UInt32(truncatingIfNeeded: port.value))
        EventChannels.setHandler(port: client.port, eventArrived)
        return client
    }

    init(page: UnsafeMutableRawPointer, port: UInt32) {
        memory = SharedMemory(page)
        self.port = port
        requests = ConsoleProducer(page: page, stream: XenstoreRingLayout.requests, barriers: GuestPageBarriers())
        responses = ConsoleConsumer(page: page, stream: XenstoreRingLayout.responses, barriers: GuestPageBarriers())
    }

    /// The page's `error` field (XENSTORE_ERROR_*; 0 while connected).
    public var errorField: UInt32 { memory.load32(XenstoreRingLayout.errorOffset) }

    /// Sends a message of `type` whose payload `build` writes, with a truthful header, and waits for its reply.
    public mutating func ask(_ type: XenstoreMessageType, transaction: UInt32 = 0,
                             _ build: (inout ByteWriter) -> Void) -> XenstoreAnswer {
        let length = withUnsafeMutableBytes(of: &xenstoreRequestStorage) { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var payload = ByteWriter(base + XenstoreLimits.headerSize, capacity: XenstoreLimits.payloadMax)
            build(&payload)
            return payload.count
        }
        return send(type, transaction: transaction, claimedLength: UInt32(length), bytes: length)
    }

    /// Sends the header (claiming `claimedLength` payload bytes, true or not)
    /// and the first `bytes` payload bytes already in xenstoreRequestStorage,
    /// then waits up to `patience` for a reply.
    public mutating func send(_ type: XenstoreMessageType, transaction: UInt32, claimedLength: UInt32,
                              bytes: Int) -> XenstoreAnswer {
        let header = XenstoreHeader(type: type, requestID: nextRequestID, transactionID: transaction,
                                    length: claimedLength)
        nextRequestID &+= 1
        let deadline = GuestClock.now + patience
        let total = XenstoreLimits.headerSize + bytes
        let written = withUnsafeMutableBytes(of: &xenstoreRequestStorage) { raw -> Bool in
            header.encode(into: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            var sent = 0
            while sent < total {
                guard case .moved(let count) = requests.write(UnsafeRawBufferPointer(rebasing: raw[sent..<total]))
                else { return false }
                sent += count
                if count > 0 { _ = EventChannels.send(port) }
                // The ring is full: the server's event says it took some.
                if sent < total, !waitForServer(until: deadline) { return false }
            }
            return true
        }
        if errorField != 0 { return .dropped(reason: errorField) }
        guard written else { return .timedOut }
        return awaitReply(until: deadline)
    }

    /// Reads messages until one that is not a watch event.
    public mutating func awaitReply(until deadline: Instant) -> XenstoreAnswer {
        awaitMessage(until: deadline, stopAtEvent: false)
    }

    /// Waits for a watch event after the first `seen` ones (`events` counts
    /// them); false when none came before `deadline` or the connection is gone.
    public mutating func awaitWatchEvent(after seen: UInt32, until deadline: Instant) -> Bool {
        while events == seen {
            guard case .reply = awaitMessage(until: deadline, stopAtEvent: true) else { return false }
        }
        return true
    }

    /// Reads messages until one that is not a watch event (or, with
    /// `stopAtEvent`, until any message).
    mutating func awaitMessage(until deadline: Instant, stopAtEvent: Bool) -> XenstoreAnswer {
        withUnsafeMutableBytes(of: &xenstoreReplyStorage) { raw in
            var filled = 0
            while true {
                var needed = XenstoreLimits.headerSize
                if filled >= XenstoreLimits.headerSize {
                    let header = XenstoreHeader(decoding: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    // A server sending more than it may is not believed.
                    guard header.length <= UInt32(XenstoreLimits.payloadMax) else { return .dropped(reason: 0) }
                    needed += Int(header.length)
                    if filled == needed {
                        replyLength = Int(header.length)
                        if header.type == .watchEvent {
                            events &+= 1
                            if stopAtEvent { return .reply(type: header.type.rawValue) }
                            filled = 0
                            continue
                        }
                        return .reply(type: header.type.rawValue)
                    }
                }
                switch responses.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled..<needed])) {
                case .moved(let count) where count > 0:
                    filled += count
                    _ = EventChannels.send(port)
                case .moved:
                    if !waitForServer(until: deadline) {
                        return errorField != 0 ? .dropped(reason: errorField) : .timedOut
                    }
                case .overrun:
                    return .dropped(reason: errorField)
                }
            }
        }
    }

    /// The last reply's (or watch event's) payload.
    public var replyPayload: Bytes {
        let base = withUnsafeBytes(of: &xenstoreReplyStorage) { $0.baseAddress! }
        return Bytes(base.assumingMemoryBound(to: UInt8.self) + XenstoreLimits.headerSize, count: replyLength)
    }

    /// Sleeps until the server's event or `deadline`; false, without
    /// sleeping, once `deadline` has passed or the server dropped the connection.
    private func waitForServer(until deadline: Instant) -> Bool {
        guard errorField == 0, GuestClock.now < deadline else { return false }
        EventWaiting.sleep(until: deadline)
        return true
    }
}
