// The fill's shortcut (no list register held, nothing or one interrupt to show)
// against the general fill: same load, same bank afterwards, under random traffic.
@testable import HypervisorCore
import TestSupport
import XCTest

final class VGICFillShortcutTests: XCTestCase {
    func testShortcutFillEqualsTheGeneralFill() {
        var shortcutsTaken = 0, oneShown = 0
        for seed: UInt64 in 1...60 {
            var random = SplitMix64(seed: seed)
            var gic = makeRandomGIC(spis: 12, enabledPercent: 70, random: &random)
            let candidates = gic.owned.members
            var cpu = FakeCPUInterface(gic.fillListRegisters())
            for step in 0..<300 {
                let context = "seed \(seed) step \(step)"
                for _ in 0..<random.below(3) { _ = cpu.acknowledge() }
                for slot in 0..<4 where random.chance(60) { cpu.complete(cpu.lrs[slot] & 0x3FF) }
                gic.sync(fromHardware: cpu.lrs)
                for _ in 0..<random.below(2) {
                    let intid = candidates[Int(random.below(UInt32(candidates.count)))]
                    gic.inject(intid, hardware: intid >= 27 && random.chance(50))
                }
                if random.chance(5) { _ = gic.write(offset: 0x000, width: .word, value: random.chance(80) ? 1 : 0) }

                var shortcut = gic.banks[0], general = gic.banks[0]
                if let load = shortcut.fillOneIntoEmpty() {
                    shortcutsTaken += 1
                    if load.values[0] != 0 { oneShown += 1 }
                    XCTAssertEqual(load, general.fillInGeneral(), context)
                    XCTAssertEqual(shortcut.listRegisters.intids.array, general.listRegisters.intids.array, context)
                    XCTAssertEqual(shortcut.listRegisters.hardware.array, general.listRegisters.hardware.array, context)
                    XCTAssertEqual(shortcut.listRegisters.occupied, general.listRegisters.occupied, context)
                    XCTAssertEqual(shortcut.liveListRegisters, general.liveListRegisters, context)
                    XCTAssertEqual(shortcut.changedSinceFill, general.changedSinceFill, context)
                }
                cpu = FakeCPUInterface(gic.fillListRegisters())
            }
        }
        // Both shortcuts were exercised, not just the fall-back.
        XCTAssertGreaterThan(oneShown, 100)
        XCTAssertGreaterThan(shortcutsTaken - oneShown, 100)
    }
}

private extension InlineArray where Element == UInt32 {
    var array: [UInt32] { (0..<count).map { self[$0] } }
}
