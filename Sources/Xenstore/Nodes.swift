// The node table: a fixed array of slots, each holding one node's absolute
// path, value and permissions. Lookups scan it (the store is small); a
// transaction sees the committed nodes overlaid with its own pending and
// removed records. `transaction` below is 0 outside a transaction, else the
// transaction's slot + 1.

extension Xenstore {
    func path(of slot: Int) -> Bytes {
        Bytes(nodePaths + slot * capacities.pathBytes, count: Int(nodes[slot].pathLength))
    }

    func value(of slot: Int) -> Bytes {
        Bytes(nodeValues + slot * capacities.valueBytes, count: Int(nodes[slot].valueLength))
    }

    func permissions(of slot: Int) -> UnsafeMutablePointer<XenstorePermission> {
        nodePermissions + slot * capacities.permissionsPerNode
    }

    func permissionCount(of slot: Int) -> Int { Int(nodes[slot].permissionCount) }

    /// A free slot, marked in use by the caller's `fill`.
    func claimSlot() -> Int? {
        for slot in 0..<capacities.nodes where nodes[slot].state == .free { return slot }
        return nil
    }

    var freeSlotCount: Int {
        var count = 0
        for slot in 0..<capacities.nodes where nodes[slot].state == .free { count += 1 }
        return count
    }

    /// Writes a whole record (path, value and permissions must fit: callers check).
    func fill(_ slot: Int, path: Bytes, value: Bytes, permissions: UnsafePointer<XenstorePermission>,
              permissionCount: Int, state: NodeState, transaction: Int) {
        let pathStart = nodePaths + slot * capacities.pathBytes
        for index in 0..<path.count { pathStart[index] = path[index] }
        let list = self.permissions(of: slot)
        for index in 0..<permissionCount { list[index] = permissions[index] }
        nodes[slot].state = state
        nodes[slot].transaction = UInt16(transaction)
        nodes[slot].pathLength = UInt16(path.count)
        nodes[slot].pathHash = path.hash
        nodes[slot].permissionCount = UInt8(permissionCount)
        setValue(slot, value)
    }

    func setValue(_ slot: Int, _ value: Bytes) {
        let valueStart = nodeValues + slot * capacities.valueBytes
        for index in 0..<value.count { valueStart[index] = value[index] }
        nodes[slot].valueLength = UInt16(value.count)
    }

    func free(_ slot: Int) { nodes[slot] = NodeRecord() }

    /// The committed node at `path`.
    func committedSlot(_ path: Bytes) -> Int? {
        let hash = path.hash
        for slot in 0..<capacities.nodes where nodes[slot].state == .committed && nodes[slot].pathHash == hash
            && path.equals(self.path(of: slot))
        {
            return slot
        }
        return nil
    }

    /// The pending or removed record `transaction` holds for `path`.
    func transactionSlot(_ path: Bytes, transaction: Int) -> Int? {
        guard transaction != 0 else { return nil }
        let hash = path.hash
        for slot in 0..<capacities.nodes {
            let record = nodes[slot]
            if (record.state == .pending || record.state == .removed) && Int(record.transaction) == transaction
                && record.pathHash == hash && path.equals(self.path(of: slot))
            {
                return slot
            }
        }
        return nil
    }

    /// The node at `path` as `transaction` sees it.
    func visibleSlot(_ path: Bytes, transaction: Int) -> Int? {
        if let own = transactionSlot(path, transaction: transaction) {
            return nodes[own].state == .pending ? own : nil
        }
        return committedSlot(path)
    }

    /// Whether `slot` is part of the tree as `transaction` sees it.
    func isVisible(_ slot: Int, transaction: Int) -> Bool {
        switch nodes[slot].state {
        case .free, .removed: return false
        case .pending: return Int(nodes[slot].transaction) == transaction
        case .committed: return transaction == 0 || transactionSlot(path(of: slot), transaction: transaction) == nil
        }
    }

    /// Calls `body` with every node `transaction` sees at or below `path`.
    func forEachVisible(atOrBelow path: Bytes, transaction: Int, _ body: (Int) -> Void) {
        for slot in 0..<capacities.nodes
        where nodes[slot].state != .free && Self.isAtOrBelow(self.path(of: slot), path)
            && isVisible(slot, transaction: transaction)
        {
            body(slot)
        }
    }

    /// Nodes that `domain` owns in the tree `transaction` sees (its node quota).
    func ownedCount(by domain: UInt16, transaction: Int) -> Int {
        var count = 0
        for slot in 0..<capacities.nodes where permissions(of: slot)[0].domain == domain
            && isVisible(slot, transaction: transaction)
        {
            count += 1
        }
        return count
    }
}
