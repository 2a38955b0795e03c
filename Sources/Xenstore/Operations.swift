// The operations on the tree, each as xenstored answers it: checks first
// (permissions, quotas, room), then the change, so a refused request leaves
// the store as it was. Outside a transaction a change is committed at once
// and announced to watches after the reply; inside one it stays private
// until TRANSACTION_END.

extension Xenstore {
    /// The nearest node `transaction` sees at or above `path` ("/" always exists).
    func nearestVisible(_ path: Bytes, transaction: Int) -> Int {
        var candidate = path
        while true {
            if let slot = visibleSlot(candidate, transaction: transaction) { return slot }
            candidate = Self.parent(of: candidate)
        }
    }

    /// The node at `path` if `domain` has `need` on it. A missing node is
    /// ENOENT only if the nearest existing ancestor grants `need`; otherwise
    /// EACCES, so a domain learns nothing about places it cannot see.
    func requireNode(_ path: Bytes, domain: UInt16, transaction: Int, need: XenstoreAccess) throws(XenstoreError) -> Int {
        if let slot = visibleSlot(path, transaction: transaction) {
            guard access(of: domain, slot: slot).isSuperset(of: need) else { throw .EACCES }
            return slot
        }
        guard access(of: domain, slot: nearestVisible(path, transaction: transaction)).isSuperset(of: need)
        else { throw .EACCES }
        throw .ENOENT
    }

    func read(_ path: Bytes, domain: UInt16, transaction: Int, into reply: inout ByteWriter) throws(XenstoreError) {
        try noteAccess(path, transaction: transaction)
        let slot = try requireNode(path, domain: domain, transaction: transaction, need: .read)
        reply.append(value(of: slot))
    }

    /// The names of a node's children, each NUL-terminated (E2BIG past one message).
    func directory(_ path: Bytes, domain: UInt16, transaction: Int, into reply: inout ByteWriter) throws(XenstoreError) {
        try noteAccess(path, transaction: transaction)
        _ = try requireNode(path, domain: domain, transaction: transaction, need: .read)
        let nameStart = path.count == 1 ? 1 : path.count + 1
        forEachVisible(atOrBelow: path, transaction: transaction) { slot in
            let child = self.path(of: slot)
            guard Self.isDirectChild(child, of: path) else { return }
            reply.append(child.dropFirst(nameStart))
            reply.append(0)
        }
        guard !reply.overflowed else { throw .E2BIG }
    }

    func getPermissions(_ path: Bytes, domain: UInt16, transaction: Int, into reply: inout ByteWriter)
        throws(XenstoreError)
    {
        try noteAccess(path, transaction: transaction)
        let slot = try requireNode(path, domain: domain, transaction: transaction, need: .read)
        for index in 0..<permissionCount(of: slot) {
            permissions(of: slot)[index].append(to: &reply)
            reply.append(0)
        }
    }

    mutating func write(_ path: Bytes, value: Bytes, domain: UInt16, transaction: Int) throws(XenstoreError) {
        let limit = isPrivileged(domain) ? capacities.valueBytes : min(capacities.valueBytes, capacities.quota.valueBytes)
        guard value.count <= limit else { throw .ENOSPC }
        try noteAccess(path, transaction: transaction)
        let slot: Int
        if let existing = visibleSlot(path, transaction: transaction) {
            guard access(of: domain, slot: existing).contains(.write) else { throw .EACCES }
            slot = try changeableCopy(of: existing, transaction: transaction)
        } else {
            slot = try create(path, domain: domain, transaction: transaction)
        }
        setValue(slot, value)
        committed(slot, path, transaction: transaction)
    }

    /// Creates the node (empty) if it is missing; an existing one needs write access.
    mutating func mkdir(_ path: Bytes, domain: UInt16, transaction: Int) throws(XenstoreError) {
        try noteAccess(path, transaction: transaction)
        if let existing = visibleSlot(path, transaction: transaction) {
            guard access(of: domain, slot: existing).contains(.write) else { throw .EACCES }
            return
        }
        let slot = try create(path, domain: domain, transaction: transaction)
        committed(slot, path, transaction: transaction)
    }

    /// Removes a node and everything below it. A missing node whose parent
    /// exists is not an error (xenstored's rule); "/" cannot be removed.
    mutating func rm(_ path: Bytes, domain: UInt16, transaction: Int) throws(XenstoreError) {
        guard path.count > 1 else { throw .EINVAL }
        let parent = Self.parent(of: path)
        try noteAccess(path, transaction: transaction)
        try noteAccess(parent, transaction: transaction)
        let top: Int
        do {
            top = try requireNode(path, domain: domain, transaction: transaction, need: .write)
        } catch .ENOENT {
            guard visibleSlot(parent, transaction: transaction) != nil else { throw .ENOENT }
            return
        }
        if transaction == 0 {
            deferAnnouncement(path, recursive: true, slot: top)
            for slot in 0..<capacities.nodes where nodes[slot].state == .committed
                && Self.isAtOrBelow(self.path(of: slot), path)
            {
                free(slot)
            }
            bumpGeneration(of: parent)
            return
        }
        // In a transaction: every node it sees in the subtree gets a removed
        // record (a private one it created is simply dropped).
        var needed = 0
        var noted: XenstoreError? = nil
        forEachVisible(atOrBelow: path, transaction: transaction) { slot in
            if nodes[slot].state == .committed { needed += 1 }
            do throws(XenstoreError) { try noteAccess(self.path(of: slot), transaction: transaction) } catch { noted = error }
        }
        if let noted { throw noted }
        guard needed <= freeSlotCount else { throw .ENOSPC }
        forEachVisible(atOrBelow: path, transaction: transaction) { slot in
            let nodePath = self.path(of: slot)
            if nodes[slot].state == .pending {
                if committedSlot(nodePath) != nil { nodes[slot].state = .removed } else { free(slot) }
            } else if let mark = claimSlot() {
                fill(mark, path: nodePath, value: nodePath.prefix(0), permissions: UnsafePointer(permissions(of: slot)),
                     permissionCount: permissionCount(of: slot), state: .removed, transaction: transaction)
            }
        }
    }

