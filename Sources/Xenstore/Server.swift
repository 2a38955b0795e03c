// One request in, one reply out: the wire dispatch. Payload shapes follow
// xenstored: most requests carry one NUL-terminated path; WRITE is "path\0"
// followed by the value; WATCH and UNWATCH "path\0token\0"; SET_PERMS
// "path\0" and one "<letter><domid>\0" per entry; TRANSACTION_END "T\0"
// (commit) or "F\0" (abort). A payload of the wrong shape gets EINVAL, an
// unknown or unsupported type ENOSYS; nothing a client sends stops the store.

extension Xenstore {
    /// Answers one whole message from `connection` (the ring path and local
    /// callers alike); the reply and any watch events go to output queues.
    public mutating func handle(connection: Int, header: XenstoreHeader, payload: Bytes) {
        var writer = ByteWriter(reply, capacity: XenstoreLimits.payloadMax)
        connections[connection].statistics.requests &+= 1
        do throws(XenstoreError) {
            let transaction = try self.transaction(id: header.transactionID, connection: connection)
            if header.type == .watch {
                var fields = PayloadFields(payload)
                guard let path = fields.next(), let token = fields.next() else { throw .EINVAL }
                try addWatch(connection: connection, path: path, token: token)
                queueReply(connection, type: header.type, request: header, payload: Bytes("OK\0"))
                fireNewWatch(connection: connection, path: path, token: token)
                return
            }
            if header.type == .transactionEnd {
                guard transaction != 0 else { throw .ENOENT }
                let verdict = try Self.onlyArgument(payload)
                if verdict.equals(Bytes("F")) {
                    discard(transaction: transaction)
                } else if verdict.equals(Bytes("T")) {
                    guard isUnchanged(transaction: transaction) else {
                        discard(transaction: transaction)
                        throw .EAGAIN
                    }
                    queueReply(connection, type: header.type, request: header, payload: Bytes("OK\0"))
                    commit(transaction: transaction)
                    return
                } else {
                    throw .EINVAL
                }
                queueReply(connection, type: header.type, request: header, payload: Bytes("OK\0"))
                return
            }
            let replyType = try perform(header, payload: payload, connection: connection, transaction: transaction,
                                        reply: &writer)
            queueReply(connection, type: replyType, request: header, payload: writer.written)
            announceDeferred()
        } catch {
            pendingFire = nil
            connections[connection].statistics.count(error)
            var name = ByteWriter(reply, capacity: XenstoreLimits.payloadMax)
            name.append(error.wireName)
            name.append(0)
            queueReply(connection, type: .error, request: header, payload: name.written)
        }
    }

    /// Carries out every request except WATCH and TRANSACTION_END; returns the reply's type.
    private mutating func perform(_ header: XenstoreHeader, payload: Bytes, connection: Int, transaction: Int,
                                  reply: inout ByteWriter) throws(XenstoreError) -> XenstoreMessageType {
        let domain = connections[connection].domain
        switch header.type {
        case .read:
            try read(try path(payload, domain), domain: domain, transaction: transaction, into: &reply)
        case .directory:
            try directory(try path(payload, domain), domain: domain, transaction: transaction, into: &reply)
        case .getPermissions:
            try getPermissions(try path(payload, domain), domain: domain, transaction: transaction, into: &reply)
        case .write:
            let (path, value) = try pathAndRest(payload, domain)
            try write(path, value: value, domain: domain, transaction: transaction)
            reply.append("OK\0")
        case .mkdir:
            try mkdir(try path(payload, domain), domain: domain, transaction: transaction)
            reply.append("OK\0")
        case .rm:
            try rm(try path(payload, domain), domain: domain, transaction: transaction)
            reply.append("OK\0")
        case .setPermissions:
            let (path, list) = try pathAndRest(payload, domain)
            try setPermissions(path, list: list, domain: domain, transaction: transaction)
            reply.append("OK\0")
        case .unwatch:
            var fields = PayloadFields(payload)
            guard let path = fields.next(), let token = fields.next(), fields.isEmpty else { throw .EINVAL }
            try removeWatch(connection: connection, path: path, token: token)
            reply.append("OK\0")
        case .transactionStart:
            guard transaction == 0 else { throw .EBUSY }
            reply.appendDecimal(try startTransaction(connection: connection))
            reply.append(0)
        case .getDomainPath:
            guard let number = try Self.onlyArgument(payload).decimalValue, number <= UInt32(UInt16.max)
            else { throw .EINVAL }
            Self.appendHome(of: UInt16(number), to: &reply)
            reply.append(0)
        case .resetWatches:
            removeWatches(of: connection)
            reply.append("OK\0")
        default:
            throw .ENOSYS
        }
        return header.type
    }

