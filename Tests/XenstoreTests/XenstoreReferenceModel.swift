// A dictionary-based xenstore with the same rules as the store (permissions,
// inheritance, quotas, private transactions, per-path conflict detection),
// written for clarity, to check the store against over random operations.
import Xenstore

final class ReferenceStore {
    struct Node {
        var value: [UInt8]
        var perms: [XenstorePermission]
        var version: Int
    }

    struct Transaction {
        var connection: Int
        var domain: UInt16
        /// The transaction's own versions: a node, or nil for "removed".
        var overlay: [String: Node?] = [:]
        /// The committed version of each path it depended on (0: absent).
        var accessed: [String: Int] = [:]
    }

    struct Failure: Error { let name: String }

    let capacities: XenstoreCapacities
    let privileged: UInt16 = 0
    var committed: [String: Node] = [:]
    var transactions: [UInt32: Transaction] = [:]
    var nextTransactionID: UInt32 = 1
    var version = 0

    init(capacities: XenstoreCapacities, guests: [UInt16]) {
        self.capacities = capacities
        for path in ["/", "/local", "/local/domain"] { committed[path] = Node(value: [], perms: [perm(0, "n")], version: bump()) }
        for guest in guests {
            committed["/local/domain/\(guest)"] = Node(value: [], perms: [perm(guest, "n")], version: bump())
        }
    }

    private func bump() -> Int { version += 1; return version }

    // MARK: Requests (each returns what the harness's `outcome` shows)

    func read(_ domain: UInt16, _ input: String, tx: UInt32) -> String {
        run(tx) { t in
            let path = try canonical(input, domain)
            try note(path, t)
            return text(try require(path, domain, t, need: .read).value)
        }
    }

    func directory(_ domain: UInt16, _ input: String, tx: UInt32) -> String {
        run(tx) { t in
            let path = try canonical(input, domain)
            try note(path, t)
            _ = try require(path, domain, t, need: .read)
            return view(t).keys.filter { isDirectChild($0, of: path) }
                .map { String($0.dropFirst(path == "/" ? 1 : path.count + 1)) + "|" }.sorted().joined()
        }
    }

    func getPerms(_ domain: UInt16, _ input: String, tx: UInt32) -> String {
        run(tx) { t in
            let path = try canonical(input, domain)
            try note(path, t)
            return try require(path, domain, t, need: .read).perms.map { describe($0) + "|" }.joined()
        }
    }

    func write(_ domain: UInt16, _ input: String, _ value: [UInt8], tx: UInt32) -> String {
        run(tx) { t in
            let path = try canonical(input, domain)
            let limit = domain == privileged ? capacities.valueBytes : min(capacities.valueBytes, capacities.quota.valueBytes)
            guard value.count <= limit else { throw Failure(name: "ENOSPC") }
            try note(path, t)
            if var node = visible(path, t) {
                guard access(domain, node.perms).contains(.write) else { throw Failure(name: "EACCES") }
                node.value = value
                store(path, node, t)
            } else {
                try create(path, domain, t)
                var node = visible(path, t)!
                node.value = value
                store(path, node, t)
            }
            return "OK|"
        }
    }

    func mkdir(_ domain: UInt16, _ input: String, tx: UInt32) -> String {
        run(tx) { t in
            let path = try canonical(input, domain)
            try note(path, t)
            if let node = visible(path, t) {
                guard access(domain, node.perms).contains(.write) else { throw Failure(name: "EACCES") }
                return "OK|"
            }
            try create(path, domain, t)
            store(path, visible(path, t)!, t)
            return "OK|"
        }
    }

