// Seeded property tests: a hostile guest cannot reach interrupts it does not
// own, and the list register policy keeps its promises under random traffic.
import HypervisorCore
import TestSupport
import XCTest

final class VGICPropertyTests: XCTestCase {
    /// A random VM: some of the PPIs, up to 16 SPIs.
    private func randomGIC(_ random: inout SplitMix64) -> VirtualGIC {
        var ppis = InterruptSet()
        for ppi: UInt32 in 16..<32 where random.chance(30) { ppis.insert(ppi) }
        var spis = InterruptSet()
        let spiCount = random.below(17)
        for _ in 0..<spiCount { spis.insert(32 + random.below(128)) }
        return VirtualGIC(ownedPPIs: ppis, passthroughSPIs: spis)
    }

    /// An offset a hostile guest might try: mostly inside real registers, sometimes anywhere.
    private func randomOffset(_ random: inout SplitMix64) -> UInt32 {
        let bases: [UInt32] = [0x000, 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380,
                               0x400, 0x500, 0x800, 0x900, 0xC00, 0xF00, 0xF10, 0xF20]
        if random.chance(70) {
            let base = bases[Int(random.below(UInt32(bases.count)))]
            return base + random.below(0x80)
        }
        return random.below(0x1200)
    }

    private func randomWidth(_ random: inout SplitMix64) -> AccessWidth {
        switch random.below(10) {
        case 0: return .halfword
        case 1..<4: return .byte
        default: return .word
        }
    }

    private func randomValue(_ random: inout SplitMix64) -> UInt32 {
        random.chance(30) ? 0xFFFF_FFFF : random.word()
    }

    /// Everything observable about the interrupts outside `owned` must be zero.
    private func assertIsolated(_ gic: VirtualGIC, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        for intid in 0..<InterruptSet.capacity where !gic.owned.contains(intid) {
            if gic.isEnabled(intid) || gic.isPending(intid) || gic.isActive(intid) || gic.priority(of: intid) != 0
                || gic.isEdgeTriggered(intid) || gic.listRegister(holding: intid) != nil {
                XCTFail("\(context): state leaked into unowned INTID \(intid)", file: file, line: line)
                return
            }
        }
        XCTAssertTrue(gic.invariantsHold, context, file: file, line: line)
    }

    /// Reads every word of the frame: no bit or byte of an unowned interrupt may show.
    private func assertReadsMasked(_ gic: VirtualGIC, _ context: String) {
        for index in 0..<5 {
            let mask = gic.owned.word(index)
            for base: UInt32 in [0x100, 0x180, 0x200, 0x280, 0x300, 0x380] {
                let value = gic.read(offset: base + UInt32(index) * 4, width: .word).value
                XCTAssertEqual(value & ~mask, 0, "\(context): bank 0x\(String(base, radix: 16)) word \(index)")
            }
        }
        for intid in 0..<InterruptSet.capacity where !gic.owned.contains(intid) {
            XCTAssertEqual(gic.read(offset: 0x400 + intid, width: .byte).value, 0, "\(context): priority \(intid)")
            XCTAssertEqual(gic.read(offset: 0x800 + intid, width: .byte).value, 0, "\(context): target \(intid)")
            let config = gic.read(offset: 0xC00 + intid / 16 * 4, width: .word).value
            XCTAssertEqual(config >> (intid % 16 * 2) & 3, 0, "\(context): config \(intid)")
        }
    }

    func testRandomGuestWritesNeverReachUnownedInterrupts() {
        for seed: UInt64 in 1...60 {
            var random = SplitMix64(seed: seed)
            var gic = randomGIC(&random)
            let owned = gic.owned
            var cpu = FakeCPUInterface(gic.fillListRegisters())
            for step in 0..<300 {
                let context = "seed \(seed) step \(step)"
                switch random.below(10) {
                case 0:
                    gic.inject(random.below(170), hardware: random.chance(50))
                case 1:
                    // The guest runs: takes and completes some of what it was given.
                    for _ in 0..<random.below(3) { _ = cpu.acknowledge() }
                    for slot in 0..<4 where random.chance(50) { cpu.complete(cpu.lrs[slot] & 0x3FF) }
                    gic.sync(fromHardware: cpu.lrs)
                    let load = gic.fillListRegisters()
                    for id in load.virtualIDs { XCTAssertTrue(owned.contains(id), "\(context): LR holds \(id)") }
                    cpu = FakeCPUInterface(load)
                case 2:
                    let offset = randomOffset(&random)
                    let result = gic.read(offset: offset, width: randomWidth(&random))
                    if result.status != .ok { XCTAssertEqual(result.value, 0, context) }
                default:
                    let result = gic.write(offset: randomOffset(&random), width: randomWidth(&random),
                                           value: randomValue(&random))
                    let spis = owned.intersection(InterruptSet.spis)
                    XCTAssertTrue(result.effects.enable.subtracting(spis).isEmpty, "\(context): enable effect")
                    XCTAssertTrue(result.effects.disable.subtracting(spis).isEmpty, "\(context): disable effect")
                    XCTAssertTrue(result.effects.deactivate.subtracting(owned).isEmpty, "\(context): deactivate effect")
                    XCTAssertTrue(result.effects.enable.intersection(result.effects.disable).isEmpty, context)
                    if result.status != .ok { XCTAssertTrue(result.effects.isEmpty, context) }
                }
                // The model is only changed between exit and entry; keep the fake hardware in step.
                if step % 7 == 0 {
                    gic.sync(fromHardware: cpu.lrs)
                    cpu = FakeCPUInterface(gic.fillListRegisters())
                }
                assertIsolated(gic, context)
                if step % 100 == 99 { assertReadsMasked(gic, context) }
            }
        }
    }

