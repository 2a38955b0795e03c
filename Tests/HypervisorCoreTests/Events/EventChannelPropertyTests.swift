// Seeded random sequences of event-channel operations by several domains
// (including an absent one, detaches and re-attaches, guest masks and
// upcall handling), checked after every step against the table's invariants
// (interdomain ends point at each other, no port bound twice, VIRQ map
// consistent, free ports not pending) and against a small dictionary model
// of Xen's rules that predicts every result and every port's state.
import HypervisorCore
import TestSupport
import XCTest

/// Xen's rules over dictionaries, written independently of the table.
struct EventChannelModel {
    struct Key: Hashable { var domain: UInt16; var port: UInt32 }
    var states: [Key: EventChannelState] = [:]
    var present: Set<UInt16> = []
    let ports = EventChannelTable.portsPerDomain
    let selfID = EventChannelABI.domainSelf

    func state(_ d: UInt16, _ p: UInt32) -> EventChannelState { p == 0 ? .reserved : states[Key(domain: d, port: p)] ?? .free }
    mutating func set(_ d: UInt16, _ p: UInt32, _ s: EventChannelState) { states[Key(domain: d, port: p)] = s }
    func lowestFree(_ d: UInt16) -> UInt32? { (1..<ports).first { state(d, $0) == .free } }

    mutating func allocate(_ c: UInt16, _ dom: UInt16, _ remote: UInt16) -> Result<UInt32, XenError> {
        guard present.contains(c) else { return .failure(.noSuchDomain) }
        let target = dom == selfID ? c : dom
        if target != c { return .failure(present.contains(target) ? .permissionDenied : .noSuchDomain) }
        guard let p = lowestFree(c) else { return .failure(.noSpace) }
        set(c, p, .unbound(remoteDomain: remote == selfID ? c : remote))
        return .success(p)
    }

    mutating func bind(_ c: UInt16, _ remote: UInt16, _ rp: UInt32) -> Result<UInt32, XenError> {
        guard present.contains(c) else { return .failure(.noSuchDomain) }
        let r = remote == selfID ? c : remote
        guard present.contains(r) else { return .failure(.noSuchDomain) }
        guard let lp = lowestFree(c) else { return .failure(.noSpace) }
        guard rp < ports, state(r, rp) == .unbound(remoteDomain: c) else { return .failure(.invalid) }
        set(c, lp, .interdomain(remoteDomain: r, remotePort: rp))
        set(r, rp, .interdomain(remoteDomain: c, remotePort: lp))
        return .success(lp)
    }

    mutating func bindVirq(_ c: UInt16, _ virq: UInt32, _ vcpu: UInt32) -> Result<UInt32, XenError> {
        guard present.contains(c) else { return .failure(.noSuchDomain) }
        guard virq < 24 else { return .failure(.invalid) }
        let perVCPU: Set<UInt32> = [0, 1, 7, 13]
        if !perVCPU.contains(virq) && vcpu != 0 { return .failure(.invalid) }
        guard vcpu == 0 else { return .failure(.noEntry) }
        if (1..<ports).contains(where: { state(c, $0) == .virq(virq, vcpu: 0) }) { return .failure(.exists) }
        guard let p = lowestFree(c) else { return .failure(.noSpace) }
        set(c, p, .virq(virq, vcpu: vcpu))
        return .success(p)
    }

    mutating func close(_ c: UInt16, _ p: UInt32) -> Result<Void, XenError> {
        guard present.contains(c) else { return .failure(.noSuchDomain) }
        guard p < ports else { return .failure(.invalid) }
        switch state(c, p) {
        case .free, .reserved: return .failure(.invalid)
        case .interdomain(let r, let q): set(r, q, .unbound(remoteDomain: c))
        case .unbound, .virq: break
        }
        set(c, p, .free)
        return .success(())
    }

    /// The peer that a send reaches, nil when dropped.
    func send(_ c: UInt16, _ p: UInt32) -> Result<Key?, XenError> {
        guard present.contains(c) else { return .failure(.noSuchDomain) }
        guard p < ports else { return .failure(.invalid) }
        switch state(c, p) {
        case .interdomain(let r, let q): return .success(Key(domain: r, port: q))
        case .unbound: return .success(nil)
        default: return .failure(.invalid)
        }
    }

