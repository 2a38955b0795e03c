import HypervisorCore
import TestSupport
import XCTest

/// Random grant / revoke / map / unmap / copy sequences against a model.
/// After every step: every grant-window page mapped in any stage 2 is a mapping
/// the model holds, of a frame that was granted to that domain by its granter at
/// some point, inside the granter's RAM, never writable unless the grant was;
/// maptracks never exceed their capacity; a successful unmap leaves the page
/// unmapped; and GTF_reading / GTF_writing say exactly whether mappings exist.
final class GrantPropertyTests: XCTestCase {
    private struct Held: Hashable {
        var caller: Int, slot: Int, handle: UInt32, granter: Int, ref: Int, frame: PhysicalAddress, writable: Bool
    }

    private struct Given: Hashable { var granter: Int, ref: Int, grantee: Int, page: Int, writable: Bool }

    func testRandomSequencesKeepTheInvariants() throws {
        for seed: UInt64 in [1, 2, 3, 42, 0xA9B5, 0xDEAD_BEEF] {
            try run(seed: seed, steps: 1500)
        }
    }

    private func run(seed: UInt64, steps: Int) throws {
        let f = try GrantFixture()
        var random = SplitMix64(seed: seed)
        var held: [Held] = []
        var everGiven = Set<Given>()
        let refs = 6, slots = 40, domains = 3
        var maps = 0, unmaps = 0, copies = 0, revokedWhileMapped = 0
        for _ in 0..<steps {
            switch random.below(6) {
            case 0:  // the granter grants (possibly rewriting an entry in use: a misbehaving granter)
                let granter = random.below(domains), ref = random.below(refs), grantee = random.below(domains)
                let page = random.below(18) - 1  // -1 and 16, 17: outside its RAM
                let readOnly = random.below(2) == 0
                let flags = f.entry(ref, of: granter).flags & (GrantEntryFlags.reading | GrantEntryFlags.writing)
                f.write(ref, of: granter, GrantEntry(flags: GrantEntryFlags.permitAccess | (readOnly ? GrantEntryFlags.readOnly : 0) | flags,
                                                     domain: DomainID(grantee), frame: GrantFixture.frame(page: 0) &+ UInt32(bitPattern: Int32(page))))
                if page >= 0 && page < 16 { everGiven.insert(Given(granter: granter, ref: ref, grantee: grantee, page: page, writable: !readOnly)) }
            case 1:  // the granter revokes, checking the flags or not
                let granter = random.below(domains), ref = random.below(refs)
                let flags = f.entry(ref, of: granter).flags
                if random.below(2) == 0 || flags & (GrantEntryFlags.reading | GrantEntryFlags.writing) == 0 {
                    if flags & GrantEntryFlags.reading != 0 { revokedWhileMapped += 1 }
                    f.setFlags(ref, of: granter, flags & ~GrantEntryFlags.typeMask)
                }
            case 2, 3:  // map
                let caller = random.below(domains)
                var granter = random.below(domains), ref = random.below(refs + 1)
                // Mostly aim at entries that name the caller, so that many maps succeed.
                let aimed = (0..<domains).flatMap { g in (0..<refs).map { (g, $0) } }
                    .filter { f.entry($0.1, of: $0.0).domain == DomainID(caller) && f.entry($0.1, of: $0.0).flags & 3 == 1 }
                if random.below(4) != 0, let pick = aimed.randomElement(using: &random) { (granter, ref) = pick }
                let slot = random.below(slots), readOnly = random.below(2) == 0
                let wasMapped = f.translate(caller, slot: slot) != nil
                let countBefore = f.grants.maptrack(of: DomainID(caller))!.count
                do {
                    let m = try f.map(ref, of: granter, by: caller, at: slot, readOnly: readOnly)
                    XCTAssertFalse(wasMapped, "seed \(seed): mapped over a mapped page")
                    maps += 1
                    held.append(Held(caller: caller, slot: slot, handle: m.handle, granter: granter, ref: ref, frame: m.frame, writable: m.writable))
                } catch {
                    XCTAssertEqual(f.translate(caller, slot: slot) != nil, wasMapped, "seed \(seed): a refused map changed stage 2")
                    XCTAssertEqual(f.grants.maptrack(of: DomainID(caller))!.count, countBefore)
                    if error == .maptrackFull { XCTAssertEqual(countBefore, Maptrack.capacity) }
                }
            case 4:  // unmap: one of ours, or a random (maybe foreign, maybe stale) handle
                let caller = random.below(domains)
                if random.below(3) != 0, let i = held.indices.filter({ held[$0].caller == caller }).randomElement(using: &random) {
                    let h = held[i]
                    _ = try f.unmap(h.handle, by: caller, at: h.slot)
                    XCTAssertNil(f.translate(caller, slot: h.slot), "seed \(seed): unmap left the page mapped")
                    held.remove(at: i)
                    unmaps += 1
                    XCTAssertGrantError(.badHandle, .badHandle) { try f.unmap(h.handle, by: caller, at: h.slot) }
                } else {
                    let handle = UInt32(random.below(Maptrack.capacity + 2)), slot = random.below(slots)
                    let owned = held.firstIndex { $0.caller == caller && $0.handle == handle && $0.slot == slot }
                    do {
                        _ = try f.unmap(handle, by: caller, at: slot)
                        XCTAssertNotNil(owned, "seed \(seed): unmapped a handle the caller does not hold")
                        XCTAssertNil(f.translate(caller, slot: slot))
                        if let owned { held.remove(at: owned) }
                    } catch {
                        XCTAssertNil(owned, "seed \(seed): refused to unmap its own mapping: \(error)")
                    }
                }
            default:  // copy from a grant into own memory
                let caller = random.below(domains), granter = random.below(domains), ref = random.below(refs)
                if let copy = try? f.grants.copy(GrantCopyRequest(source: .reference(UInt32(ref), of: DomainID(granter), offset: 0),
                                                                  destination: .frame(UInt64(GrantFixture.frame(page: 0)), offset: 0), length: 64), by: DomainID(caller)) {
                    copies += 1
                    let e = f.entry(ref, of: granter)
                    XCTAssertEqual(e.domain, DomainID(caller))
                    XCTAssertEqual(copy.source, f.physical(domain: granter, page: Int(e.frame - GrantFixture.frame(page: 0))))
                }
            }
            check(f, held: held, everGiven: everGiven, seed: seed, slots: slots)
        }
        // The sequence really exercised the operations (not a vacuous pass).
        XCTAssertGreaterThan(maps, 50, "seed \(seed)")
        XCTAssertGreaterThan(unmaps, 20, "seed \(seed)")
        XCTAssertGreaterThan(copies, 10, "seed \(seed)")
        XCTAssertGreaterThan(revokedWhileMapped, 5, "seed \(seed)")
        // Unmapping everything restores an empty window everywhere and clean flags.
        for h in held { _ = try f.unmap(h.handle, by: h.caller, at: h.slot) }
        check(f, held: [], everGiven: everGiven, seed: seed, slots: slots)
    }

