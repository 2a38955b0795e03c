// Connections: one per client (a guest's ring, or a local caller in the
// driver domain). Each has an input buffer that collects one message at a
// time and an output queue of replies and watch events. A connection has at
// most one request in flight (it is answered before the next is read), and
// watch events never use the last 4112 bytes of the queue, so a reply always
// fits; an event that finds no room is dropped and counted.

struct ConnectionRecord {
    var active = false
    var domain: UInt16 = 0
    var inputCount: UInt32 = 0
    var outputHead: UInt32 = 0
    var outputCount: UInt32 = 0
    var droppedEvents: UInt32 = 0
    /// What the connection asked and was refused (kept after it ends, for reports).
    var statistics = XenstoreConnectionStatistics()
}

/// Requests a connection sent and the ones refused, by error: what the
/// driver domain reports about a client (a hostile guest's refusals are
/// seen from outside it). They survive the connection's end until its slot
/// is reused, so a dropped connection can still be reported.
public struct XenstoreConnectionStatistics: Equatable, Sendable {
    /// Whole messages answered (including refused ones).
    public var requests: UInt32 = 0
    /// Requests answered with XS_ERROR.
    public var refusals: UInt32 = 0
    /// Bit `error.rawValue` set for each XenstoreError it was answered with.
    public var errors: UInt16 = 0
    /// Why it was dropped, if it was.
    public var dropReason: XenstoreDropReason? = nil

    public init() {}

    /// Whether any refusal was `error`.
    public func wasRefused(with error: XenstoreError) -> Bool { errors & (1 << UInt16(error.rawValue)) != 0 }

    mutating func count(_ error: XenstoreError) {
        refusals &+= 1
        errors |= 1 << UInt16(error.rawValue)
    }
}

/// Why a connection was dropped: the values of the ring page's `error`
/// field (XENSTORE_ERROR_*).
public enum XenstoreDropReason: UInt32, Equatable, Sendable {
    /// The ring's indices were inconsistent.
    case ringIndex = 2
    /// A message longer than XENSTORE_PAYLOAD_MAX.
    case protocolViolation = 3
}

/// What `inputArrived` did.
public enum XenstoreInputStatus: Equatable, Sendable {
    case needMore
    case processed
    case dropped(XenstoreDropReason)
}

extension Xenstore {
    /// A new connection for `domain`; nil when every connection is in use.
    public mutating func connect(domain: UInt16) -> Int? {
        for connection in 0..<capacities.connections where !connections[connection].active {
            connections[connection] = ConnectionRecord(active: true, domain: domain)
            return connection
        }
        return nil
    }

    /// Ends a connection: its transactions are abandoned, its watches and queued output dropped.
    public mutating func disconnect(_ connection: Int) {
        guard isConnected(connection) else { return }
        discardTransactions(of: connection)
        removeWatches(of: connection)
        let statistics = connections[connection].statistics
        connections[connection] = ConnectionRecord()
        connections[connection].statistics = statistics
    }

    /// Records why a connection is being dropped (the ring port calls it for index errors).
    mutating func noteDrop(_ connection: Int, _ reason: XenstoreDropReason) {
        guard connection >= 0, connection < capacities.connections else { return }
        connections[connection].statistics.dropReason = reason
    }

    /// The connection's requests and refusals (also after it ended, until its slot is reused).
    public func statistics(of connection: Int) -> XenstoreConnectionStatistics { connections[connection].statistics }

    public func isConnected(_ connection: Int) -> Bool {
        connection >= 0 && connection < capacities.connections && connections[connection].active
    }

    public func domain(of connection: Int) -> UInt16 { connections[connection].domain }

    /// Watch events dropped because the connection's queue was full.
    public func droppedEvents(of connection: Int) -> UInt32 { connections[connection].droppedEvents }

    private func input(of connection: Int) -> UnsafeMutablePointer<UInt8> {
        connectionInput + connection * XenstoreLimits.messageMax
    }

    private func output(of connection: Int) -> UnsafeMutablePointer<UInt8> {
        connectionOutput + connection * capacities.outputBytes
    }

    // MARK: Input