    mutating func detach(_ d: UInt16) {
        guard present.contains(d) else { return }
        for p in 1..<ports where state(d, p).isBound { _ = close(d, p) }
        present.remove(d)
    }
}

final class EventChannelPropertyTests: XCTestCase {
    let domainCount = 4
    /// How often the interesting paths ran, so the test cannot pass by never reaching them.
    var binds = 0, deliveredSends = 0, droppedSends = 0, peerCloses = 0, dispatched = 0, detaches = 0

    func testRandomOperationsKeepInvariantsAndFollowXensRules() {
        var rng = SplitMix64(seed: 0xE7C4_0001)
        for _ in 0..<20 {
            let pages = EventPages(count: domainCount)
            var table = makeEventTable(pages, domains: domainCount)
            var model = EventChannelModel()
            model.present = Set((0..<domainCount).map { UInt16($0) })
            for step in 0..<250 {
                perform(randomStep: &rng, &table, &model, pages)
                if let problem = table.invariantViolation() {
                    XCTFail("step \(step): \(problem)")
                    return
                }
                if !sameStates(&table, model) {
                    XCTFail("step \(step): table and model disagree")
                    return
                }
            }
        }
        XCTAssertGreaterThan(binds, 150)
        XCTAssertGreaterThan(deliveredSends, 40)
        XCTAssertGreaterThan(droppedSends, 20)
        XCTAssertGreaterThan(peerCloses, 50)
        XCTAssertGreaterThan(dispatched, 50)
        XCTAssertGreaterThan(detaches, 20)
    }

    /// A domain id to act as or talk to: usually a present one, sometimes an
    /// absent id, sometimes DOMID_SELF.
    func randomDomain(_ rng: inout SplitMix64, allowSelf: Bool) -> UInt16 {
        if allowSelf && rng.chance(25) { return EventChannelABI.domainSelf }
        return rng.chance(5) ? 5 : UInt16(rng.below(UInt32(domainCount)))
    }

    /// A port: usually a valid one, sometimes 0 or out of range.
    func randomPort(_ rng: inout SplitMix64) -> UInt32 {
        rng.chance(5) ? 64 + rng.below(4) : rng.below(EventChannelTable.portsPerDomain)
    }

    /// Mostly one of the caller's bound ports (where the interesting paths are), else any port.
    func boundOrRandomPort(_ rng: inout SplitMix64, _ model: EventChannelModel, _ caller: UInt16) -> UInt32 {
        let bound = (1..<EventChannelTable.portsPerDomain).filter { model.state(caller, $0).isBound }
        return !bound.isEmpty && rng.chance(75) ? bound[Int(rng.below(UInt32(bound.count)))] : randomPort(&rng)
    }

