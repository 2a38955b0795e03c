// How big the store is and how much of it one unprivileged domain may use.
// Everything lives in one region the caller hands over (a static buffer in
// the driver domain, sized from its configuration); the store never allocates.

/// What one unprivileged domain may hold (the privileged domain is limited
/// only by the capacities). Exceeding one gets xenstored's reply for it.
public struct XenstoreQuota: Equatable, Sendable {
    /// Nodes it owns (ENOSPC beyond).
    public var nodes: Int
    /// Bytes of one value it writes (ENOSPC beyond).
    public var valueBytes: Int
    /// Watches it has registered (E2BIG beyond).
    public var watches: Int
    /// Transactions it has open (ENOSPC beyond).
    public var transactions: Int

    public init(nodes: Int, valueBytes: Int, watches: Int, transactions: Int) {
        self.nodes = nodes
        self.valueBytes = valueBytes
        self.watches = watches
        self.transactions = transactions
    }
}

/// The fixed sizes of every table in the store.
public struct XenstoreCapacities: Equatable, Sendable {
    /// Node slots, shared by committed nodes and transactions' private copies.
    public var nodes: Int
    /// Longest absolute path a node or watch can have (E2BIG beyond).
    public var pathBytes: Int
    /// Longest value (ENOSPC beyond).
    public var valueBytes: Int
    /// Entries in one node's permission list (ENOSPC beyond).
    public var permissionsPerNode: Int
    /// Registered watches, all connections together.
    public var watches: Int
    /// Longest watch token (E2BIG beyond).
    public var tokenBytes: Int
    /// Open transactions, all connections together.
    public var transactions: Int
    /// Paths one transaction may read or write (ENOSPC beyond).
    public var accessesPerTransaction: Int
    /// Connections (one per domain with a ring, plus local ones).
    public var connections: Int
    /// Replies and watch events queued for one connection; at least one
    /// largest message (4112 bytes), so a request always has room for its reply.
    public var outputBytes: Int
    public var quota: XenstoreQuota

    public init(nodes: Int, pathBytes: Int, valueBytes: Int, permissionsPerNode: Int, watches: Int,
                tokenBytes: Int, transactions: Int, accessesPerTransaction: Int, connections: Int,
                outputBytes: Int, quota: XenstoreQuota) {
        self.nodes = nodes
        self.pathBytes = pathBytes
        self.valueBytes = valueBytes
        self.permissionsPerNode = permissionsPerNode
        self.watches = watches
        self.tokenBytes = tokenBytes
        self.transactions = transactions
        self.accessesPerTransaction = accessesPerTransaction
        self.connections = connections
        self.outputBytes = outputBytes
        self.quota = quota
    }

    /// Sizes for a driver domain serving up to eight guests, of which four
    /// hostile ones together cannot fill the node table (docs/XENSTORE.md).
    public static let standard = XenstoreCapacities(
        nodes: 1024, pathBytes: 96, valueBytes: 128, permissionsPerNode: 4, watches: 64, tokenBytes: 32,
        transactions: 16, accessesPerTransaction: 32, connections: 9, outputBytes: 8192,
        quota: XenstoreQuota(nodes: 128, valueBytes: 128, watches: 8, transactions: 2))

    /// Node slots one unprivileged domain can occupy at most: the nodes it
    /// owns plus private copies in its open transactions (each copy is a path
    /// the transaction depends on).
    public var worstCaseNodesPerGuest: Int { quota.nodes + quota.transactions * accessesPerTransaction }

    /// Whether the store can work with these sizes (and its 16-bit record fields hold them).
    public var isUsable: Bool {
        nodes >= 4 && pathBytes >= 32 && pathBytes <= XenstoreLimits.absolutePathMax
            && valueBytes >= 1 && valueBytes <= XenstoreLimits.payloadMax
            && permissionsPerNode >= 1 && permissionsPerNode <= 255
            && watches >= 0 && tokenBytes >= 1 && tokenBytes <= XenstoreLimits.payloadMax
            && transactions >= 0 && transactions < Int(UInt16.max)
            && accessesPerTransaction >= 1 && accessesPerTransaction <= Int(UInt16.max) && connections >= 1
            && connections <= Int(UInt16.max) && outputBytes >= XenstoreLimits.messageMax
            && quota.nodes >= 0 && quota.valueBytes >= 0 && quota.watches >= 0 && quota.transactions >= 0
    }

    /// Bytes of memory the store needs (each table 8-byte aligned).
    public var byteCount: Int { XenstoreLayout(self).byteCount }
}

/// Where each table sits in the store's region.
struct XenstoreLayout {
    var nodeRecords = 0, nodePaths = 0, nodeValues = 0, nodePermissions = 0
    var watchRecords = 0, watchBytes = 0
    var transactionRecords = 0, accessRecords = 0
    var connectionRecords = 0, connectionInput = 0, connectionOutput = 0
    var reply = 0, requestPath = 0, firePath = 0, firePermissions = 0
    var byteCount = 0

    init(_ capacities: XenstoreCapacities) {
        var end = 0
        func table(_ bytes: Int) -> Int {
            let start = (end + 7) & ~7
            end = start + bytes
            return start
        }
        let c = capacities
        nodeRecords = table(c.nodes * MemoryLayout<NodeRecord>.stride)
        nodePaths = table(c.nodes * c.pathBytes)
        nodeValues = table(c.nodes * c.valueBytes)
        nodePermissions = table(c.nodes * c.permissionsPerNode * MemoryLayout<XenstorePermission>.stride)
        watchRecords = table(c.watches * MemoryLayout<WatchRecord>.stride)
        watchBytes = table(c.watches * (c.pathBytes + c.tokenBytes))
        transactionRecords = table(c.transactions * MemoryLayout<TransactionRecord>.stride)
        accessRecords = table(c.transactions * c.accessesPerTransaction * MemoryLayout<AccessRecord>.stride)
        connectionRecords = table(c.connections * MemoryLayout<ConnectionRecord>.stride)
        connectionInput = table(c.connections * XenstoreLimits.messageMax)
        connectionOutput = table(c.connections * c.outputBytes)
        reply = table(XenstoreLimits.payloadMax)
        requestPath = table(c.pathBytes)
        firePath = table(c.pathBytes)
        firePermissions = table(c.permissionsPerNode * MemoryLayout<XenstorePermission>.stride)
        byteCount = end
    }
}