    func testEnableEffectsTrackTheVirtualEnableState() {
        // Whatever the guest writes, applying the effects to a shadow physical
        // distributor keeps it equal to the virtual enable bits of the owned SPIs.
        for seed: UInt64 in 1...100 {
            var random = SplitMix64(seed: seed)
            var gic = randomGIC(&random)
            var physical = InterruptSet()
            for _ in 0..<200 {
                let base: UInt32 = random.chance(50) ? 0x100 : 0x180
                let result = gic.write(offset: base + random.below(5) * 4, width: .word, value: randomValue(&random))
                physical.formUnion(result.effects.enable)
                physical.subtract(result.effects.disable)
                var virtualSPIs = InterruptSet()
                for intid in 32..<InterruptSet.capacity where gic.isEnabled(intid) { virtualSPIs.insert(intid) }
                XCTAssertEqual(physical, virtualSPIs, "seed \(seed)")
            }
        }
    }

    func testListRegisterPolicyUnderRandomTraffic() {
        for seed: UInt64 in 1...60 {
            var random = SplitMix64(seed: seed)
            var gic = makeRandomGIC(spis: 12, enabledPercent: 80, random: &random)
            let candidates = gic.owned.members
            var acknowledgements: UInt32 = 0
            var load = gic.fillListRegisters()
            var cpu = FakeCPUInterface(load)

            for step in 0..<300 {
                let context = "seed \(seed) step \(step)"
                // The guest runs.
                for _ in 0..<random.below(3) where cpu.acknowledge() != nil { acknowledgements += 1 }
                for slot in 0..<4 where random.chance(40) { cpu.complete(cpu.lrs[slot] & 0x3FF) }
                // Exit.
                let leftActive = (0..<4).filter { cpu.lrs[$0] >> 29 & 1 == 1 }.map { ($0, cpu.lrs[$0] & 0x3FF) }
                gic.sync(fromHardware: cpu.lrs)
                // The hypervisor: injections and distributor traffic that keeps active states.
                for _ in 0..<random.below(4) {
                    let intid = candidates[Int(random.below(UInt32(candidates.count)))]
                    gic.inject(intid, hardware: intid >= 27 && random.chance(50))
                }
                if random.chance(10) {
                    let intid = candidates[Int(random.below(UInt32(candidates.count)))]
                    let register: UInt32 = random.chance(50) ? 0x100 : 0x180
                    _ = gic.write(offset: register + intid / 32 * 4, width: .word, value: 1 << (intid % 32))
                }
                if random.chance(10) {
                    let intid = candidates[Int(random.below(UInt32(candidates.count)))]
                    gic.setPriority(intid, UInt8(random.below(8) * 0x20))
                }
                // Entry.
                load = gic.fillListRegisters()
                cpu = FakeCPUInterface(load)
                XCTAssertTrue(gic.invariantsHold, context)

                let ids = load.virtualIDs
                XCTAssertEqual(Set(ids).count, ids.count, "\(context): an INTID in two list registers")
                for (slot, intid) in leftActive {
                    XCTAssertEqual(load.values[slot] & 0x3FF, intid, "\(context): active entry evicted")
                    XCTAssertEqual(load.values[slot] >> 29 & 1, 1, "\(context): active state lost")
                }
                for slot in 0..<4 where load.values[slot] >> 28 & 3 != 0 {
                    let value = ListRegisterValue(rawValue: load.values[slot])
                    XCTAssertEqual(value.priority, gic.priority(of: value.virtualID), context)
                    if value.isHardware { XCTAssertNotEqual(value.state, .pendingAndActive, context) }
                }
                // Nothing left waiting is more urgent than a pending-only entry.
                let waiting = candidates.filter {
                    gic.isPending($0) && gic.isEnabled($0) && !gic.isActive($0) && gic.listRegister(holding: $0) == nil
                }
                if load.waiting > 0 { XCTAssertEqual(ids.count, 4, "\(context): room left while interrupts wait") }
                for slot in 0..<4 where load.values[slot] >> 28 & 3 == 1 {
                    let entry = ListRegisterValue(rawValue: load.values[slot])
                    for intid in waiting {
                        let key = (gic.priority(of: intid), intid)
                        XCTAssertFalse(key < (entry.priority, entry.virtualID),
                                       "\(context): \(intid) waits behind \(entry.virtualID)")
                    }
                }
                XCTAssertEqual(load.waiting > 0, load.control & 0x2 != 0, "\(context): UIE iff interrupts wait")
                XCTAssertFalse(cpu.maintenanceAsserted(control: load.control), "\(context): maintenance right after fill")
            }

            // Drain: no more injections; the guest handles everything. Nothing may get stuck.
            for intid in candidates { gic.enable(intid) }
            for _ in 0..<64 {
                acknowledgements += UInt32(cpu.handleAll().count)
                for slot in 0..<4 { cpu.complete(cpu.lrs[slot] & 0x3FF) }
                gic.sync(fromHardware: cpu.lrs)
                load = gic.fillListRegisters()
                cpu = FakeCPUInterface(load)
            }
            XCTAssertEqual(load.array, [0, 0, 0, 0], "seed \(seed): drained")
            XCTAssertFalse(gic.hasDeliverable(), "seed \(seed)")
            for intid in candidates {
                XCTAssertFalse(gic.isPending(intid) || gic.isActive(intid), "seed \(seed): \(intid) stuck")
            }
            XCTAssertEqual(gic.counters.delivered, acknowledgements, "seed \(seed)")
        }
    }

