// The vGIC with several VCPUs: SGIs and PPIs banked per VCPU, SGIs between
// VCPUs (GICD_SGIR), SPIs delivered to the VCPU their ITARGETSR names.
import HypervisorCore
import TestSupport
import XCTest

final class VGICBankTests: XCTestCase {
    private func makeSMPGIC(vcpus: Int, spis: [UInt32] = [38, 40]) -> VirtualGIC {
        var gic = VirtualGIC(ownedPPIs: VirtualGIC.standardPPIs, passthroughSPIs: InterruptSet(spis), vcpuCount: vcpus)
        XCTAssertEqual(gic.write(offset: 0x000, width: .word, value: 1).status, .ok)
        return gic
    }

    private func sgir(filter: UInt32, list: UInt32, intid: UInt32) -> UInt32 { filter << 24 | list << 16 | intid }

    func testTyperCountsTheVCPUs() {
        XCTAssertEqual(makeSMPGIC(vcpus: 1).read(offset: 0x004, width: .word).value, 0x04)
        XCTAssertEqual(makeSMPGIC(vcpus: 2).read(offset: 0x004, width: .word).value, 0x24, "CPUNumber = 1")
        XCTAssertEqual(makeSMPGIC(vcpus: 4).read(offset: 0x004, width: .word).value, 0x64)
    }

    func testAnSGIReachesOnlyTheListedVCPUWithItsSource() {
        var gic = makeSMPGIC(vcpus: 2)
        _ = gic.write(offset: 0x100, width: .word, value: 0xFFFF, vcpu: 0)
        _ = gic.write(offset: 0x100, width: .word, value: 0xFFFF, vcpu: 1)
        let result = gic.write(offset: 0xF00, width: .word, value: sgir(filter: 0, list: 0b10, intid: 3), vcpu: 0)
        XCTAssertEqual(result.status, .ok)
        XCTAssertEqual(result.reached, 0b10, "the hypervisor is told to kick VCPU 1")
        XCTAssertTrue(gic.isPending(3, vcpu: 1))
        XCTAssertFalse(gic.isPending(3, vcpu: 0))
        XCTAssertTrue(gic.hasDeliverable(vcpu: 1))
        XCTAssertFalse(gic.hasDeliverable(vcpu: 0))
        let load = gic.fillListRegisters(vcpu: 1)
        XCTAssertEqual(load.virtualIDs, [3])
        XCTAssertEqual(load.values[0] >> 10 & 7, 0, "CPUID: sent by VCPU 0")
        XCTAssertEqual(gic.fillListRegisters(vcpu: 0).virtualIDs, [])
        // VCPU 1 answers: its GICD_SPENDSGIR/CPENDSGIR view shows the source bit.
        _ = gic.write(offset: 0xF00, width: .word, value: sgir(filter: 0, list: 0b01, intid: 5), vcpu: 1)
        XCTAssertEqual(gic.read(offset: 0xF10 + 5, width: .byte, vcpu: 0).value, 0b10, "SGI 5 pending from VCPU 1")
        XCTAssertEqual(gic.fillListRegisters(vcpu: 0).values[0] >> 10 & 7, 1)
        XCTAssertEqual(gic.counters(vcpu: 1).injected, 1)
        XCTAssertEqual(gic.counters(vcpu: 0).injected, 1)
        XCTAssertTrue(gic.invariantsHold)
    }

    func testTheFiltersReachEveryOtherVCPUOrTheSender() {
        var gic = makeSMPGIC(vcpus: 3)
        let others = gic.write(offset: 0xF00, width: .word, value: sgir(filter: 1, list: 0, intid: 1), vcpu: 1)
        XCTAssertEqual(others.reached, 0b101)
        XCTAssertEqual((0..<3).map { gic.isPending(1, vcpu: $0) }, [true, false, true])
        let itself = gic.write(offset: 0xF00, width: .word, value: sgir(filter: 2, list: 0, intid: 2), vcpu: 2)
        XCTAssertEqual(itself.reached, 0b100)
        XCTAssertEqual((0..<3).map { gic.isPending(2, vcpu: $0) }, [false, false, true])
        let absent = gic.write(offset: 0xF00, width: .word, value: sgir(filter: 0, list: 0b1000, intid: 4), vcpu: 0)
        XCTAssertEqual(absent.reached, 0, "a VCPU the VM does not have is dropped")
        XCTAssertEqual(gic.write(offset: 0xF00, width: .word, value: sgir(filter: 3, list: 1, intid: 4), vcpu: 0).status,
                       .ignored(.reserved))
    }

