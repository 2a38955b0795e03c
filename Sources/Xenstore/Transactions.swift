// Transactions as xenstored runs them: a transaction's changes stay private
// (pending and removed records in the node table) until TRANSACTION_END
// commits them all at once. Conflicts are found per node: the transaction
// notes, for every path it reads or changes, the committed generation it saw
// (0: absent); if any of those paths changed meanwhile, the commit fails with
// EAGAIN and the client retries, as with xenstored. Paths are remembered by a
// 32-bit hash: a collision can only cause a spurious EAGAIN, never a missed
// conflict.

struct TransactionRecord {
    var active = false
    var connection: UInt16 = 0
    var id: UInt32 = 0
    var accessCount: UInt16 = 0
}

struct AccessRecord {
    var hash: UInt32 = 0
    var generation: UInt32 = 0
}

extension Xenstore {
    /// Opens a transaction for `connection`; its id goes in every message of it.
    mutating func startTransaction(connection: Int) throws(XenstoreError) -> UInt32 {
        let domain = connections[connection].domain
        if !isPrivileged(domain) {
            var open = 0
            for slot in 0..<capacities.transactions where transactions[slot].active
                && connections[Int(transactions[slot].connection)].domain == domain
            {
                open += 1
            }
            guard open < capacities.quota.transactions else { throw .ENOSPC }
        }
        for slot in 0..<capacities.transactions where !transactions[slot].active {
            let id = nextTransactionID
            nextTransactionID = nextTransactionID == UInt32.max ? 1 : nextTransactionID + 1
            transactions[slot] = TransactionRecord(active: true, connection: UInt16(connection), id: id, accessCount: 0)
            return id
        }
        throw .ENOSPC
    }

    /// The transaction (slot + 1) that `id` names for `connection`; 0 for id 0.
    func transaction(id: UInt32, connection: Int) throws(XenstoreError) -> Int {
        guard id != 0 else { return 0 }
        for slot in 0..<capacities.transactions where transactions[slot].active && transactions[slot].id == id
            && Int(transactions[slot].connection) == connection
        {
            return slot + 1
        }
        throw .ENOENT
    }

    /// Notes that `transaction` depends on `path` as committed now.
    func noteAccess(_ path: Bytes, transaction: Int) throws(XenstoreError) {
        guard transaction != 0 else { return }
        let slot = transaction - 1
        let hash = path.hash
        let log = accesses + slot * capacities.accessesPerTransaction
        let count = Int(transactions[slot].accessCount)
        for index in 0..<count where log[index].hash == hash { return }
        guard count < capacities.accessesPerTransaction else { throw .ENOSPC }
        log[count] = AccessRecord(hash: hash, generation: committedGeneration(hash: hash))
        transactions[slot].accessCount += 1
    }

    /// The generation of the committed node whose path hashes to `hash` (0: none).
    private func committedGeneration(hash: UInt32) -> UInt32 {
        var newest: UInt32 = 0
        for slot in 0..<capacities.nodes where nodes[slot].state == .committed && nodes[slot].pathHash == hash {
            newest = max(newest, nodes[slot].generation)
        }
        return newest
    }

    /// Whether nothing `transaction` depends on changed since it looked.
    func isUnchanged(transaction: Int) -> Bool {
        let slot = transaction - 1
        let log = accesses + slot * capacities.accessesPerTransaction
        for index in 0..<Int(transactions[slot].accessCount)
        where committedGeneration(hash: log[index].hash) != log[index].generation {
            return false
        }
        return true
    }

    /// Drops a transaction and its private records.
    mutating func discard(transaction: Int) {
        for slot in 0..<capacities.nodes where nodes[slot].state != .committed && nodes[slot].state != .free
            && Int(nodes[slot].transaction) == transaction
        {
            free(slot)
        }
        transactions[transaction - 1] = TransactionRecord()
    }

    /// Makes a checked transaction's changes everyone's: announces them to
    /// watches (a removed subtree once, at its top), then replaces or removes
    /// the committed nodes, all with one new generation.
    mutating func commit(transaction: Int) {
        generation &+= 1
        for slot in 0..<capacities.nodes where Int(nodes[slot].transaction) == transaction {
            let path = path(of: slot)
            if nodes[slot].state == .pending {
                announce(path, recursive: false, UnsafePointer(permissions(of: slot)), permissionCount(of: slot))
            } else if nodes[slot].state == .removed,
                      transactionSlot(Self.parent(of: path), transaction: transaction).map({ nodes[$0].state }) != .removed
            {
                announce(path, recursive: true, UnsafePointer(permissions(of: slot)), permissionCount(of: slot))
            }
        }
        for slot in 0..<capacities.nodes where Int(nodes[slot].transaction) == transaction
            && (nodes[slot].state == .pending || nodes[slot].state == .removed)
        {
            let path = path(of: slot)
            let replaced = committedSlot(path)
            if let replaced { free(replaced) }
            if nodes[slot].state == .removed {
                free(slot)
            } else {
                nodes[slot].state = .committed
                nodes[slot].transaction = 0
                nodes[slot].generation = generation
            }
            if replaced == nil || nodes[slot].state == .free, path.count > 1,
               let parent = committedSlot(Self.parent(of: path))
            {
                nodes[parent].generation = generation
            }
        }
        transactions[transaction - 1] = TransactionRecord()
    }

    /// Ends every transaction `connection` has open.
    mutating func discardTransactions(of connection: Int) {
        for slot in 0..<capacities.transactions where transactions[slot].active
            && Int(transactions[slot].connection) == connection
        {
            discard(transaction: slot + 1)
        }
    }
}
