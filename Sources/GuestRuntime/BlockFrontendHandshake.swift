import GuestSupport
import HypervisorCore
import XenRings
import Xenstore

/// A disk connected through xenstore: what the handshake set up and read.
public struct BlockConnection: Equatable, Sendable {
    /// The back end's domain (`backend-id`).
    public var backend: UInt16
    /// The name of the disk under `device/vbd/` (51712: xvda).
    public var virtualDevice: UInt32
    /// Guest-physical address of the ring page this front end allocated and granted.
    public var ring: UInt32
    public var ringReference: UInt32
    /// This front end's port, allocated unbound for the back end to bind.
    public var port: UInt32
    /// The back end's `sectors` (512-byte sectors).
    public var sectors: UInt64
    /// The back end advertised `feature-flush-cache`.
    public var flushCache: Bool
}

/// 8 KiB of BSS: the one page-aligned page inside it becomes the blkif ring.
nonisolated(unsafe) var blockRingStorage = InlineArray<2048, UInt32>(repeating: 0)

/// The front end's half of Xen's xenbus handshake for a virtual block
/// device, as Linux's xen-blkfront does it (docs/XENSTORE.md): find the disk
/// under `device/vbd/`, read its `backend` and `backend-id`, wait (a watch on
/// the back end's `state`) for InitWait, allocate and grant the ring page and
/// an unbound event channel, publish `ring-ref`, `event-channel`, `protocol`
/// and state Initialised in one transaction, wait for the back end's
/// Connected, read `sectors`, `sector-size` and `feature-flush-cache`, say
/// Connected. Every failure is one `ERROR vbd ...` line and nil.
struct BlockFrontendHandshake {
    /// Xen reserves grant references 0-7 (0 the console ring, 1 xenstore's);
    /// the data pages use 8 to 18 (BlockFrontend.firstDataReference).
    static let ringReference: UInt32 = 19
    /// How long the back end may take to reach each state (its driver
    /// domain may have to start the xenstore first, on a small budget).
    static let patience = TimeSpan.milliseconds(2000)
    static let transactionAttempts = 8

    var client: XenstoreClient
    var virtualDevice: UInt32 = 0
    var backend: UInt16 = 0
    /// The back end's directory (in backendPathStorage).
    var backendPath = Bytes("")

    static func connect() -> BlockConnection? {
        guard var client = XenstoreClient.open() else { return nil }
        client.patience = patience
        var handshake = BlockFrontendHandshake(client: client)
        return handshake.run()
    }

    private mutating func run() -> BlockConnection? {
        guard findDisk() else { return nil }
        let device = virtualDevice, path = backendPath
        guard client.watch({ Self.key(path, "state", &$0) }, token: "vbd") else {
            return failure("cannot watch the back end's state")
        }
        guard awaitBackend(.initWait, "InitWait") else { return nil }

        guard GrantTable.table != nil || GrantTable.locate().result == 0 else { return failure("no grant table") }
        let page = withUnsafeMutableBytes(of: &blockRingStorage) { EventChannels.firstPage(in: $0)! }
        guard FrontRing<BlkifRequest, BlkifResponse, GuestBarriers>(initializing: page, barriers: GuestBarriers()) != nil
        else { return failure("a blkif ring does not fit a page") }
        let ring = UInt32(truncatingIfNeeded: UInt(bitPattern: page))
        GrantTable.grantAccess(reference: Self.ringReference, to: backend, frame: ring &>> 12, readOnly: false)
        let allocated = EventChannels.allocateUnbound(remote: backend)
        guard allocated > 0 else {
            _ = GrantTable.endAccess(reference: Self.ringReference)
            return failure("EVTCHNOP_alloc_unbound failed")
        }
        let port = UInt32(allocated)
        guard publish(port: port) else {
            _ = EventChannels.close(port)
            _ = GrantTable.endAccess(reference: Self.ringReference)
            return nil
        }
        guard awaitBackend(.connected, "Connected") else { return nil }

        guard let sectors = client.readDecimal({ Self.key(path, "sectors", &$0) }), sectors > 0 else {
            return failure("the back end has no sectors")
        }
        guard client.readDecimal({ Self.key(path, "sector-size", &$0) }) == 512 else {
            return failure("the back end's sector-size is not 512")
        }
        let flushCache = client.readDecimal({ Self.key(path, "feature-flush-cache", &$0) }) == 1
        guard client.write({ Self.key(device, "state", &$0) }, { $0.appendDecimal(XenbusState.connected.rawValue) }) else {
            return failure("cannot write state Connected")
        }
        _ = client.watch({ Self.key(path, "state", &$0) }, token: "vbd", remove: true)
        return BlockConnection(backend: backend, virtualDevice: device, ring: ring,
                               ringReference: Self.ringReference, port: port,
                               sectors: UInt64(widening: sectors), flushCache: flushCache)
    }