    /// Replaces a node's permission list; only its owner (or the privileged
    /// domain) may, and only the privileged domain may give it away (EPERM).
    mutating func setPermissions(_ path: Bytes, list: Bytes, domain: UInt16, transaction: Int) throws(XenstoreError) {
        // The list is checked before the node, as xenstored does.
        var fields = PayloadFields(list)
        var count = 0
        var newOwner: UInt16 = 0
        while let field = fields.next() {
            guard let entry = XenstorePermission(parsing: field) else { throw .EINVAL }
            if count == 0 { newOwner = entry.domain }
            count += 1
        }
        guard fields.isEmpty && count >= 1 else { throw .EINVAL }
        guard count <= capacities.permissionsPerNode else { throw .ENOSPC }
        try noteAccess(path, transaction: transaction)
        let existing = try requireNode(path, domain: domain, transaction: transaction, need: .owner)
        guard isPrivileged(domain) || newOwner == permissions(of: existing)[0].domain else { throw .EPERM }
        let slot = try changeableCopy(of: existing, transaction: transaction)
        fields = PayloadFields(list)
        var index = 0
        while let field = fields.next(), let entry = XenstorePermission(parsing: field) {
            permissions(of: slot)[index] = entry
            index += 1
        }
        nodes[slot].permissionCount = UInt8(count)
        committed(slot, path, transaction: transaction)
    }

    /// The record a change of `slot` goes to: the node itself outside a
    /// transaction, else the transaction's private copy (made on first change).
    private mutating func changeableCopy(of slot: Int, transaction: Int) throws(XenstoreError) -> Int {
        guard transaction != 0 && nodes[slot].state == .committed else { return slot }
        guard let copy = claimSlot() else { throw .ENOSPC }
        fill(copy, path: path(of: slot), value: value(of: slot), permissions: UnsafePointer(permissions(of: slot)),
             permissionCount: permissionCount(of: slot), state: .pending, transaction: transaction)
        return copy
    }

    /// Creates `path` and its missing ancestors; returns the new node's slot.
    /// Creating needs write access on the nearest existing ancestor; new nodes
    /// inherit their parent's permissions, but an unprivileged creator owns them.
    private mutating func create(_ path: Bytes, domain: UInt16, transaction: Int) throws(XenstoreError) -> Int {
        let ancestor = nearestVisible(path, transaction: transaction)
        guard access(of: domain, slot: ancestor).contains(.write) else { throw .EACCES }
        let ancestorLength = Int(nodes[ancestor].pathLength)
        var missing = 0
        for index in (ancestorLength == 1 ? 0 : ancestorLength)..<path.count where path[index] == 0x2F { missing += 1 }
        guard isPrivileged(domain) || ownedCount(by: domain, transaction: transaction) + missing <= capacities.quota.nodes
        else { throw .ENOSPC }
        guard missing <= freeSlotCount else { throw .ENOSPC }
        try noteAccess(path.prefix(ancestorLength), transaction: transaction)
        for end in (ancestorLength + 1)..<path.count where path[end] == 0x2F {
            try noteAccess(path.prefix(end), transaction: transaction)
        }
        var parent = ancestor
        var end = ancestorLength + 1
        while end <= path.count {
            if end == path.count || path[end] == 0x2F {
                // A node this transaction removed comes back in its removed record.
                let slot = transactionSlot(path.prefix(end), transaction: transaction) ?? claimSlot()!
                fill(slot, path: path.prefix(end), value: path.prefix(0), permissions: UnsafePointer(permissions(of: parent)),
                     permissionCount: permissionCount(of: parent), state: transaction == 0 ? .committed : .pending,
                     transaction: transaction)
                if !isPrivileged(domain) { permissions(of: slot)[0].domain = domain }
                if transaction == 0 {
                    generation &+= 1
                    nodes[slot].generation = generation
                    nodes[parent].generation = generation
                }
                parent = slot
            }
            end += 1
        }
        return parent
    }

    /// After a change to `slot` (at `path`): outside a transaction, give it a
    /// new generation and announce it once the reply is out.
    private mutating func committed(_ slot: Int, _ path: Bytes, transaction: Int) {
        guard transaction == 0 else { return }
        generation &+= 1
        nodes[slot].generation = generation
        deferAnnouncement(path, recursive: false, slot: slot)
    }

    private mutating func bumpGeneration(of path: Bytes) {
        generation &+= 1
        if let slot = committedSlot(path) { nodes[slot].generation = generation }
    }
}