    func testPPIEnablesAndPrioritiesAreBankedSPIsAreShared() {
        var gic = makeSMPGIC(vcpus: 2)
        _ = gic.write(offset: 0x100, width: .word, value: 1 << 27, vcpu: 1)
        XCTAssertTrue(gic.isEnabled(27, vcpu: 1))
        XCTAssertFalse(gic.isEnabled(27, vcpu: 0), "each CPU enables its own timer PPI")
        _ = gic.write(offset: 0x400 + 27, width: .byte, value: 0xA0, vcpu: 1)
        XCTAssertEqual(gic.priority(of: 27, vcpu: 1), 0xA0)
        XCTAssertEqual(gic.priority(of: 27, vcpu: 0), 0)
        let enable = gic.write(offset: 0x104, width: .word, value: 1 << 6, vcpu: 1)
        XCTAssertTrue(enable.effects.enable.contains(38))
        XCTAssertTrue(gic.isEnabled(38, vcpu: 0) && gic.isEnabled(38, vcpu: 1), "SPI enables are the distributor's")
        _ = gic.write(offset: 0x400 + 38, width: .byte, value: 0x40, vcpu: 0)
        XCTAssertEqual(gic.priority(of: 38, vcpu: 1), 0x40)
        // The PPI injected for VCPU 1 is VCPU 1's only.
        gic.inject(27, hardware: true, vcpu: 1)
        XCTAssertTrue(gic.isPending(27, vcpu: 1))
        XCTAssertFalse(gic.isPending(27, vcpu: 0))
        XCTAssertEqual(gic.readWord(0x200, vcpu: 1) & (1 << 27), 1 << 27)
        XCTAssertEqual(gic.readWord(0x200, vcpu: 0) & (1 << 27), 0)
        XCTAssertTrue(gic.invariantsHold)
    }

    func testAnSPIGoesToTheVCPUItsTargetsNameAndItsPendingStateFollowsARetarget() {
        var gic = makeSMPGIC(vcpus: 2)
        _ = gic.write(offset: 0x104, width: .word, value: 1 << 6, vcpu: 0)
        XCTAssertEqual(gic.read(offset: 0x800 + 38, width: .byte, vcpu: 1).value, 0x01, "SPIs start on VCPU 0")
        XCTAssertEqual(gic.read(offset: 0x800 + 27, width: .byte, vcpu: 1).value, 0x02, "a PPI reads as the reader's own CPU")
        gic.inject(38, hardware: true)
        XCTAssertEqual(gic.fillListRegisters(vcpu: 0).virtualIDs, [38])
        XCTAssertEqual(gic.fillListRegisters(vcpu: 1).virtualIDs, [])
        // Retarget while pending (not yet taken): the pending instance moves.
        gic.sync(fromHardware: InlineArray(repeating: 0), vcpu: 0)  // the guest cleared nothing: the LR still holds it
        var fresh = makeSMPGIC(vcpus: 2)
        _ = fresh.write(offset: 0x104, width: .word, value: 1 << 6, vcpu: 0)
        fresh.inject(38, hardware: true)
        let move = fresh.write(offset: 0x800 + 38, width: .byte, value: 0x02, vcpu: 0)
        XCTAssertTrue(move.effects.retarget.contains(38), "the physical SPI must follow")
        XCTAssertEqual(move.reached, 0b11)
        XCTAssertEqual(fresh.target(ofSPI: 38), 1)
        XCTAssertEqual(fresh.fillListRegisters(vcpu: 0).virtualIDs, [])
        let load = fresh.fillListRegisters(vcpu: 1)
        XCTAssertEqual(load.virtualIDs, [38])
        XCTAssertEqual(load.values[0] >> 31, 1, "still hardware-linked")
        // A byte naming both takes the lower; one naming none the VM has is ignored.
        _ = fresh.write(offset: 0x800 + 40, width: .byte, value: 0x03, vcpu: 0)
        XCTAssertEqual(fresh.target(ofSPI: 40), 0)
        _ = fresh.write(offset: 0x800 + 40, width: .byte, value: 0xF0, vcpu: 0)
        XCTAssertEqual(fresh.read(offset: 0x800 + 40, width: .byte).value, 0x03)
        // ISPENDR sets an SPI pending at its target; the read gathers every bank.
        _ = fresh.write(offset: 0x800 + 40, width: .byte, value: 0x02, vcpu: 0)
        _ = fresh.write(offset: 0x204, width: .word, value: 1 << 8, vcpu: 0)
        XCTAssertTrue(fresh.isPending(40))
        XCTAssertEqual(fresh.readWord(0x204, vcpu: 0), 1 << 6 | 1 << 8)
        _ = fresh.write(offset: 0x284, width: .word, value: 1 << 8, vcpu: 0)
        XCTAssertFalse(fresh.isPending(40))
        XCTAssertTrue(fresh.invariantsHold)
    }

