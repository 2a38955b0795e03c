import HypervisorCore
import Xenstore

/// The requests a well-behaved front end makes, on top of `ask`. A path is
/// written by `path` without its NUL (relative paths are under the guest's
/// home `/local/domain/<domid>`).
extension XenstoreClient {
    /// READ: the value (valid until the next request), or nil when the node
    /// is missing, unreadable or the server does not answer.
    public mutating func read(_ path: (inout ByteWriter) -> Void) -> Bytes? {
        let answer = ask(.read) { w in
            path(&w)
            w.append(0)
        }
        return answer == .reply(type: XenstoreMessageType.read.rawValue) ? replyPayload : nil
    }

    /// READ of a decimal value that fits 32 bits.
    public mutating func readDecimal(_ path: (inout ByteWriter) -> Void) -> UInt32? {
        read(path)?.decimalValue
    }

    /// WRITE `path` = what `value` writes (in `transaction`, 0: none); true when the server said OK.
    public mutating func write(_ path: (inout ByteWriter) -> Void, transaction: UInt32 = 0,
                               _ value: (inout ByteWriter) -> Void) -> Bool {
        let answer = ask(.write, transaction: transaction) { w in
            path(&w)
            w.append(0)
            value(&w)
        }
        return answer == .reply(type: XenstoreMessageType.write.rawValue)
    }

    /// WATCH or UNWATCH `path` with `token`; true when the server said OK.
    public mutating func watch(_ path: (inout ByteWriter) -> Void, token: StaticString, remove: Bool = false) -> Bool {
        let type: XenstoreMessageType = remove ? .unwatch : .watch
        let answer = ask(type) { w in
            path(&w)
            w.append(0)
            w.append(token)
            w.append(0)
        }
        return answer == .reply(type: type.rawValue)
    }

    /// TRANSACTION_START: the new transaction's id, or nil.
    public mutating func startTransaction() -> UInt32? {
        let answer = ask(.transactionStart) { w in w.append(0) }
        guard answer == .reply(type: XenstoreMessageType.transactionStart.rawValue) else { return nil }
        let payload = replyPayload
        let digits = payload.count > 0 && payload[payload.count - 1] == 0 ? payload.prefix(payload.count - 1) : payload
        return digits.decimalValue
    }

    /// What TRANSACTION_END answered.
    public enum TransactionEnd: Equatable {
        case committed
        /// EAGAIN: another change came first; start again.
        case conflict
        case failed
    }

    /// TRANSACTION_END: commits (`commit`) or aborts `transaction`.
    public mutating func endTransaction(_ transaction: UInt32, commit: Bool) -> TransactionEnd {
        let answer = ask(.transactionEnd, transaction: transaction) { w in
            w.append(commit ? "T" : "F")
            w.append(0)
        }
        if answer == .reply(type: XenstoreMessageType.transactionEnd.rawValue) { return .committed }
        guard answer == .reply(type: XenstoreMessageType.error.rawValue) else { return .failed }
        return replyPayload.hasPrefix(Bytes("EAGAIN")) ? .conflict : .failed
    }
}