    /// The absolute path a one-argument request names.
    private func path(_ payload: Bytes, _ domain: UInt16) throws(XenstoreError) -> Bytes {
        try canonicalPath(try Self.onlyArgument(payload), domain: domain, into: requestPath)
    }

    /// The absolute path a payload starts with and the bytes after its NUL.
    private func pathAndRest(_ payload: Bytes, _ domain: UInt16) throws(XenstoreError) -> (Bytes, Bytes) {
        var fields = PayloadFields(payload)
        guard let name = fields.next() else { throw .EINVAL }
        return (try canonicalPath(name, domain: domain, into: requestPath), fields.remainder())
    }

    /// The single NUL-terminated string a payload must consist of.
    static func onlyArgument(_ payload: Bytes) throws(XenstoreError) -> Bytes {
        var fields = PayloadFields(payload)
        guard let argument = fields.next(), fields.isEmpty else { throw .EINVAL }
        return argument
    }

    // MARK: The driver domain's part

    /// Gives `domain` its home, /local/domain/<domid> (owned by it, closed to
    /// others), and a connection; fires @introduceDomain. Nil when no
    /// connection or node is left.
    public mutating func introduceDomain(_ domain: UInt16) -> Int? {
        guard let connection = connect(domain: domain) else { return nil }
        guard makeHome(of: domain) else {
            disconnect(connection)
            return nil
        }
        announceSpecial("@introduceDomain")
        return connection
    }

    /// `/local/domain/<domid>`, owned by `domain` and closed to the others, announced.
    private mutating func makeHome(of domain: UInt16) -> Bool {
        var writer = ByteWriter(requestPath, capacity: capacities.pathBytes)
        Self.appendHome(of: domain, to: &writer)
        let home = writer.written
        do throws(XenstoreError) {
            try mkdir(home, domain: privilegedDomain, transaction: 0)
        } catch {
            return false
        }
        let slot = committedSlot(home)!
        permissions(of: slot)[0] = XenstorePermission(domain: domain, access: .noAccess)
        nodes[slot].permissionCount = 1
        pendingFire = nil
        announce(home, recursive: false, UnsafePointer(permissions(of: slot)), 1)
        return true
    }

    /// `domain`'s guest restarted on the same `connection` (its ring page asked
    /// for XENSTORE_RECONNECT), which is what Xen's toolstack does when it
    /// destroys a domain and creates it again: the connection's transactions
    /// are abandoned and its watches and queued input and output dropped (a
    /// dropped connection is live again), its home is removed with everything
    /// the old incarnation wrote there (watches on it fire) and made again,
    /// empty, and @releaseDomain then @introduceDomain fire. What the old
    /// incarnation asked and was refused stays counted; why it was dropped
    /// does not. False when `connection` belongs to another domain, or no node
    /// is left for the home (the connection then stays live, homeless).
    public mutating func restartDomain(_ domain: UInt16, connection: Int) -> Bool {
        guard connection >= 0, connection < capacities.connections, domain != privilegedDomain,
              !connections[connection].active || connections[connection].domain == domain else { return false }
        if connections[connection].active {
            discardTransactions(of: connection)
            removeWatches(of: connection)
        }
        var statistics = connections[connection].statistics
        statistics.dropReason = nil
        connections[connection] = ConnectionRecord(active: true, domain: domain)
        connections[connection].statistics = statistics

        var writer = ByteWriter(requestPath, capacity: capacities.pathBytes)
        Self.appendHome(of: domain, to: &writer)
        do throws(XenstoreError) {
            try rm(writer.written, domain: privilegedDomain, transaction: 0)
        } catch {
            pendingFire = nil
        }
        announceDeferred()
        announceSpecial("@releaseDomain")
        guard makeHome(of: domain) else { return false }
        announceSpecial("@introduceDomain")
        return true
    }

    /// Ends a domain's connection and fires @releaseDomain; its nodes stay
    /// (the driver domain removes them as a toolstack would).
    public mutating func releaseDomain(connection: Int) {
        disconnect(connection)
        announceSpecial("@releaseDomain")
    }
}