    func testAnActiveSPIStaysWithTheVCPUThatTookIt() {
        var gic = makeSMPGIC(vcpus: 2)
        _ = gic.write(offset: 0x104, width: .word, value: 1 << 6, vcpu: 0)
        gic.inject(38, hardware: false)
        var cpu0 = FakeCPUInterface(gic.fillListRegisters(vcpu: 0))
        XCTAssertEqual(cpu0.acknowledge(), 38)
        gic.sync(fromHardware: cpu0.lrs, vcpu: 0)
        _ = gic.write(offset: 0x800 + 38, width: .byte, value: 0x02, vcpu: 0)
        gic.inject(38, hardware: false)
        XCTAssertTrue(gic.isActive(38, vcpu: 0))
        XCTAssertEqual(gic.fillListRegisters(vcpu: 1).virtualIDs, [38], "the new instance goes to VCPU 1")
        cpu0 = FakeCPUInterface(gic.fillListRegisters(vcpu: 0))
        XCTAssertTrue(cpu0.complete(38))
        gic.sync(fromHardware: cpu0.lrs, vcpu: 0)
        XCTAssertFalse(gic.isActive(38, vcpu: 0))
        XCTAssertTrue(gic.invariantsHold)
    }

    /// Random traffic from every VCPU: the banks keep the invariants, and nothing
    /// is lost: every injected SGI or SPI is delivered to one VCPU in the end.
    func testRandomTrafficFromSeveralVCPUsKeepsTheInvariants() {
        for seed in UInt64(1)...40 {
            var random = SplitMix64(seed: seed)
            let vcpus = 2 + Int(random.below(3))
            var gic = makeSMPGIC(vcpus: vcpus, spis: [33, 38, 40, 77])
            var cpus = (0..<vcpus).map { FakeCPUInterface(gic.fillListRegisters(vcpu: $0)) }
            for vcpu in 0..<vcpus {
                _ = gic.write(offset: 0x100, width: .word, value: ~0, vcpu: vcpu)
            }
            _ = gic.write(offset: 0x104, width: .word, value: ~0, vcpu: 0)
            _ = gic.write(offset: 0x108, width: .word, value: ~0, vcpu: 0)
            for step in 0..<400 {
                let vcpu = Int(random.below(UInt32(vcpus)))
                gic.sync(fromHardware: cpus[vcpu].lrs, vcpu: vcpu)
                switch random.below(6) {
                case 0: _ = gic.write(offset: 0xF00, width: .word, value: random.below(4) << 24 | random.below(256) << 16 | random.below(16), vcpu: vcpu)
                case 1: gic.inject([33, 38, 40, 77][Int(random.below(4))], hardware: false)
                case 2: _ = gic.write(offset: 0x800 + [33, 38, 40, 77][Int(random.below(4))], width: .byte, value: random.below(16), vcpu: vcpu)
                case 3: _ = gic.write(offset: 0x400 + random.below(160), width: .byte, value: random.below(256), vcpu: vcpu)
                default: _ = cpus[vcpu].handleAll()
                }
                gic.sync(fromHardware: cpus[vcpu].lrs, vcpu: vcpu)
                cpus[vcpu] = FakeCPUInterface(gic.fillListRegisters(vcpu: vcpu))
                XCTAssertTrue(gic.invariantsHold, "seed \(seed) step \(step)")
            }
            // Drain: every VCPU takes everything until nothing is left anywhere.
            for _ in 0..<40 {
                for vcpu in 0..<vcpus {
                    gic.sync(fromHardware: cpus[vcpu].lrs, vcpu: vcpu)
                    cpus[vcpu] = FakeCPUInterface(gic.fillListRegisters(vcpu: vcpu))
                    _ = cpus[vcpu].handleAll()
                    gic.sync(fromHardware: cpus[vcpu].lrs, vcpu: vcpu)
                }
            }
            for vcpu in 0..<vcpus {
                for intid in UInt32(0)..<160 {
                    XCTAssertFalse(gic.isPending(intid, vcpu: vcpu) || gic.isActive(intid, vcpu: vcpu), "seed \(seed): \(intid) stuck on VCPU \(vcpu)")
                }
            }
        }
    }