    /// Where the next bytes of the connection's current message go (the rest
    /// of its header, then the rest of its payload).
    public func inputSpace(_ connection: Int) -> UnsafeMutableRawBufferPointer {
        let filled = Int(connections[connection].inputCount)
        let start = input(of: connection)
        var total = XenstoreLimits.headerSize
        if filled >= XenstoreLimits.headerSize {
            total += Int(XenstoreHeader(decoding: UnsafePointer(start)).length)
        }
        return UnsafeMutableRawBufferPointer(start: start + filled, count: total - filled)
    }

    /// Takes `count` bytes written into `inputSpace`; answers the message once
    /// it is whole. A header announcing more than XENSTORE_PAYLOAD_MAX drops
    /// the connection (the stream cannot be trusted past it), as xenstored does.
    public mutating func inputArrived(_ connection: Int, count: Int) -> XenstoreInputStatus {
        connections[connection].inputCount += UInt32(count)
        let filled = Int(connections[connection].inputCount)
        guard filled >= XenstoreLimits.headerSize else { return .needMore }
        let start = input(of: connection)
        let header = XenstoreHeader(decoding: UnsafePointer(start))
        guard header.length <= UInt32(XenstoreLimits.payloadMax) else {
            noteDrop(connection, .protocolViolation)
            disconnect(connection)
            return .dropped(.protocolViolation)
        }
        guard filled == XenstoreLimits.headerSize + Int(header.length) else { return .needMore }
        connections[connection].inputCount = 0
        handle(connection: connection, header: header,
               payload: Bytes(UnsafePointer(start + XenstoreLimits.headerSize), count: Int(header.length)))
        return .processed
    }

    // MARK: Output

    /// The queued bytes that lie contiguously at the front of the queue.
    public func pendingOutput(_ connection: Int) -> UnsafeRawBufferPointer {
        let record = connections[connection]
        let run = min(Int(record.outputCount), capacities.outputBytes - Int(record.outputHead))
        return UnsafeRawBufferPointer(start: output(of: connection) + Int(record.outputHead), count: run)
    }

    /// `count` bytes from the front of `pendingOutput` were delivered.
    public mutating func outputTaken(_ connection: Int, count: Int) {
        let head = (Int(connections[connection].outputHead) + count) % capacities.outputBytes
        connections[connection].outputHead = UInt32(head)
        connections[connection].outputCount -= UInt32(count)
    }

    private func outputRoom(_ connection: Int) -> Int {
        capacities.outputBytes - Int(connections[connection].outputCount)
    }

    private func enqueue(_ connection: Int, _ bytes: Bytes) {
        let queue = output(of: connection)
        var tail = (Int(connections[connection].outputHead) + Int(connections[connection].outputCount))
            % capacities.outputBytes
        for index in 0..<bytes.count {
            queue[tail] = bytes[index]
            tail = tail + 1 == capacities.outputBytes ? 0 : tail + 1
        }
        connections[connection].outputCount += UInt32(bytes.count)
    }

    private func enqueueHeader(_ connection: Int, _ header: XenstoreHeader) {
        var bytes: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &bytes) { raw in
            let start = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            header.encode(into: start)
            enqueue(connection, Bytes(UnsafePointer(start), count: XenstoreLimits.headerSize))
        }
    }

    /// Queues a reply (always fits: see the top of this file).
    func queueReply(_ connection: Int, type: XenstoreMessageType, request: XenstoreHeader, payload: Bytes) {
        enqueueHeader(connection, XenstoreHeader(type: type, requestID: request.requestID,
                                                 transactionID: request.transactionID, length: UInt32(payload.count)))
        enqueue(connection, payload)
    }

    /// Queues a WATCH_EVENT ("path\0token\0"), or counts it as dropped.
    func queueEvent(connection: Int, path: Bytes, token: Bytes) {
        let length = path.count + 1 + token.count + 1
        guard outputRoom(connection) - (XenstoreLimits.headerSize + length) >= XenstoreLimits.messageMax else {
            connections[connection].droppedEvents &+= 1
            return
        }
        enqueueHeader(connection, XenstoreHeader(type: .watchEvent, requestID: 0, transactionID: 0,
                                                 length: UInt32(length)))
        enqueue(connection, path)
        enqueue(connection, Bytes("\0"))
        enqueue(connection, token)
        enqueue(connection, Bytes("\0"))
    }
}