    func rm(_ domain: UInt16, _ input: String, tx: UInt32) -> String {
        run(tx) { t in
            let path = try canonical(input, domain)
            guard path != "/" else { throw Failure(name: "EINVAL") }
            let parentPath = parent(path)
            try note(path, t)
            try note(parentPath, t)
            do {
                _ = try require(path, domain, t, need: .write)
            } catch let failure as Failure where failure.name == "ENOENT" {
                guard visible(parentPath, t) != nil else { throw failure }
                return "OK|"
            }
            let doomed = view(t).keys.filter { isAtOrBelow($0, path) }
            if let t {
                for node in doomed { try note(node, t) }
                for node in doomed {
                    if transactions[t]!.overlay[node] != nil {
                        if committed[node] != nil { transactions[t]!.overlay[node] = .some(nil) }
                        else { transactions[t]!.overlay.removeValue(forKey: node) }
                    } else {
                        transactions[t]!.overlay[node] = .some(nil)
                    }
                }
            } else {
                for node in doomed { committed.removeValue(forKey: node) }
                committed[parentPath]?.version = bump()
            }
            return "OK|"
        }
    }

    func setPerms(_ domain: UInt16, _ input: String, _ list: [String], tx: UInt32) -> String {
        run(tx) { t in
            let path = try canonical(input, domain)
            var perms: [XenstorePermission] = []
            for entry in list {
                guard let parsed = Array(entry.utf8).withUnsafeBufferPointer({
                    XenstorePermission(parsing: Bytes($0.baseAddress!, count: $0.count))
                }) else { throw Failure(name: "EINVAL") }
                perms.append(parsed)
            }
            guard !perms.isEmpty else { throw Failure(name: "EINVAL") }
            guard perms.count <= capacities.permissionsPerNode else { throw Failure(name: "ENOSPC") }
            try note(path, t)
            var node = try require(path, domain, t, need: .owner)
            guard domain == privileged || perms[0].domain == node.perms[0].domain else { throw Failure(name: "EPERM") }
            node.perms = perms
            store(path, node, t)
            return "OK|"
        }
    }

    /// The new id, or the error.
    func start(_ connection: Int, _ domain: UInt16) -> (UInt32, String) {
        if domain != privileged && transactions.values.filter({ $0.domain == domain }).count >= capacities.quota.transactions {
            return (0, "ENOSPC")
        }
        guard transactions.count < capacities.transactions else { return (0, "ENOSPC") }
        let id = nextTransactionID
        nextTransactionID += 1
        transactions[id] = Transaction(connection: connection, domain: domain)
        return (id, "")
    }

    func end(_ connection: Int, _ id: UInt32, commit: Bool) -> String {
        guard let t = transactions[id], t.connection == connection else { return "ENOENT" }
        transactions.removeValue(forKey: id)
        guard commit else { return "OK|" }
        for (path, seen) in t.accessed where (committed[path]?.version ?? 0) != seen { return "EAGAIN" }
        let now = bump()
        for (path, node) in t.overlay {
            let existed = committed[path] != nil
            if var node {
                node.version = now
                committed[path] = node
            } else {
                committed.removeValue(forKey: path)
            }
            if !existed || node == nil { committed[parent(path)]?.version = now }
        }
        return "OK|"
    }

    // MARK: Rules

    private func run(_ tx: UInt32, _ body: (UInt32?) throws -> String) -> String {
        if tx != 0 && transactions[tx] == nil { return "ENOENT" }
        do { return try body(tx == 0 ? nil : tx) } catch let failure as Failure { return failure.name } catch { fatalError() }
    }

    func canonical(_ input: String, _ domain: UInt16) throws -> String {
        let absolute = input.hasPrefix("/")
        guard input.utf8.count <= (absolute ? 3072 : 2048) else { throw Failure(name: "EINVAL") }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/_@")
        let valid = !input.isEmpty && input.allSatisfy { allowed.contains($0) } && !input.contains("//")
            && (input == "/" || !input.hasSuffix("/"))
        guard valid else { throw Failure(name: "EINVAL") }
        let path = absolute ? input : "/local/domain/\(domain)/" + input
        guard path.utf8.count <= capacities.pathBytes else { throw Failure(name: "E2BIG") }
        return path
    }

    func view(_ t: UInt32?) -> [String: Node] {
        guard let t else { return committed }
        var all = committed
        for (path, node) in transactions[t]!.overlay { all[path] = node }
        return all
    }

