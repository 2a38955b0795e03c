// Random operation sequences from several domains (and their transactions)
// against the reference model: every reply must match, and at the end the
// whole tree as the privileged domain reads it over the wire must equal
// the model's.
import Xenstore
import TestSupport
import XCTest

final class XenstorePropertyTests: XCTestCase {
    static let capacities = XenstoreCapacities(
        nodes: 2048, pathBytes: 40, valueBytes: 24, permissionsPerNode: 3, watches: 8, tokenBytes: 8,
        transactions: 6, accessesPerTransaction: 512, connections: 5, outputBytes: 8192,
        quota: XenstoreQuota(nodes: 10, valueBytes: 12, watches: 2, transactions: 2))
    static let guests: [UInt16] = [5, 6, 7]

    /// Error replies the sequences produced: the test is only as good as what it reaches.
    private var errorsSeen = Set<String>()

    func testRandomOperationsMatchTheReferenceModel() {
        for seed in 1...40 { runSequence(seed: UInt64(seed), steps: 400) }
        XCTAssertTrue(errorsSeen.isSuperset(of: ["EACCES", "ENOENT", "EINVAL", "E2BIG", "ENOSPC", "EPERM", "EAGAIN"]),
                      "reached only \(errorsSeen.sorted())")
    }

    private func check(_ mine: String, _ expected: String, _ context: String) {
        XCTAssertEqual(mine, expected, context)
        if expected.hasPrefix("E") { errorsSeen.insert(expected) }
    }

    private func runSequence(seed: UInt64, steps: Int) {
        var random = SplitMix64(seed: seed)
        let h = StoreHarness(Self.capacities)
        let model = ReferenceStore(capacities: Self.capacities, guests: Self.guests)
        var clients: [(connection: Int, domain: UInt16)] = [(h.store.connect(domain: 0)!, 0)]
        for guest in Self.guests { clients.append((h.store.introduceDomain(guest)!, guest)) }
        var open: [Int: [UInt32]] = [:]
        // The privileged domain watches everything: after each request it
        // must have exactly the events for what that request committed.
        let watcher = clients[0].connection
        XCTAssertEqual(h.watch(watcher, "/", "all"), "OK|")
        XCTAssertEqual(h.events(watcher), ["/|all|"])

        for step in 0..<steps {
            let (connection, domain) = clients[random.below(clients.count)]
            var tx: UInt32 = 0
            if let ids = open[connection], !ids.isEmpty, random.chance(60) { tx = ids[random.below(ids.count)] }
            let path = randomPath(&random, domain: domain)
            let context = "seed \(seed) step \(step) domain \(domain) tx \(tx) path \(path)"
            let kind = random.below(100)
            let absolute = try? model.canonical(path, domain)
            let existed = absolute.map { model.visible($0, nil) != nil } ?? false
            var committedPaths: Set<String> = []
            var outcome = ""
            switch kind {
            case 0..<22:
                let value = String(repeating: "v", count: random.below(16))
                outcome = model.write(domain, path, Array(value.utf8), tx: tx)
                check(h.write(connection, path, value, tx: tx), outcome, context)
                if outcome == "OK|" && tx == 0 { committedPaths = [absolute!] }
            case 22..<37:
                check(h.read(connection, path, tx: tx), model.read(domain, path, tx: tx), context)
            case 37..<45:
                outcome = model.mkdir(domain, path, tx: tx)
                check(h.mkdir(connection, path, tx: tx), outcome, context)
                if outcome == "OK|" && tx == 0 && !existed { committedPaths = [absolute!] }
            case 45..<53:
                outcome = model.rm(domain, path, tx: tx)
                check(h.rm(connection, path, tx: tx), outcome, context)
                if outcome == "OK|" && tx == 0 && existed { committedPaths = [absolute!] }
            case 53..<61:
                let mine = h.directory(connection, path, tx: tx)
                let sorted = mine.hasSuffix("|") ? mine.split(separator: "|").map { $0 + "|" }.sorted().joined() : mine
                check(sorted, model.directory(domain, path, tx: tx), context)
            case 61..<66:
                check(h.getPerms(connection, path, tx: tx), model.getPerms(domain, path, tx: tx), context)
            case 66..<74:
                let letters = ["n", "r", "w", "b"]
                let owners: [UInt16] = [domain, domain, 0, 5, 6, 7]
                var list = (0..<random.below(5)).map { _ in
                    letters[random.below(4)] + "\(owners[random.below(owners.count)])"
                }
                if random.chance(5) { list.append("q1") }
                outcome = model.setPerms(domain, path, list, tx: tx)
                check(h.setPerms(connection, path, list, tx: tx), outcome, context)
                if outcome == "OK|" && tx == 0 { committedPaths = [absolute!] }
            case 74..<84:
                let (id, error) = h.start(connection)
                let (expectedID, expectedError) = model.start(connection, domain)
                XCTAssertEqual(id, expectedID, context)
                check(error, expectedError, context)
                if id != 0 { open[connection, default: []].append(id) }
            default:
                guard let ids = open[connection], !ids.isEmpty else { continue }
                let id = ids[random.below(ids.count)]
                let commit = random.chance(80)
                let overlay = model.transactions[id]?.overlay ?? [:]
                outcome = model.end(connection, id, commit: commit)
                check(h.end(connection, id, commit: commit), outcome, context)
                if outcome == "OK|" && commit {
                    // Changed nodes, and each removed subtree once, at its top.
                    committedPaths = Set(overlay.filter { path, node in
                        node != nil || path == "/" || overlay[model.parent(path)].map { $0 != nil } ?? true
                    }.keys)
                }
                open[connection]!.removeAll { $0 == id }
            }
            if connection != watcher { _ = h.events(connection) }
            let events = h.events(watcher).filter { $0 != "/|all|" || committedPaths.contains("/") }
            XCTAssertEqual(Set(events), Set(committedPaths.map { $0 + "|all|" }), context + " (events)")
            XCTAssertEqual(events.count, committedPaths.count, context + " (event count)")
        }
        XCTAssertEqual(treeAsRead(h, clients[0].connection), model.committed.mapValues {
            model.text($0.value) + " " + $0.perms.map(model.describe).joined(separator: ",")
        }, "seed \(seed): final tree")
    }

    /// Paths from a small alphabet so that operations collide: relative ones,
    /// other domains' homes, places outside any home, and a few invalid ones.
    private func randomPath(_ random: inout SplitMix64, domain: UInt16) -> String {
        let names = ["a", "b", "c"]
        let depth = 1 + random.below(3)
        let relative = (0..<depth).map { _ in names[random.below(names.count)] }.joined(separator: "/")
        switch random.below(100) {
        case 0..<60: return relative
        case 60..<80: return "/local/domain/\(Self.guests[random.below(3)])/" + relative
        case 80..<90: return "/" + relative
        case 90..<93: return "/local/domain/\(Self.guests[random.below(3)])"
        case 93..<96: return relative + "/"
        case 96..<98: return "x y"
        default: return String(repeating: "z", count: 30)
        }
    }

    /// Every node with its value and permissions, walked over the wire by the privileged domain.
    private func treeAsRead(_ h: StoreHarness, _ tool: Int) -> [String: String] {
        var tree: [String: String] = [:]
        var pending = ["/"]
        while let path = pending.popLast() {
            let perms = h.getPerms(tool, path).split(separator: "|").joined(separator: ",")
            tree[path] = h.read(tool, path) + " " + perms
            for child in h.directory(tool, path).split(separator: "|") {
                pending.append(path == "/" ? "/" + child : path + "/" + child)
            }
        }
        return tree
    }
}
