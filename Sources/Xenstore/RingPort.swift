// A guest's xenstore page (xs_wire.h, struct xenstore_domain_interface):
//
//   offset    0  req[1024]   guest -> xenstore (requests)
//          1024  rsp[1024]   xenstore -> guest (replies, watch events)
//          2048  req_cons  2052  req_prod  2056  rsp_cons  2060  rsp_prod
//          2064  server_features  2068  connection  2072  error
//
// The two byte streams work exactly like the console's (XenRings'
// ConsoleStream: masked offsets, private own index, a peer index claiming
// more than the ring holds is not believed), so this file only says where
// they are and what happens on a violation: the connection is dropped and
// the page's `error` field says why (XENSTORE_ERROR_RINGIDX or _PROTO), as
// xenstored does.
import XenRings

public enum XenstoreRingLayout {
    public static let requests = ConsoleStream(dataOffset: 0, size: 1024, consumerOffset: 2048, producerOffset: 2052)
    public static let responses = ConsoleStream(dataOffset: 1024, size: 1024, consumerOffset: 2056, producerOffset: 2060)
    public static let serverFeaturesOffset = 2064
    public static let connectionOffset = 2068
    public static let errorOffset = 2072
    /// XENSTORE_SERVER_FEATURE_ERROR: this server reports violations in `error`.
    public static let featureError: UInt32 = 2
    /// `connection` values: XENSTORE_CONNECTED, XENSTORE_RECONNECT (a reset asked for).
    public static let connected: UInt32 = 0
    public static let reconnect: UInt32 = 1
}

/// What one `service` call did.
public enum XenstoreRingStatus: Equatable, Sendable {
    /// Bytes moved (`true`: notify the guest) or nothing to do (`false`).
    case served(notify: Bool)
    /// The connection is gone (now or earlier); the guest is not served again.
    case dropped(XenstoreDropReason)
}

/// The driver domain's end of one guest's xenstore page.
public struct XenstoreRingPort<Barriers: RingBarriers> {
    public let connection: Int
    private let memory: SharedMemory
    private var requests: ConsoleConsumer<Barriers>
    private var responses: ConsoleProducer<Barriers>
    public private(set) var dropReason: XenstoreDropReason? = nil

    /// Attaches to a guest's page for `connection` and advertises the error field.
    public init(page: UnsafeMutableRawPointer, connection: Int, barriers: Barriers) {
        self.connection = connection
        memory = SharedMemory(page)
        requests = ConsoleConsumer(page: page, stream: XenstoreRingLayout.requests, barriers: barriers)
        responses = ConsoleProducer(page: page, stream: XenstoreRingLayout.responses, barriers: barriers)
        memory.store32(XenstoreRingLayout.featureError, XenstoreRingLayout.serverFeaturesOffset)
        memory.store32(0, XenstoreRingLayout.errorOffset)
    }

    /// Moves queued output to the page and requests from it until neither
    /// side can move; call it when the guest's event channel fires (and after
    /// other connections' changes, which may have queued watch events).
    public mutating func service(_ store: inout Xenstore) -> XenstoreRingStatus {
        if let dropReason { return .dropped(dropReason) }
        var moved = false
        while true {
            var progress = false
            let pending = store.pendingOutput(connection)
            if pending.count > 0 {
                switch responses.write(pending) {
                case .moved(let count):
                    store.outputTaken(connection, count: count)
                    if count > 0 { progress = true }
                case .overrun:
                    return drop(.ringIndex, &store)
                }
            }
            let space = store.inputSpace(connection)
            switch requests.read(into: space) {
            case .moved(let count) where count > 0:
                progress = true
                if case .dropped(let reason) = store.inputArrived(connection, count: count) {
                    return drop(reason, &store)
                }
            case .moved:
                break
            case .overrun:
                return drop(.ringIndex, &store)
            }
            guard progress else { break }
            moved = true
        }
        return .served(notify: moved)
    }

    /// Whether the page asks for a reset (`connection` is XENSTORE_RECONNECT:
    /// Apus's hypervisor sets it when the guest restarts, docs/XENSTORE.md).
    public var reconnectRequested: Bool {
        memory.load32(XenstoreRingLayout.connectionOffset) == XenstoreRingLayout.reconnect
    }

    /// Answers XENSTORE_RECONNECT as xenstored does: the domain starts afresh
    /// in the store (`Xenstore.restartDomain`), whatever the old incarnation
    /// left in either stream is discarded and every index and `error` go back
    /// to 0. The page keeps asking until `acknowledgeReconnect` (the caller
    /// first writes what the new incarnation must find, as a toolstack does).
    /// False (and nothing changed on the page) when the store refused.
    public mutating func reconnect(domain: UInt16, _ store: inout Xenstore) -> Bool {
        guard store.restartDomain(domain, connection: connection) else { return false }
        memory.store32(0, XenstoreRingLayout.requests.consumerOffset)
        memory.store32(0, XenstoreRingLayout.requests.producerOffset)
        memory.store32(0, XenstoreRingLayout.responses.consumerOffset)
        memory.store32(0, XenstoreRingLayout.responses.producerOffset)
        memory.store32(0, XenstoreRingLayout.errorOffset)
        let page = memory.base
        let barriers = requests.barriers
        requests = ConsoleConsumer(page: page, stream: XenstoreRingLayout.requests, barriers: barriers)
        responses = ConsoleProducer(page: page, stream: XenstoreRingLayout.responses, barriers: barriers)
        dropReason = nil
        memory.store32(XenstoreRingLayout.featureError, XenstoreRingLayout.serverFeaturesOffset)
        return true
    }

    /// The reset is done: `connection` back to XENSTORE_CONNECTED, after everything before it.
    public func acknowledgeReconnect() {
        requests.barriers.full()
        memory.store32(XenstoreRingLayout.connected, XenstoreRingLayout.connectionOffset)
    }

    private mutating func drop(_ reason: XenstoreDropReason, _ store: inout Xenstore) -> XenstoreRingStatus {
        store.noteDrop(connection, reason)
        store.disconnect(connection)
        memory.store32(reason.rawValue, XenstoreRingLayout.errorOffset)
        dropReason = reason
        return .dropped(reason)
    }
}
