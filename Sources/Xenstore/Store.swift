// The store: its tables, carved from one caller-provided region, and the
// counters that order changes. Operations live in the other files of this
// module as extensions; the wire dispatch is in Server.swift.

enum NodeState: UInt8 {
    case free
    /// Part of the tree everyone sees.
    case committed
    /// A transaction's private version of a node (created or changed in it).
    case pending
    /// A transaction's note that it removed a node.
    case removed
}

struct NodeRecord {
    var state: NodeState = .free
    var permissionCount: UInt8 = 0
    /// For pending and removed records: the transaction's slot + 1.
    var transaction: UInt16 = 0
    var pathLength: UInt16 = 0
    var valueLength: UInt16 = 0
    /// The store's generation when this node (or its list of children) last changed.
    var generation: UInt32 = 0
    /// The path's hash: lookups compare it before the bytes, transactions remember paths by it.
    var pathHash: UInt32 = 0
}

public struct Xenstore {
    public let capacities: XenstoreCapacities
    /// The domain that may do everything (the driver domain, as dom0 in Xen).
    public let privilegedDomain: UInt16

    let nodes: UnsafeMutablePointer<NodeRecord>
    let nodePaths: UnsafeMutablePointer<UInt8>
    let nodeValues: UnsafeMutablePointer<UInt8>
    let nodePermissions: UnsafeMutablePointer<XenstorePermission>
    let watches: UnsafeMutablePointer<WatchRecord>
    let watchBytes: UnsafeMutablePointer<UInt8>
    let transactions: UnsafeMutablePointer<TransactionRecord>
    let accesses: UnsafeMutablePointer<AccessRecord>
    let connections: UnsafeMutablePointer<ConnectionRecord>
    let connectionInput: UnsafeMutablePointer<UInt8>
    let connectionOutput: UnsafeMutablePointer<UInt8>
    /// Scratch: the reply being built, the request's path, a change to announce.
    let reply: UnsafeMutablePointer<UInt8>
    let requestPath: UnsafeMutablePointer<UInt8>
    let firePath: UnsafeMutablePointer<UInt8>
    let firePermissions: UnsafeMutablePointer<XenstorePermission>

    /// Bumped by every committed change; a node keeps the value of its last one.
    var generation: UInt32 = 1
    var nextTransactionID: UInt32 = 1
    /// A change waiting to be announced to watches once the reply is queued.
    var pendingFire: PendingFire? = nil

    /// A store in `memory` (at least `capacities.byteCount` bytes, 8-byte
    /// aligned) holding "/", "/local" and "/local/domain", owned by the
    /// privileged domain and closed to everyone else. Nil if the capacities
    /// are unusable or the memory too small.
    public init?(capacities: XenstoreCapacities, privilegedDomain: UInt16, memory: UnsafeMutableRawBufferPointer) {
        guard capacities.isUsable, let base = memory.baseAddress, memory.count >= capacities.byteCount,
            UInt(bitPattern: base) & 7 == 0
        else { return nil }
        let layout = XenstoreLayout(capacities)
        func table<T>(_ offset: Int, _ count: Int, _ initial: T) -> UnsafeMutablePointer<T> {
            let pointer = (base + offset).bindMemory(to: T.self, capacity: max(count, 1))
            pointer.initialize(repeating: initial, count: count)
            return pointer
        }
        let c = capacities
        self.capacities = c
        self.privilegedDomain = privilegedDomain
        nodes = table(layout.nodeRecords, c.nodes, NodeRecord())
        nodePaths = table(layout.nodePaths, c.nodes * c.pathBytes, 0)
        nodeValues = table(layout.nodeValues, c.nodes * c.valueBytes, 0)
        let noAccess = XenstorePermission(domain: privilegedDomain, access: .noAccess)
        nodePermissions = table(layout.nodePermissions, c.nodes * c.permissionsPerNode, noAccess)
        watches = table(layout.watchRecords, c.watches, WatchRecord())
        watchBytes = table(layout.watchBytes, c.watches * (c.pathBytes + c.tokenBytes), 0)
        transactions = table(layout.transactionRecords, c.transactions, TransactionRecord())
        accesses = table(layout.accessRecords, c.transactions * c.accessesPerTransaction, AccessRecord())
        connections = table(layout.connectionRecords, c.connections, ConnectionRecord())
        connectionInput = table(layout.connectionInput, c.connections * XenstoreLimits.messageMax, 0)
        connectionOutput = table(layout.connectionOutput, c.connections * c.outputBytes, 0)
        reply = table(layout.reply, XenstoreLimits.payloadMax, 0)
        requestPath = table(layout.requestPath, c.pathBytes, 0)
        firePath = table(layout.firePath, c.pathBytes, 0)
        firePermissions = table(layout.firePermissions, c.permissionsPerNode, noAccess)
        addRootNode("/")
        addRootNode("/local")
        addRootNode("/local/domain")
    }

    private mutating func addRootNode(_ path: StaticString) {
        let slot = claimSlot()!
        fill(slot, path: Bytes(path), value: Bytes(path).prefix(0), permissions: UnsafePointer(firePermissions),
             permissionCount: 1, state: .committed, transaction: 0)
        nodes[slot].generation = generation
    }
}