    /// The first disk listed under `device/vbd`, its `backend` and `backend-id`.
    private mutating func findDisk() -> Bool {
        guard client.ask(.directory, { $0.append("device/vbd\0") }) == .reply(type: XenstoreMessageType.directory.rawValue),
              let end = client.replyPayload.firstIndex(of: 0), end > 0,
              let name = client.replyPayload.prefix(end).decimalValue
        else {
            var out = GuestConsole()
            out.write("ERROR vbd: no disk under device/vbd in this domain's xenstore (does the VM have a `disk`?)")
            out.newline()
            return false
        }
        virtualDevice = name
        let device = name
        guard let path = client.read({ Self.key(device, "backend", &$0) }), path.count > 0,
              path.count <= backendPathCapacity
        else { return failed("no backend") }
        let copy = withUnsafeMutableBytes(of: &backendPathStorage) { buffer in
            for index in 0..<path.count { buffer[index] = path[index] }
            return Bytes(UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)), count: path.count)
        }
        backendPath = copy
        guard let id = client.readDecimal({ Self.key(device, "backend-id", &$0) }), id < 0x7FF0 else {
            return failed("no backend-id")
        }
        backend = UInt16(truncatingIfNeeded: id)
        return true
    }

    /// `ring-ref`, `event-channel`, `protocol` and state Initialised, together
    /// (a conflicting change meanwhile: the transaction is tried again).
    private mutating func publish(port: UInt32) -> Bool {
        let device = virtualDevice
        for _ in 0..<Self.transactionAttempts {
            guard let transaction = client.startTransaction() else { return failed("TRANSACTION_START failed") }
            let written = client.write({ Self.key(device, "ring-ref", &$0) }, transaction: transaction) {
                    $0.appendDecimal(Self.ringReference)
                }
                && client.write({ Self.key(device, "event-channel", &$0) }, transaction: transaction) {
                    $0.appendDecimal(port)
                }
                && client.write({ Self.key(device, "protocol", &$0) }, transaction: transaction) { $0.append("arm-abi") }
                && client.write({ Self.key(device, "state", &$0) }, transaction: transaction) {
                    $0.appendDecimal(XenbusState.initialised.rawValue)
                }
            guard written else {
                _ = client.endTransaction(transaction, commit: false)
                return failed("cannot write ring-ref, event-channel, protocol or state")
            }
            switch client.endTransaction(transaction, commit: true) {
            case .committed: return true
            case .conflict: continue
            case .failed: return failed("TRANSACTION_END failed")
            }
        }
        return failed("every transaction conflicted")
    }

    /// Waits, on the watch, for the back end's state `wanted`; a back end
    /// that closes, or none by the deadline:
    /// `ERROR vbd <vdev>: back end <path> not <name> after <ms> ms (state=<s|none>)`.
    private mutating func awaitBackend(_ wanted: XenbusState, _ name: StaticString) -> Bool {
        let deadline = GuestClock.now + Self.patience
        let path = backendPath
        var state: UInt32? = nil
        while true {
            let seen = client.events
            state = client.readDecimal({ Self.key(path, "state", &$0) })
            if state == wanted.rawValue { return true }
            if let state, state >= XenbusState.closing.rawValue { break }
            if !client.awaitWatchEvent(after: seen, until: deadline) { break }
        }
        var out = GuestConsole()
        out.write("ERROR vbd ")
        out.write(decimal: virtualDevice)
        out.write(": back end ")
        for index in 0..<path.count { out.write(byte: path[index]) }
        out.write(" not ")
        out.write(name)
        out.write(" after ")
        out.write(decimal: Self.patience.nanoseconds / 1_000_000)
        out.write(" ms (state=")
        if let state { out.write(decimal: state) } else { out.write("none") }
        out.write(")")
        out.newline()
        return false
    }

    /// `device/vbd/<vdev>/<key>` (relative: under this domain's home).
    static func key(_ device: UInt32, _ key: StaticString, _ w: inout ByteWriter) {
        w.append("device/vbd/")
        w.appendDecimal(device)
        w.append("/")
        w.append(key)
    }

    /// `<back end's directory>/<key>`.
    static func key(_ directory: Bytes, _ key: StaticString, _ w: inout ByteWriter) {
        w.append(directory)
        w.append("/")
        w.append(key)
    }

    /// `ERROR vbd <vdev>: <why>`.
    private func report(_ why: StaticString) {
        var out = GuestConsole()
        out.write("ERROR vbd ")
        out.write(decimal: virtualDevice)
        out.write(": ")
        out.write(why)
        out.newline()
    }

    private func failure(_ why: StaticString) -> BlockConnection? {
        report(why)
        return nil
    }

    private func failed(_ why: StaticString) -> Bool {
        report(why)
        return false
    }
}

let backendPathCapacity = 128
/// The back end's directory as read from `backend` (the reply storage is reused).
nonisolated(unsafe) var backendPathStorage = InlineArray<128, UInt8>(repeating: 0)
