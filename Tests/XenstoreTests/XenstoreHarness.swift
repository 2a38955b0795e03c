// Drives a store the way clients do: whole messages in, replies and watch
// events read back from the connection's output queue.
import Xenstore
import XCTest

/// A reply or event as the client sees it.
struct Message: Equatable, CustomStringConvertible {
    var type: UInt32
    var requestID: UInt32
    var transactionID: UInt32
    var payload: [UInt8]

    var text: String { String(decoding: payload.map { $0 == 0 ? 0x7C : $0 }, as: UTF8.self) }  // NUL shown as |
    var description: String { "type \(type) req \(requestID) tx \(transactionID) \"\(text)\"" }
    var isError: Bool { type == XenstoreMessageType.error.rawValue }
    /// The error name of an XS_ERROR reply.
    var errorName: String? { isError ? String(decoding: payload.dropLast(), as: UTF8.self) : nil }
}

/// Message bytes: the header and the payload.
func encodeMessage(_ type: XenstoreMessageType, requestID: UInt32 = 1, transactionID: UInt32 = 0,
                   _ payload: [UInt8]) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 16)
    let header = XenstoreHeader(type: type, requestID: requestID, transactionID: transactionID,
                                length: UInt32(payload.count))
    bytes.withUnsafeMutableBufferPointer { header.encode(into: $0.baseAddress!) }
    return bytes + payload
}

/// "a", "b" -> "a\0b\0".
func fields(_ strings: String...) -> [UInt8] { strings.flatMap { Array($0.utf8) + [0] } }

final class StoreHarness {
    let memory: UnsafeMutableRawBufferPointer
    var store: Xenstore
    var nextRequestID: UInt32 = 1

    init(_ capacities: XenstoreCapacities = .standard, privileged: UInt16 = 0) {
        memory = UnsafeMutableRawBufferPointer.allocate(byteCount: capacities.byteCount, alignment: 8)
        store = Xenstore(capacities: capacities, privilegedDomain: privileged, memory: memory)!
    }

    deinit { memory.deallocate() }

    /// Sends one message and returns everything queued for `connection` after it.
    @discardableResult
    func send(_ connection: Int, _ type: XenstoreMessageType, tx: UInt32 = 0, _ payload: [UInt8]) -> [Message] {
        let id = nextRequestID
        nextRequestID += 1
        payload.withUnsafeBufferPointer { buffer in
            let header = XenstoreHeader(type: type, requestID: id, transactionID: tx, length: UInt32(buffer.count))
            let start = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
            store.handle(connection: connection, header: header, payload: Bytes(start, count: buffer.count))
        }
        return drain(connection)
    }

    /// The one reply to a request; watch events queued with it are kept for `events`.
    func reply(_ connection: Int, _ type: XenstoreMessageType, tx: UInt32 = 0, _ payload: [UInt8]) -> Message {
        let messages = send(connection, type, tx: tx, payload)
        let replies = messages.filter { $0.type != XenstoreMessageType.watchEvent.rawValue }
        precondition(replies.count == 1, "expected one reply, got \(messages)")
        pendingEvents[connection, default: []] += messages.filter { $0.type == XenstoreMessageType.watchEvent.rawValue }
        return replies[0]
    }

    var pendingEvents: [Int: [Message]] = [:]

    /// Events seen for `connection` since the last call.
    func events(_ connection: Int) -> [String] {
        let all = (pendingEvents[connection] ?? []) + drain(connection)
        pendingEvents[connection] = []
        return all.filter { $0.type == XenstoreMessageType.watchEvent.rawValue }.map(\.text)
    }

    /// Reads and parses everything queued for `connection`.
    func drain(_ connection: Int) -> [Message] {
        var bytes: [UInt8] = []
        while true {
            let pending = store.pendingOutput(connection)
            if pending.count == 0 { break }
            bytes += Array(pending)
            store.outputTaken(connection, count: pending.count)
        }
        return parseMessages(bytes)
    }

    // Conveniences returning the reply's text or error name.
    func read(_ c: Int, _ path: String, tx: UInt32 = 0) -> String {
        outcome(reply(c, .read, tx: tx, fields(path)))
    }
    func write(_ c: Int, _ path: String, _ value: String, tx: UInt32 = 0) -> String {
        outcome(reply(c, .write, tx: tx, fields(path) + Array(value.utf8)))
    }
    func mkdir(_ c: Int, _ path: String, tx: UInt32 = 0) -> String { outcome(reply(c, .mkdir, tx: tx, fields(path))) }
    func rm(_ c: Int, _ path: String, tx: UInt32 = 0) -> String { outcome(reply(c, .rm, tx: tx, fields(path))) }
    func directory(_ c: Int, _ path: String, tx: UInt32 = 0) -> String {
        outcome(reply(c, .directory, tx: tx, fields(path)))
    }
    func getPerms(_ c: Int, _ path: String, tx: UInt32 = 0) -> String {
        outcome(reply(c, .getPermissions, tx: tx, fields(path)))
    }
    func setPerms(_ c: Int, _ path: String, _ perms: [String], tx: UInt32 = 0) -> String {
        outcome(reply(c, .setPermissions, tx: tx, fields(path) + perms.flatMap { Array($0.utf8) + [0] }))
    }
    func watch(_ c: Int, _ path: String, _ token: String) -> String { outcome(reply(c, .watch, fields(path, token))) }
    func unwatch(_ c: Int, _ path: String, _ token: String) -> String {
        outcome(reply(c, .unwatch, fields(path, token)))
    }
    /// The new transaction's id, or 0 and the error.
    func start(_ c: Int) -> (UInt32, String) {
        let answer = reply(c, .transactionStart, fields(""))
        if let error = answer.errorName { return (0, error) }
        return (UInt32(String(decoding: answer.payload.dropLast(), as: UTF8.self))!, "")
    }
    func end(_ c: Int, _ tx: UInt32, commit: Bool) -> String {
        outcome(reply(c, .transactionEnd, tx: tx, fields(commit ? "T" : "F")))
    }

    /// The error name, or the payload with NULs shown as "|".
    func outcome(_ message: Message) -> String { message.errorName ?? message.text }
}

func parseMessages(_ bytes: [UInt8]) -> [Message] {
    var messages: [Message] = []
    var at = 0
    while at + 16 <= bytes.count {
        let header = bytes[at..<at + 16].withContiguousStorageIfAvailable { XenstoreHeader(decoding: $0.baseAddress!) }!
        let end = at + 16 + Int(header.length)
        precondition(end <= bytes.count, "truncated message")
        messages.append(Message(type: header.type.rawValue, requestID: header.requestID,
                                transactionID: header.transactionID, payload: Array(bytes[at + 16..<end])))
        at = end
    }
    precondition(at == bytes.count, "stray bytes")
    return messages
}
