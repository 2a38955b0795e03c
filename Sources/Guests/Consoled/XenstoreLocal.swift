import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore
import Xenstore

/// 4 KiB + header for one request, one for one reply or event read back.
nonisolated(unsafe) var localRequestStorage = InlineArray<4112, UInt8>(repeating: 0)
nonisolated(unsafe) var localReplyStorage = InlineArray<4112, UInt8>(repeating: 0)

/// The driver domain's own requests to its xenstore, as a client sends
/// them (whole wire messages through `Xenstore.handle`), so they follow
/// exactly the rules and fire exactly the watches a guest's would.
enum XenstoreLocal {
    nonisolated(unsafe) static var nextRequestID: UInt32 = 1
    /// Watch events read back while waiting for a reply, for the block back end (token "vbd").
    nonisolated(unsafe) static var watchFired = false

    /// Sends one message whose payload `build` writes; true when the reply is not an XS_ERROR.
    /// On an error, `ERROR xenstore <what>: <errno name>` is printed.
    /// The payload length of the last reply (in localReplyStorage after the header).
    nonisolated(unsafe) static var replyLength = 0

    /// READ: the value (valid until the next request), or nil when the node
    /// is missing or unreadable (no line printed: absent keys are normal).
    static func read(_ build: (inout ByteWriter) -> Void) -> Bytes? {
        let found = request(.read, "read", quiet: true) { w in
            build(&w)
            w.append(0)
        }
        guard found else { return nil }
        let base = withUnsafeBytes(of: &localReplyStorage) { $0.baseAddress! }
        return Bytes(base.assumingMemoryBound(to: UInt8.self) + XenstoreLimits.headerSize, count: replyLength)
    }

    /// READ of a decimal value that fits 32 bits.
    static func readDecimal(_ build: (inout ByteWriter) -> Void) -> UInt32? {
        guard let value = read(build) else { return nil }
        return decimal(value)
    }

    /// A decimal that fits 32 bits (GuestKit's parser: digits only, no overflow).
    static func decimal(_ value: Bytes) -> UInt32? {
        guard let parsed = parseDecimal(UnsafeRawBufferPointer(start: value.start, count: value.count)),
              parsed <= 0xFFFF_FFFF else { return nil }
        return UInt32(truncatingIfNeeded: parsed)
    }

    @discardableResult
    static func request(_ type: XenstoreMessageType, _ what: StaticString, quiet: Bool = false,
                        _ build: (inout ByteWriter) -> Void) -> Bool {
        guard XenstoreService.store != nil, XenstoreService.local >= 0 else { return false }
        XenstoreService.mayHaveMoved = true
        let requestID = nextRequestID
        nextRequestID &+= 1
        let succeeded = withUnsafeMutableBytes(of: &localRequestStorage) { request in
            let base = request.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var payload = ByteWriter(base + XenstoreLimits.headerSize, capacity: XenstoreLimits.payloadMax)
            build(&payload)
            let header = XenstoreHeader(type: type, requestID: requestID, transactionID: 0, length: UInt32(payload.count))
            XenstoreService.store!.handle(connection: XenstoreService.local, header: header,
                                          payload: Bytes(UnsafePointer(base + XenstoreLimits.headerSize), count: payload.count))
            return readReply(to: requestID, what, quiet: quiet)
        }
        return succeeded
    }

    /// Reads the local connection's queued messages up to the reply to `requestID`.
    private static func readReply(to requestID: UInt32, _ what: StaticString, quiet: Bool) -> Bool {
        while let header = takeMessage() {
            if header.type == .watchEvent { watchFired = true; continue }
            guard header.requestID == requestID else { continue }
            replyLength = Int(header.length)
            guard header.type == .error else { return true }
            if quiet { return false }
            var out = GuestConsole()
            out.write("ERROR xenstore ")
            out.write(what)
            out.write(": ")
            withUnsafeBytes(of: &localReplyStorage) { reply in
                for index in 0..<Int(header.length) where reply[16 + index] != 0 { out.write(byte: reply[16 + index]) }
            }
            out.newline()
            return false
        }
        return false
    }

    /// Takes every queued event off the local connection (the loop calls it after serving the rings).
    static func takeEvents() {
        guard XenstoreService.store != nil, XenstoreService.local >= 0 else { return }
        while let header = takeMessage() {
            if header.type == .watchEvent { watchFired = true }
        }
    }

    /// Copies the next whole message of the local connection into localReplyStorage.
    private static func takeMessage() -> XenstoreHeader? {
        guard take(XenstoreLimits.headerSize, at: 0) else { return nil }
        let header = withUnsafeBytes(of: &localReplyStorage) {
            XenstoreHeader(decoding: $0.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard take(Int(header.length), at: XenstoreLimits.headerSize) else { return nil }
        return header
    }

    private static func take(_ count: Int, at offset: Int) -> Bool {
        var done = 0
        while done < count {
            let pending = XenstoreService.store!.pendingOutput(XenstoreService.local)
            guard pending.count > 0 else { return false }
            let piece = min(pending.count, count - done)
            withUnsafeMutableBytes(of: &localReplyStorage) { reply in
                for index in 0..<piece { reply[offset + done + index] = pending[index] }
            }
            XenstoreService.store!.outputTaken(XenstoreService.local, count: piece)
            done += piece
        }
        return true
    }
}