    /// The hypervisor's shortcuts (read back only live list registers on exit, skip the
    /// fill while nothing changed since the last one) show the guest exactly what a full
    /// sync and fill on every exit and entry would, and leave the model in the same state.
    func testSkippedSyncsAndFillsChangeNothingTheGuestSees() {
        for seed: UInt64 in 1...60 {
            var random = SplitMix64(seed: seed)
            var full = randomGIC(&random)
            var short = full
            var fullLoad = full.fillListRegisters()
            var shortLoad = short.fillListRegisters()
            var fullCPU = FakeCPUInterface(fullLoad)
            var shortCPU = FakeCPUInterface(shortLoad)
            var skipped = 0
            for step in 0..<300 {
                let context = "seed \(seed) step \(step)"
                switch random.below(6) {
                case 0:
                    let intid: UInt32 = random.below(170)
                    let hardware = random.chance(50)
                    full.inject(intid, hardware: hardware)
                    short.inject(intid, hardware: hardware)
                    if random.chance(20) {  // a completion that must clear its EOI status
                        let on = random.chance(50)
                        full.setEOINotification(intid, on)
                        short.setEOINotification(intid, on)
                    }
                case 1:
                    let offset = randomOffset(&random), width = randomWidth(&random), value = randomValue(&random)
                    XCTAssertEqual(full.write(offset: offset, width: width, value: value).effects,
                                   short.write(offset: offset, width: width, value: value).effects, context)
                case 2, 3:
                    // The guest runs: the same acknowledgements and completions on both.
                    for _ in 0..<random.below(3) { XCTAssertEqual(fullCPU.acknowledge(), shortCPU.acknowledge(), context) }
                    for slot in 0..<4 where random.chance(50) {
                        XCTAssertEqual(fullCPU.complete(fullCPU.lrs[slot] & 0x3FF), shortCPU.complete(shortCPU.lrs[slot] & 0x3FF), context)
                    }
                default:
                    // Exit and entry. The full path reads all four and fills; the short one reads the live ones.
                    full.sync(fromHardware: fullCPU.lrs)
                    fullLoad = full.fillListRegisters()
                    fullCPU = FakeCPUInterface(fullLoad)
                    var read = InlineArray<4, UInt32>(repeating: 0)
                    for slot in 0..<4 {
                        if short.liveListRegisters(vcpu: 0) & (1 << slot) != 0 { read[slot] = shortCPU.lrs[slot] }
                        else { XCTAssertEqual(shortCPU.effective(slot), 0, "\(context): a list register not live is not empty") }
                    }
                    short.sync(fromHardware: read)
                    if short.changedSinceFill(vcpu: 0) {
                        shortLoad = short.fillListRegisters()
                        shortCPU = FakeCPUInterface(shortLoad)
                    } else {
                        skipped += 1
                        XCTAssertEqual(fullLoad.changed, 0, "\(context): a skipped fill would have changed a list register")
                    }
                    for slot in 0..<4 { XCTAssertEqual(fullCPU.effective(slot), shortCPU.effective(slot), "\(context): LR\(slot)") }
                    XCTAssertEqual(fullLoad.control, shortLoad.control, "\(context): GICH_HCR")
                }
                for intid in 0..<InterruptSet.capacity {
                    XCTAssertEqual(full.isPending(intid), short.isPending(intid), "\(context): pending \(intid)")
                    XCTAssertEqual(full.isActive(intid), short.isActive(intid), "\(context): active \(intid)")
                }
            }
            XCTAssertGreaterThan(skipped, 0, "seed \(seed): the shortcut was never taken")
        }
    }
}
