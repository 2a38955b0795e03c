// Helpers for the vGIC tests: building models, a deterministic PRNG, and a
// stand-in for the GICV hardware that acknowledges and completes list
// register entries the way the guest's IAR/EOIR accesses would.
import HypervisorCore
import TestSupport
import XCTest

extension InterruptSet {
    init(_ intids: [UInt32]) {
        self.init()
        for intid in intids { insert(intid) }
    }

    var members: [UInt32] { (0..<InterruptSet.capacity).filter { contains($0) } }
}

/// A VM owning the SGIs, PPIs 27 and 31, and the given SPIs, with its distributor on.
func makeGIC(spis: [UInt32] = [38, 40], distributorOn: Bool = true) -> VirtualGIC {
    var gic = VirtualGIC(ownedPPIs: VirtualGIC.standardPPIs, passthroughSPIs: InterruptSet(spis))
    if distributorOn { XCTAssertEqual(gic.write(offset: 0x000, width: .word, value: 1).status, .ok) }
    return gic
}

/// The random-traffic suites' model: distributor on, `spis` passthrough SPIs from 32,
/// each owned interrupt enabled with probability `enabledPercent` at a random priority.
func makeRandomGIC(spis: UInt32, enabledPercent: UInt64, random: inout SplitMix64) -> VirtualGIC {
    var gic = VirtualGIC(ownedPPIs: VirtualGIC.standardPPIs, passthroughSPIs: InterruptSet(first: 32, count: spis))
    _ = gic.write(offset: 0x000, width: .word, value: 1)
    let candidates = gic.owned.members
    for intid in candidates where random.chance(enabledPercent) { gic.enable(intid) }
    for intid in candidates { gic.setPriority(intid, UInt8(random.below(8) * 0x20)) }
    return gic
}

extension VirtualGIC {
    /// Enables `intid` through GICD_ISENABLER.
    mutating func enable(_ intid: UInt32) {
        _ = write(offset: 0x100 + (intid / 32) * 4, width: .word, value: 1 << (intid % 32))
    }

    /// Sets `intid`'s priority through a byte store to GICD_IPRIORITYR.
    mutating func setPriority(_ intid: UInt32, _ priority: UInt8) {
        _ = write(offset: 0x400 + intid, width: .byte, value: UInt32(priority))
    }

    func readWord(_ offset: UInt32) -> UInt32 {
        let result = read(offset: offset, width: .word)
        XCTAssertEqual(result.status, .ok, "read of 0x\(String(offset, radix: 16))")
        return result.value
    }
}

extension ListRegisterLoad {
    var array: [UInt32] { (0..<4).map { values[$0] } }
    /// VirtualIDs of the valid entries, in list register order.
    var virtualIDs: [UInt32] { array.filter { $0 >> 28 & 3 != 0 }.map { $0 & 0x3FF } }
}

/// The GICH list registers as the guest changes them through GICV, between a
/// fill (entry) and a sync (exit).
struct FakeCPUInterface {
    var lrs: InlineArray<4, UInt32>

    init(_ load: ListRegisterLoad) { lrs = load.values }

    /// GICV_IAR: the most urgent pending (not active) entry becomes active. Ties go
    /// to the lower list register. Returns its VirtualID, nil when nothing is pending.
    mutating func acknowledge() -> UInt32? {
        var best: Int? = nil
        for slot in 0..<4 where lrs[slot] >> 28 & 3 == 1 {
            if best == nil || (lrs[slot] >> 23 & 0x1F) < (lrs[best!] >> 23 & 0x1F) { best = slot }
        }
        guard let slot = best else { return nil }
        lrs[slot] = lrs[slot] & ~(3 << 28) | (2 << 28)
        return lrs[slot] & 0x3FF
    }

    /// GICV_EOIR (priority drop and deactivation): the active entry for `intid` loses
    /// its active state. Returns false when no entry is active for it.
    @discardableResult
    mutating func complete(_ intid: UInt32) -> Bool {
        for slot in 0..<4 where lrs[slot] & 0x3FF == intid && lrs[slot] >> 29 & 1 == 1 {
            lrs[slot] &= ~(UInt32(2) << 28)
            return true
        }
        return false
    }

    /// Acknowledges and completes everything that is pending, most urgent first.
    mutating func handleAll() -> [UInt32] {
        var handled: [UInt32] = []
        while let intid = acknowledge() {
            complete(intid)
            handled.append(intid)
        }
        return handled
    }

    /// List register `slot` as the GIC sees it: an invalid entry without an EOI
    /// maintenance request is empty (GICH_ELRSR), whatever its other bits hold.
    func effective(_ slot: Int) -> UInt32 {
        let value = lrs[slot]
        let requestsEOI = value >> 31 == 0 && value >> 19 & 1 == 1
        return value >> 28 & 3 == 0 && !requestsEOI ? 0 : value
    }

    /// Whether GICH_MISR would have a bit set for `control`, i.e. a maintenance interrupt.
    func maintenanceAsserted(control: UInt32) -> Bool {
        let valid = (0..<4).filter { lrs[$0] >> 28 & 3 != 0 }.count
        let pending = (0..<4).filter { lrs[$0] >> 28 & 1 != 0 }.count
        let eoi = (0..<4).contains { lrs[$0] >> 28 & 3 == 0 && lrs[$0] >> 31 == 0 && lrs[$0] >> 19 & 1 == 1 }
        if control & 0x2 != 0 && valid <= 1 { return true }
        if control & 0x8 != 0 && pending == 0 { return true }
        return eoi
    }
}