    /// VCPU 1 runs on another CPU and takes SGI 1 (its list register goes from
    /// pending to active) just before VCPU 0 sends SGI 1 again: the model still
    /// shows the first instance pending, so the second merges with it, and the
    /// sync at VCPU 1's next exit must not drop it as "taken".
    func testAnSGISentWhileItsTargetTakesTheEarlierOneIsDeliveredAgain() {
        var gic = makeSMPGIC(vcpus: 2)
        _ = gic.write(offset: 0x100, width: .word, value: 0xFFFF, vcpu: 1)
        _ = gic.write(offset: 0xF00, width: .word, value: sgir(filter: 0, list: 0b10, intid: 1), vcpu: 0)
        var target = FakeCPUInterface(gic.fillListRegisters(vcpu: 1))  // VCPU 1 enters
        XCTAssertEqual(target.acknowledge(), 1, "VCPU 1 takes the first SGI 1, not yet seen by the model")
        let again = gic.write(offset: 0xF00, width: .word, value: sgir(filter: 0, list: 0b10, intid: 1), vcpu: 0)
        XCTAssertEqual(again.reached, 0b10)
        gic.sync(fromHardware: target.lrs, vcpu: 1)  // the kick makes VCPU 1 exit
        XCTAssertTrue(gic.isActive(1, vcpu: 1))
        XCTAssertTrue(gic.isPending(1, vcpu: 1), "the second SGI 1 is still to be taken")
        target = FakeCPUInterface(gic.fillListRegisters(vcpu: 1))
        XCTAssertTrue(target.complete(1))
        XCTAssertEqual(target.acknowledge(), 1, "VCPU 1 takes the second SGI 1")
        target.complete(1)
        gic.sync(fromHardware: target.lrs, vcpu: 1)
        XCTAssertFalse(gic.isPending(1, vcpu: 1) || gic.isActive(1, vcpu: 1))
        XCTAssertEqual(gic.counters(vcpu: 1).sgisDelivered, 2)
        XCTAssertTrue(gic.invariantsHold)
    }

    /// Two sends before the target could take either merge (GICv2 keeps one pending
    /// instance): a fill between them shows the merged instance, so the target
    /// takes SGI 1 once.
    func testSGIsMergedBeforeTheTargetRanAreDeliveredOnce() {
        var gic = makeSMPGIC(vcpus: 2)
        _ = gic.write(offset: 0x100, width: .word, value: 0xFFFF, vcpu: 1)
        _ = gic.write(offset: 0xF00, width: .word, value: sgir(filter: 0, list: 0b10, intid: 1), vcpu: 0)
        _ = gic.fillListRegisters(vcpu: 1)  // VCPU 1 entered, then left before taking it
        _ = gic.write(offset: 0xF00, width: .word, value: sgir(filter: 0, list: 0b10, intid: 1), vcpu: 0)
        var target = FakeCPUInterface(gic.fillListRegisters(vcpu: 1))  // it enters again
        XCTAssertEqual(target.handleAll(), [1])
        gic.sync(fromHardware: target.lrs, vcpu: 1)
        XCTAssertFalse(gic.isPending(1, vcpu: 1), "the two sends merged before the guest saw either")
        XCTAssertEqual(FakeCPUInterface(gic.fillListRegisters(vcpu: 1)).lrs[0] >> 28 & 3, 0, "nothing left to show")
    }

