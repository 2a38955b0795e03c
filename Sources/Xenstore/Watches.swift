// Watches: a connection names a path and a token; every change at or below
// the path (and, for a removal, anywhere in the removed subtree) sends it a
// WATCH_EVENT with the changed path and the token, if its domain may read
// the changed node. A new watch fires once at once, as in xenstored. Paths
// starting with "@" are special events (@introduceDomain, @releaseDomain)
// sent when the driver domain introduces or releases a domain.

struct WatchRecord {
    var active = false
    var connection: UInt16 = 0
    var pathLength: UInt16 = 0
    var tokenLength: UInt16 = 0
    /// Bytes of "/local/domain/<domid>/" to cut from event paths: the watch
    /// was registered with a relative path, so its events carry relative ones.
    var strip: UInt16 = 0
}

/// A change whose events wait until the reply to the request is queued.
struct PendingFire {
    var pathLength: Int
    var permissionCount: Int
    var recursive: Bool
}

extension Xenstore {
    func watchPath(_ slot: Int) -> Bytes {
        Bytes(watchBytes + slot * (capacities.pathBytes + capacities.tokenBytes), count: Int(watches[slot].pathLength))
    }

    func watchToken(_ slot: Int) -> Bytes {
        Bytes(watchBytes + slot * (capacities.pathBytes + capacities.tokenBytes) + capacities.pathBytes,
              count: Int(watches[slot].tokenLength))
    }

    /// The absolute path a WATCH or UNWATCH names (special "@" names as they are)
    /// and how many bytes its events must drop to be relative again.
    private func watchTarget(_ input: Bytes, domain: UInt16) throws(XenstoreError) -> (path: Bytes, strip: Int) {
        if input.count > 0 && input[0] == 0x40 {
            guard input.count <= XenstoreLimits.relativePathMax else { throw .EINVAL }
            guard input.count <= capacities.pathBytes else { throw .E2BIG }
            for index in 0..<input.count { requestPath[index] = input[index] }
            return (Bytes(requestPath, count: input.count), 0)
        }
        let path = try canonicalPath(input, domain: domain, into: requestPath)
        let isRelative = input.count == 0 || input[0] != 0x2F
        return (path, isRelative ? path.count - input.count : 0)
    }

    /// Registers a watch and fires it once.
    mutating func addWatch(connection: Int, path input: Bytes, token: Bytes) throws(XenstoreError) {
        let domain = connections[connection].domain
        let (path, strip) = try watchTarget(input, domain: domain)
        guard token.count <= capacities.tokenBytes else { throw .E2BIG }
        var owned = 0
        var freeSlot: Int? = nil
        for slot in 0..<capacities.watches {
            guard watches[slot].active else {
                if freeSlot == nil { freeSlot = slot }
                continue
            }
            let watcher = Int(watches[slot].connection)
            if watcher == connection && watchPath(slot).equals(path) && watchToken(slot).equals(token) { throw .EEXIST }
            if connections[watcher].domain == domain { owned += 1 }
        }
        guard isPrivileged(domain) || owned < capacities.quota.watches else { throw .E2BIG }
        guard let slot = freeSlot else { throw .ENOSPC }
        let start = watchBytes + slot * (capacities.pathBytes + capacities.tokenBytes)
        for index in 0..<path.count { start[index] = path[index] }
        for index in 0..<token.count { start[capacities.pathBytes + index] = token[index] }
        watches[slot] = WatchRecord(active: true, connection: UInt16(connection), pathLength: UInt16(path.count),
                                    tokenLength: UInt16(token.count), strip: UInt16(strip))
    }

    /// The watch just added fires once, with the path as it was given.
    mutating func fireNewWatch(connection: Int, path: Bytes, token: Bytes) {
        queueEvent(connection: connection, path: path, token: token)
    }

    mutating func removeWatch(connection: Int, path input: Bytes, token: Bytes) throws(XenstoreError) {
        let (path, _) = try watchTarget(input, domain: connections[connection].domain)
        for slot in 0..<capacities.watches where watches[slot].active && Int(watches[slot].connection) == connection
            && watchPath(slot).equals(path) && watchToken(slot).equals(token)
        {
            watches[slot] = WatchRecord()
            return
        }
        throw .ENOENT
    }

    mutating func removeWatches(of connection: Int) {
        for slot in 0..<capacities.watches where watches[slot].active && Int(watches[slot].connection) == connection {
            watches[slot] = WatchRecord()
        }
    }

    /// Sends the events a change of `path` causes. `recursive`: the node and
    /// its subtree went away, so watches inside the subtree fire too (with
    /// their own path). Watchers must be able to read the node (`permissions`).
    mutating func announce(_ path: Bytes, recursive: Bool, _ permissions: UnsafePointer<XenstorePermission>,
                           _ permissionCount: Int) {
        for slot in 0..<capacities.watches where watches[slot].active {
            let watched = watchPath(slot)
            let event: Bytes
            if Self.isAtOrBelow(path, watched) {
                event = path
            } else if recursive && Self.isAtOrBelow(watched, path) {
                event = watched
            } else {
                continue
            }
            let watcher = Int(watches[slot].connection)
            guard access(of: connections[watcher].domain, permissions, count: permissionCount).contains(.read)
            else { continue }
            queueEvent(connection: watcher, path: event.dropFirst(Int(watches[slot].strip)), token: watchToken(slot))
        }
    }

    /// Sends a special event ("@introduceDomain", "@releaseDomain") to its watches.
    mutating func announceSpecial(_ name: StaticString) {
        for slot in 0..<capacities.watches where watches[slot].active && watchPath(slot).equals(Bytes(name)) {
            queueEvent(connection: Int(watches[slot].connection), path: Bytes(name), token: watchToken(slot))
        }
    }

    /// Remembers a change to announce after the reply (path and permissions copied).
    mutating func deferAnnouncement(_ path: Bytes, recursive: Bool, slot: Int) {
        for index in 0..<path.count { firePath[index] = path[index] }
        let count = permissionCount(of: slot)
        for index in 0..<count { firePermissions[index] = permissions(of: slot)[index] }
        pendingFire = PendingFire(pathLength: path.count, permissionCount: count, recursive: recursive)
    }

    mutating func announceDeferred() {
        guard let fire = pendingFire else { return }
        pendingFire = nil
        announce(Bytes(firePath, count: fire.pathLength), recursive: fire.recursive, UnsafePointer(firePermissions),
                 fire.permissionCount)
    }
}
