// hasDeliverable (asked on every wake-up and WFI, read a word at a time) against
// its definition from the model's queries, under random traffic and priority masks.
@testable import HypervisorCore
import TestSupport
import XCTest

final class VGICDeliverableTests: XCTestCase {
    func testHasDeliverableMatchesItsDefinition() {
        var answeredYes = 0, answeredNo = 0
        for seed: UInt64 in 1...60 {
            var random = SplitMix64(seed: seed)
            var gic = makeRandomGIC(spis: 100, enabledPercent: 70, random: &random)
            let candidates = gic.owned.members
            var cpu = FakeCPUInterface(gic.fillListRegisters())
            for step in 0..<300 {
                for _ in 0..<random.below(3) { _ = cpu.acknowledge() }
                for slot in 0..<4 where random.chance(60) { cpu.complete(cpu.lrs[slot] & 0x3FF) }
                gic.sync(fromHardware: cpu.lrs)
                for _ in 0..<random.below(3) {
                    let intid = candidates[Int(random.below(UInt32(candidates.count)))]
                    gic.inject(intid, hardware: intid >= 27 && random.chance(50))
                }
                if random.chance(5) { _ = gic.write(offset: 0x000, width: .word, value: random.chance(80) ? 1 : 0) }

                let mask: UInt8 = random.chance(10) ? 0xFF : UInt8(random.below(8) * 0x20 + (random.chance(50) ? 1 : 0))
                let expected = gic.banks[0].distributorEnabled && candidates.contains { intid in
                    gic.isPending(intid) && gic.isEnabled(intid) && !gic.isActive(intid) && gic.priority(of: intid) < mask
                }
                XCTAssertEqual(gic.hasDeliverable(priorityMask: mask), expected, "seed \(seed) step \(step) mask \(mask)")
                if expected { answeredYes += 1 } else { answeredNo += 1 }
                cpu = FakeCPUInterface(gic.fillListRegisters())
            }
        }
        // Both answers were exercised.
        XCTAssertGreaterThan(answeredYes, 1000)
        XCTAssertGreaterThan(answeredNo, 1000)
    }

    /// hasDeliverable reads the set's words with constant indices: the last INTID the set
    /// holds must be seen too (a word added to InterruptSet and not read would fail here).
    func testSeesTheLastINTIDTheSetHolds() {
        let last = InterruptSet.capacity - 1
        var gic = makeGIC(spis: [last])
        gic.enable(last)
        XCTAssertFalse(gic.hasDeliverable())
        gic.inject(last, hardware: true)
        XCTAssertTrue(gic.hasDeliverable())
    }
}