    func visible(_ path: String, _ t: UInt32?) -> Node? {
        if let t, let own = transactions[t]!.overlay[path] { return own }
        return committed[path]
    }

    private func store(_ path: String, _ node: Node, _ t: UInt32?) {
        if let t {
            transactions[t]!.overlay[path] = node
        } else {
            var changed = node
            changed.version = bump()
            committed[path] = changed
        }
    }

    private func note(_ path: String, _ t: UInt32?) throws {
        guard let t, transactions[t]!.accessed[path] == nil else { return }
        guard transactions[t]!.accessed.count < capacities.accessesPerTransaction else { throw Failure(name: "ENOSPC") }
        transactions[t]!.accessed[path] = committed[path]?.version ?? 0
    }

    func access(_ domain: UInt16, _ perms: [XenstorePermission]) -> XenstoreAccess {
        if domain == privileged || domain == perms[0].domain { return .all }
        return perms.dropFirst().first { $0.domain == domain }?.access ?? perms[0].access
    }

    private func require(_ path: String, _ domain: UInt16, _ t: UInt32?, need: XenstoreAccess) throws -> Node {
        if let node = visible(path, t) {
            guard access(domain, node.perms).contains(need) else { throw Failure(name: "EACCES") }
            return node
        }
        var ancestor = parent(path)
        while visible(ancestor, t) == nil { ancestor = parent(ancestor) }
        guard access(domain, visible(ancestor, t)!.perms).contains(need) else { throw Failure(name: "EACCES") }
        throw Failure(name: "ENOENT")
    }

    private func create(_ path: String, _ domain: UInt16, _ t: UInt32?) throws {
        var ancestor = parent(path)
        while visible(ancestor, t) == nil { ancestor = parent(ancestor) }
        guard access(domain, visible(ancestor, t)!.perms).contains(.write) else { throw Failure(name: "EACCES") }
        var missing: [String] = []
        var walk = path
        while walk != ancestor { missing.insert(walk, at: 0); walk = parent(walk) }
        if domain != privileged {
            let owned = view(t).values.filter { $0.perms[0].domain == domain }.count
            guard owned + missing.count <= capacities.quota.nodes else { throw Failure(name: "ENOSPC") }
        }
        try note(ancestor, t)
        for prefix in missing.dropLast() { try note(prefix, t) }
        var parentPath = ancestor
        for prefix in missing {
            var perms = visible(parentPath, t)!.perms
            if domain != privileged { perms[0].domain = domain }
            let node = Node(value: [], perms: perms, version: 0)
            if let t {
                transactions[t]!.overlay[prefix] = node
            } else {
                let now = bump()
                committed[prefix] = Node(value: [], perms: perms, version: now)
                committed[parentPath]!.version = now
            }
            parentPath = prefix
        }
    }

    func parent(_ path: String) -> String {
        let cut = path.lastIndex(of: "/")!
        return cut == path.startIndex ? "/" : String(path[..<cut])
    }

    func isAtOrBelow(_ path: String, _ ancestor: String) -> Bool {
        path == ancestor || ancestor == "/" || path.hasPrefix(ancestor + "/")
    }

    func isDirectChild(_ child: String, of path: String) -> Bool {
        child != path && isAtOrBelow(child, path) && parent(child) == path
    }

    private func perm(_ domain: UInt16, _ letter: Character) -> XenstorePermission {
        let access: XenstoreAccess = letter == "r" ? .read : letter == "w" ? .write : letter == "b" ? .readWrite : .noAccess
        return XenstorePermission(domain: domain, access: access)
    }

    func describe(_ perm: XenstorePermission) -> String {
        let letter = perm.access == .readWrite ? "b" : perm.access == .read ? "r" : perm.access == .write ? "w" : "n"
        return "\(letter)\(perm.domain)"
    }

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes.map { $0 == 0 ? 0x7C : $0 }, as: UTF8.self) }
}