    private func check(_ f: GrantFixture, held: [Held], everGiven: Set<Given>, seed: UInt64, slots: Int) {
        for caller in 0..<3 {
            let maptrack = f.grants.maptrack(of: DomainID(caller))!
            XCTAssertLessThanOrEqual(maptrack.count, Maptrack.capacity)
            XCTAssertEqual(maptrack.count, held.filter { $0.caller == caller }.count, "seed \(seed)")
            for slot in 0..<slots {
                let t = f.translate(caller, slot: slot)
                let h = held.first { $0.caller == caller && $0.slot == slot }
                XCTAssertEqual(t != nil, h != nil, "seed \(seed): domain \(caller) slot \(slot) mapped without a record or vice versa")
                guard let t, let h else { continue }
                XCTAssertEqual(t.physical, h.frame)
                XCTAssertEqual(t.attributes.access, h.writable ? 0b11 : 0b01)
                let page = Int((t.physical.value - f.physical(domain: h.granter, page: 0).value) / 4096)
                XCTAssertTrue((0..<16).contains(page), "seed \(seed): mapped a page outside the granter's RAM")
                XCTAssertTrue(everGiven.contains(Given(granter: h.granter, ref: h.ref, grantee: caller, page: page, writable: true))
                              || (!h.writable && everGiven.contains(Given(granter: h.granter, ref: h.ref, grantee: caller, page: page, writable: false))),
                              "seed \(seed): mapped a page never granted so")
            }
        }
        for granter in 0..<3 {
            for ref in 0..<6 {
                let mine = held.filter { $0.granter == granter && $0.ref == ref }
                let flags = f.entry(ref, of: granter).flags
                XCTAssertEqual(flags & GrantEntryFlags.reading != 0, !mine.isEmpty, "seed \(seed): GTF_reading of \(granter):\(ref)")
                XCTAssertEqual(flags & GrantEntryFlags.writing != 0, mine.contains { $0.writable }, "seed \(seed): GTF_writing of \(granter):\(ref)")
                XCTAssertLessThanOrEqual(Set(mine.map(\.caller)).count, 1, "seed \(seed): one grant mapped by two domains")
            }
        }
    }
}