    func perform(randomStep rng: inout SplitMix64, _ table: inout EventChannelTable,
                 _ model: inout EventChannelModel, _ pages: EventPages) {
        let caller = randomDomain(&rng, allowSelf: false)
        switch rng.below(100) {
        case 0..<20:
            let dom = rng.chance(85) ? EventChannelABI.domainSelf : randomDomain(&rng, allowSelf: false)
            let remote = randomDomain(&rng, allowSelf: true)
            XCTAssertEqual(table.allocateUnbound(caller: caller, domain: dom, remoteDomain: remote),
                           model.allocate(caller, dom, remote))
        case 20..<40:
            let remote = randomDomain(&rng, allowSelf: true)
            let r = remote == EventChannelABI.domainSelf ? caller : remote
            // Mostly a port that is really offered to the caller, so binds succeed often.
            let offered = (1..<EventChannelTable.portsPerDomain).filter {
                model.state(r, $0) == .unbound(remoteDomain: caller)
            }
            let port = !offered.isEmpty && rng.chance(70) ? offered[Int(rng.below(UInt32(offered.count)))] : randomPort(&rng)
            let expected = model.bind(caller, remote, port)
            let got = table.bindInterdomain(caller: caller, remoteDomain: remote, remotePort: port)
            XCTAssertEqual(got.map(\.localPort), expected)
            if case .success = expected { binds += 1 }
            if case .success(let binding) = got, let n = binding.notification {
                XCTAssertEqual(n.domain, caller)
            }
        case 40..<48:
            let virq: UInt32 = rng.chance(90) ? rng.below(6) : rng.below(30)
            let vcpu = rng.chance(85) ? 0 : 1 as UInt32
            XCTAssertEqual(table.bindVirq(caller: caller, virq: virq, vcpu: vcpu), model.bindVirq(caller, virq, vcpu))
        case 48..<63:
            let port = boundOrRandomPort(&rng, model, caller)
            if model.present.contains(caller), port < 64, case .interdomain = model.state(caller, port) { peerCloses += 1 }
            XCTAssertEqual(table.close(caller: caller, port: port).map { 0 }, model.close(caller, port).map { 0 })
        case 63..<80:
            let port = boundOrRandomPort(&rng, model, caller)
            let expected = model.send(caller, port)
            let peerWasMasked: Bool
            if case .success(let peer?) = expected {
                peerWasMasked = pages.hypervisorView(Int(peer.domain)).isMasked(peer.port)
            } else {
                peerWasMasked = true
            }
            let got = table.send(caller: caller, port: port)
            switch (expected, got) {
            case (.failure(let e), .failure(let g)):
                XCTAssertEqual(e, g)
            case (.success(nil), .success(let n)):
                XCTAssertNil(n, "dropped sends notify nobody")
                droppedSends += 1
            case (.success(let peer?), .success(let n)):
                let view = pages.hypervisorView(Int(peer.domain))
                XCTAssertTrue(view.isPending(peer.port), "the peer's port is pending")
                if !peerWasMasked { XCTAssertTrue(view.isUpcallPending, "an unmasked event raises the upcall") }
                if let n { XCTAssertEqual(n.domain, peer.domain) }
                deliveredSends += 1
            default:
                XCTFail("send: expected \(expected), got \(got)")
            }
        case 80..<86:
            let port = boundOrRandomPort(&rng, model, caller)
            let got = table.unmask(caller: caller, port: port)
            if !model.present.contains(caller) {
                XCTAssertEqual(got, .failure(.noSuchDomain))
            } else if port >= 64 {
                XCTAssertEqual(got, .failure(.invalid))
            } else if case .success(let n?) = got {
                XCTAssertEqual(n.domain, caller)
            }
        case 86..<91:
            if Int(caller) < domainCount { pages.guestView(Int(caller)).mask(boundOrRandomPort(&rng, model, caller) % 64) }
        case 91..<98:
            guard Int(caller) < domainCount else { return }
            let guest = pages.guestView(Int(caller))
            guest.dispatchPending { port in
                XCTAssertTrue(model.state(caller, port).isBound, "only bound ports fire")
                self.dispatched += 1
            }
            for port in 0..<UInt32(64) where !pages.hypervisorView(Int(caller)).isMasked(port) {
                XCTAssertFalse(guest.isPending(port), "every unmasked pending port was handled")
            }
        default:
            let d = UInt16(rng.below(UInt32(domainCount)))
            if model.present.contains(d) {
                table.detach(domain: d)
                model.detach(d)
                detaches += 1
            } else {
                XCTAssertTrue(table.attach(domain: d, page: pages.hypervisorView(Int(d))))
                model.present.insert(d)
            }
        }
    }

    func sameStates(_ table: inout EventChannelTable, _ model: EventChannelModel) -> Bool {
        for d in 0..<UInt16(EventChannelTable.domainCapacity) {
            for p in 0..<EventChannelTable.portsPerDomain where table.state(domain: d, port: p) != model.state(d, p) {
                XCTFail("domain \(d) port \(p): table \(String(describing: table.state(domain: d, port: p))), model \(model.state(d, p))")
                return false
            }
        }
        return true
    }
}