    /// Every VCPU runs on its own CPU at once: a sender's SGIR write is handled after
    /// its own sync, while the targets keep running with their list registers live
    /// and sync only when they exit. Each send must be followed by an acknowledge
    /// of that SGI by its target (at least once after the last send: sends to a
    /// pending SGI may merge).
    func testEverySGISentToARunningVCPUIsTakenAfterItsSend() {
        for seed in UInt64(1)...60 {
            var random = SplitMix64(seed: seed)
            let vcpus = 2 + Int(random.below(3))
            var gic = makeSMPGIC(vcpus: vcpus)
            for vcpu in 0..<vcpus { _ = gic.write(offset: 0x100, width: .word, value: 0xFFFF, vcpu: vcpu) }
            var cpus = (0..<vcpus).map { FakeCPUInterface(gic.fillListRegisters(vcpu: $0)) }
            var lastSend = Array(repeating: Array(repeating: -1, count: 16), count: vcpus)
            var lastTaken = lastSend
            func exitAndEnter(_ vcpu: Int) {
                gic.sync(fromHardware: cpus[vcpu].lrs, vcpu: vcpu)
                cpus[vcpu] = FakeCPUInterface(gic.fillListRegisters(vcpu: vcpu))
            }
            for step in 0..<600 {
                let vcpu = Int(random.below(UInt32(vcpus)))
                switch random.below(4) {
                case 0:  // the guest's SGIR write traps: exit, the write, entry
                    let target = Int(random.below(UInt32(vcpus))), intid = random.below(UInt32(4))
                    gic.sync(fromHardware: cpus[vcpu].lrs, vcpu: vcpu)
                    _ = gic.write(offset: 0xF00, width: .word, value: sgir(filter: 0, list: UInt32(1) << UInt32(target), intid: intid), vcpu: vcpu)
                    cpus[vcpu] = FakeCPUInterface(gic.fillListRegisters(vcpu: vcpu))
                    lastSend[target][Int(intid)] = step
                case 1:
                    if let intid = cpus[vcpu].acknowledge() { lastTaken[vcpu][Int(intid)] = step }
                case 2:
                    for intid in UInt32(0)..<4 { cpus[vcpu].complete(intid) }
                default:
                    exitAndEnter(vcpu)  // a kick, a timer or a maintenance interrupt
                }
                XCTAssertTrue(gic.invariantsHold, "seed \(seed) step \(step)")
            }
            for round in 0..<20 {
                for vcpu in 0..<vcpus {
                    for intid in UInt32(0)..<4 { cpus[vcpu].complete(intid) }  // the handlers it was in finish
                    exitAndEnter(vcpu)
                    while let intid = cpus[vcpu].acknowledge() {
                        lastTaken[vcpu][Int(intid)] = 600 + round
                        cpus[vcpu].complete(intid)
                    }
                }
            }
            for vcpu in 0..<vcpus {
                for intid in 0..<4 where lastSend[vcpu][intid] >= 0 {
                    XCTAssertGreaterThan(lastTaken[vcpu][intid], lastSend[vcpu][intid],
                                         "seed \(seed): SGI \(intid) sent to VCPU \(vcpu) at step \(lastSend[vcpu][intid]) was never taken after it")
                }
            }
        }
    }
}

extension VirtualGIC {
    func readWord(_ offset: UInt32, vcpu: Int) -> UInt32 { read(offset: offset, width: .word, vcpu: vcpu).value }
}
