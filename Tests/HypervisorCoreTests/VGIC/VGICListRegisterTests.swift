// List register encoding (bit-exact), fill order and overflow, sync after the
// guest's acknowledge/EOI, pending-while-active, and the GICH_HCR policy.
import HypervisorCore
import XCTest

final class VGICListRegisterTests: XCTestCase {
    // MARK: Encoding

    func testVirtualTimerHardwareEncodingIsBitExact() {
        // Virtual timer PPI 27, HW, physical ID 27, priority 0xA0, pending:
        //   HW           bit 31                      0x8000_0000
        //   Grp1         bit 30 = 0                  0
        //   State 01     bits 29:28                  0x1000_0000
        //   Priority     0xA0 >> 3 = 20 = 0b10100, bits 27:23 -> 20 << 23 = 0x0A00_0000
        //   PhysicalID   27 << 10                    0x0000_6C00
        //   VirtualID    27                          0x0000_001B
        //   sum                                      0x9A00_6C1B
        XCTAssertEqual(ListRegisterValue(hardware: 27, physicalID: 27, priority: 0xA0, state: .pending).rawValue,
                       0x9A00_6C1B)

        var gic = makeGIC()
        gic.setPriority(27, 0xA0)
        gic.enable(27)
        gic.inject(27, hardware: true)
        let load = gic.fillListRegisters()
        XCTAssertEqual(load.array, [0x9A00_6C1B, 0, 0, 0])
        XCTAssertEqual(load.control, 0x1, "En only: nothing waits")
        XCTAssertEqual(load.changed, 0b0001)
    }

    func testOtherEncodingsAreBitExact() {
        // SPI 40, virtual, priority 0x48, pending:
        //   0x48 >> 3 = 9 -> 9 << 23 = 0x0480_0000; state 0x1000_0000; VirtualID 0x28.
        XCTAssertEqual(ListRegisterValue(virtual: 40, priority: 0x48, state: .pending).rawValue, 0x1480_0028)
        // SGI 3 from CPU 0, priority 0x10, pending: 2 << 23 = 0x0100_0000 -> 0x1100_0003.
        XCTAssertEqual(ListRegisterValue(virtual: 3, priority: 0x10, state: .pending).rawValue, 0x1100_0003)
        // SGI 3 from CPU 5 (CPUID bits 12:10 = 5 -> 0x1400), pending and active, priority 0:
        //   state 11 -> 0x3000_0000.
        XCTAssertEqual(ListRegisterValue(virtual: 3, priority: 0, state: .pendingAndActive, sourceCPU: 5).rawValue,
                       0x3000_1403)
        // SPI 38, HW, physical 38, priority 0x80, active:
        //   0x8000_0000 | 0x2000_0000 | (16 << 23 = 0x0800_0000) | (38 << 10 = 0x9800) | 0x26.
        XCTAssertEqual(ListRegisterValue(hardware: 38, physicalID: 38, priority: 0x80, state: .active).rawValue,
                       0xA800_9826)
        // PPI 31, virtual, EOI maintenance (bit 19), priority 0xF8 (31 << 23 = 0x0F80_0000):
        //   0x1000_0000 | 0x0F80_0000 | 0x0008_0000 | 0x1F.
        XCTAssertEqual(ListRegisterValue(virtual: 31, priority: 0xF8, state: .pending, eoiMaintenance: true).rawValue,
                       0x1F88_001F)

        let decoded = ListRegisterValue(rawValue: 0xA800_9826)
        XCTAssertEqual(decoded.virtualID, 38)
        XCTAssertEqual(decoded.physicalID, 38)
        XCTAssertEqual(decoded.priority, 0x80)
        XCTAssertEqual(decoded.state, .active)
        XCTAssertTrue(decoded.isHardware)
        XCTAssertFalse(decoded.isGroup1)
        XCTAssertFalse(decoded.requestsEOIMaintenance)
        XCTAssertTrue(ListRegisterValue(rawValue: 0x1F88_001F).requestsEOIMaintenance)
        XCTAssertNil(ListRegisterValue(rawValue: 0x1F88_001F).physicalID)
    }

    // MARK: Order and overflow

    /// Five pending interrupts: INTIDs 40 (0x80), 38 (0x20), 31 (0x40), 3 (0x40), 27 (0xC0).
    /// Urgency order: 38 (0x20), 3 (0x40, lower INTID than 31), 31 (0x40), 40 (0x80), 27 (0xC0).
    private func fivePending() -> VirtualGIC {
        var gic = makeGIC(spis: [38, 40])
        let setup: [(UInt32, UInt8)] = [(40, 0x80), (38, 0x20), (31, 0x40), (3, 0x40), (27, 0xC0)]
        for (intid, priority) in setup {
            gic.setPriority(intid, priority)
            gic.enable(intid)
        }
        gic.inject(40, hardware: true)
        gic.inject(38, hardware: true)
        gic.inject(31, hardware: false)
        gic.inject(3, hardware: false)
        gic.inject(27, hardware: true)
        return gic
    }

    func testTheFourMostUrgentGoFirstAndTheFifthAfterOneCompletes() {
        var gic = fivePending()
        let load = gic.fillListRegisters()
        XCTAssertEqual(load.virtualIDs, [38, 3, 31, 40])
        XCTAssertEqual(load.waiting, 1)
        // En | UIE | NPIE while 27 waits.
        XCTAssertEqual(load.control, 0b1011)
        XCTAssertEqual(load.array, [
            ListRegisterValue(hardware: 38, physicalID: 38, priority: 0x20, state: .pending).rawValue,
            ListRegisterValue(virtual: 3, priority: 0x40, state: .pending, eoiMaintenance: true).rawValue,
            ListRegisterValue(virtual: 31, priority: 0x40, state: .pending, eoiMaintenance: true).rawValue,
            ListRegisterValue(hardware: 40, physicalID: 40, priority: 0x80, state: .pending).rawValue,
        ])
        // SGI 3: state 01 (0x1000_0000) | 0x40 >> 3 = 8, 8 << 23 = 0x0400_0000 | EOI bit 19 (0x0008_0000) | 3.
        XCTAssertEqual(load.array[1], 0x1408_0003, "SGI 3: EOI maintenance requested because 27 waits")

        // The guest takes 38 and completes it.
        var cpu = FakeCPUInterface(load)
        XCTAssertEqual(cpu.acknowledge(), 38)
        XCTAssertTrue(cpu.complete(38))
        let sync = gic.sync(fromHardware: cpu.lrs)
        XCTAssertEqual(sync.acknowledged, InterruptSet([38]))
        XCTAssertEqual(sync.completed, InterruptSet([38]))

        let next = gic.fillListRegisters()
        XCTAssertEqual(next.virtualIDs, [27, 3, 31, 40], "27 takes the freed list register")
        XCTAssertEqual(next.waiting, 0)
        XCTAssertEqual(next.control, 0x1)
        XCTAssertEqual(next.array[1], 0x1400_0003, "no EOI maintenance once nothing waits")
        XCTAssertEqual(next.changed, 0b0111, "27 replaces 38; 3 and 31 lose their EOI bit")
        XCTAssertEqual(gic.counters.delivered, 1)
    }

    func testAMoreUrgentArrivalEvictsTheLeastUrgentPendingEntry() {
        var gic = fivePending()
        var load = gic.fillListRegisters()
        XCTAssertEqual(load.virtualIDs, [38, 3, 31, 40])
        gic.sync(fromHardware: load.values)
        gic.setPriority(5, 0x00)
        gic.enable(5)
        gic.inject(5, hardware: false)
        load = gic.fillListRegisters()
        XCTAssertEqual(load.virtualIDs, [38, 3, 31, 5], "40 (least urgent) goes back to waiting")
        XCTAssertEqual(load.waiting, 2)
        XCTAssertTrue(gic.isPending(40))
        XCTAssertNil(gic.listRegister(holding: 40))
        XCTAssertEqual(gic.listRegister(holding: 5), 3)
        XCTAssertEqual(load.changed, 0b1000)
    }

    func testActiveEntriesAreNeverEvicted() {
        var gic = makeGIC(spis: [38, 40])
        for sgi: UInt32 in 0..<4 {
            gic.setPriority(sgi, 0x80)
            gic.enable(sgi)
            gic.inject(sgi, hardware: false)
        }
        var cpu = FakeCPUInterface(gic.fillListRegisters())
        for _ in 0..<4 { XCTAssertNotNil(cpu.acknowledge()) }
        gic.sync(fromHardware: cpu.lrs)

        gic.setPriority(40, 0x00)
        gic.enable(40)
        gic.inject(40, hardware: true)
        let load = gic.fillListRegisters()
        XCTAssertEqual(load.virtualIDs, [0, 1, 2, 3])
        XCTAssertEqual(load.waiting, 1)
        XCTAssertEqual(load.control, 0b0011, "UIE without NPIE: no list register is pending")
        XCTAssertEqual(load.changed, 0b1111, "same entries, now asking for EOI maintenance because 40 waits")
        for slot in 0..<4 {
            XCTAssertEqual(load.array[slot], ListRegisterValue(virtual: UInt32(slot), priority: 0x80, state: .active,
                                                                eoiMaintenance: true).rawValue)
        }
        XCTAssertTrue(gic.hasDeliverable())
    }

    // MARK: Sync

    func testSyncAfterAcknowledgeAndEOI() {
        var gic = makeGIC(spis: [38])
        gic.enable(38)
        gic.inject(38, hardware: true)
        var load = gic.fillListRegisters()
        var cpu = FakeCPUInterface(load)
        XCTAssertEqual(cpu.acknowledge(), 38)
        var sync = gic.sync(fromHardware: cpu.lrs)
        XCTAssertEqual(sync.acknowledged, InterruptSet([38]))
        XCTAssertTrue(sync.completed.isEmpty)
        XCTAssertTrue(gic.isActive(38))
        XCTAssertFalse(gic.isPending(38))
        XCTAssertEqual(gic.readWord(0x304), 1 << 6, "ISACTIVER1 shows what the guest did")

        load = gic.fillListRegisters()
        XCTAssertEqual(load.array[0], ListRegisterValue(hardware: 38, physicalID: 38, priority: 0, state: .active).rawValue)
        XCTAssertEqual(load.changed, 0, "nothing to rewrite")

        cpu = FakeCPUInterface(load)
        XCTAssertTrue(cpu.complete(38))
        sync = gic.sync(fromHardware: cpu.lrs)
        XCTAssertEqual(sync.completed, InterruptSet([38]))
        XCTAssertFalse(gic.isActive(38))
        XCTAssertNil(gic.listRegister(holding: 38))
        XCTAssertTrue(gic.invariantsHold)

        load = gic.fillListRegisters()
        XCTAssertEqual(load.array, [0, 0, 0, 0])
        XCTAssertEqual(load.changed, 0b0001, "the hardware still holds the invalid entry (HW, physical 38)")
        XCTAssertEqual(gic.counters.injected, 1)
        XCTAssertEqual(gic.counters.delivered, 1)
    }

    /// Taken and completed between two exits with nothing else to show: the sync
    /// records the entry as empty and asks for no fill; a waiting interrupt, an EOI
    /// maintenance request or an instance injected again each still ask for one.
    func testAHandledInterruptAsksForNoFillUnlessSomethingDependsOnIt() {
        func handled(_ gic: inout VirtualGIC, _ intid: UInt32) {
            var cpu = FakeCPUInterface(gic.fillListRegisters())
            XCTAssertEqual(cpu.acknowledge(), intid)
            XCTAssertTrue(cpu.complete(intid))
            gic.sync(fromHardware: cpu.lrs)
        }
        var gic = makeGIC()
        gic.enable(40)
        gic.inject(40, hardware: false)
        handled(&gic, 40)
        XCTAssertFalse(gic.changedSinceFill(vcpu: 0), "nothing depends on the completed entry")
        XCTAssertEqual(gic.liveListRegisters(vcpu: 0), 0, "the invalid entry is recorded as empty")
        XCTAssertFalse(gic.isPending(40) || gic.isActive(40))
        XCTAssertNil(gic.listRegister(holding: 40))
        XCTAssertEqual(gic.counters.delivered, 1)
        XCTAssertTrue(gic.invariantsHold)
        XCTAssertEqual(gic.fillListRegisters().array, [0, 0, 0, 0])

        var notified = makeGIC()
        notified.enable(40)
        notified.setEOINotification(40, true)
        notified.inject(40, hardware: false)
        handled(&notified, 40)
        XCTAssertTrue(notified.changedSinceFill(vcpu: 0), "the EOI status must be cleared by a fill")

        var again = makeGIC()
        again.enable(40)
        again.inject(40, hardware: false)
        var cpu = FakeCPUInterface(again.fillListRegisters())
        again.sync(fromHardware: cpu.lrs)
        XCTAssertEqual(again.inject(40, hardware: false), .alreadyPending)
        XCTAssertEqual(cpu.acknowledge(), 40)
        XCTAssertTrue(cpu.complete(40))
        again.sync(fromHardware: cpu.lrs)
        XCTAssertTrue(again.changedSinceFill(vcpu: 0))
        XCTAssertTrue(again.isPending(40), "the later instance is still to be taken")

        // Hardware-linked entries carry no EOI request: only the waiting one asks.
        let spis: [UInt32] = [38, 40, 41, 42, 43]
        var crowded = makeGIC(spis: spis)
        for intid in spis {
            crowded.enable(intid)
            crowded.inject(intid, hardware: true)
        }
        cpu = FakeCPUInterface(crowded.fillListRegisters())
        let first = cpu.acknowledge()!
        XCTAssertTrue(cpu.complete(first))
        crowded.sync(fromHardware: cpu.lrs)
        XCTAssertTrue(crowded.changedSinceFill(vcpu: 0), "a waiting interrupt takes the freed list register")
        XCTAssertEqual(crowded.fillListRegisters().waiting, 0)
    }

    func testAnInterruptAlreadyInAListRegisterIsNotQueuedTwice() {
        var gic = makeGIC()
        gic.enable(31)
        XCTAssertEqual(gic.inject(31, hardware: false), .pending)
        var load = gic.fillListRegisters()
        gic.sync(fromHardware: load.values)
        XCTAssertEqual(gic.inject(31, hardware: false), .alreadyPending)
        load = gic.fillListRegisters()
        XCTAssertEqual(load.virtualIDs, [31])
        XCTAssertEqual(load.changed, 0)
        XCTAssertEqual(gic.counters.injected, 2)
    }

    func testPendingWhileActiveBecomesPendingAndActive() {
        var gic = makeGIC()
        gic.enable(31)
        gic.inject(31, hardware: false)
        var cpu = FakeCPUInterface(gic.fillListRegisters())
        XCTAssertEqual(cpu.acknowledge(), 31)
        gic.sync(fromHardware: cpu.lrs)
        gic.inject(31, hardware: false)
        var load = gic.fillListRegisters()
        // Priority 0, state 11, VirtualID 31: 0x3000_001F.
        XCTAssertEqual(load.array, [0x3000_001F, 0, 0, 0])
        XCTAssertTrue(gic.isPending(31) && gic.isActive(31))

        // EOI of the first instance leaves the second pending in the same list register.
        cpu = FakeCPUInterface(load)
        XCTAssertTrue(cpu.complete(31))
        XCTAssertEqual(cpu.lrs[0], 0x1000_001F)
        let sync = gic.sync(fromHardware: cpu.lrs)
        XCTAssertEqual(sync.completed, InterruptSet([31]))
        XCTAssertTrue(sync.acknowledged.isEmpty)
        load = gic.fillListRegisters()
        XCTAssertEqual(load.array, [0x1000_001F, 0, 0, 0])
    }

    func testAHardwareInterruptIsNeverPendingAndActiveInAListRegister() {
        var gic = makeGIC()
        gic.enable(27)
        gic.inject(27, hardware: true)
        var cpu = FakeCPUInterface(gic.fillListRegisters())
        XCTAssertEqual(cpu.acknowledge(), 27)
        gic.sync(fromHardware: cpu.lrs)
        gic.inject(27, hardware: true)
        var load = gic.fillListRegisters()
        // HW | active | physical 27 | 27: 0x8000_0000 | 0x2000_0000 | 0x6C00 | 0x1B.
        XCTAssertEqual(load.array, [0xA000_6C1B, 0, 0, 0])
        XCTAssertEqual(load.waiting, 0, "the second instance waits for the first, not for room")

        cpu = FakeCPUInterface(load)
        XCTAssertTrue(cpu.complete(27))
        gic.sync(fromHardware: cpu.lrs)
        load = gic.fillListRegisters()
        XCTAssertEqual(load.array, [0x9000_6C1B, 0, 0, 0], "then it is delivered, again linked to physical 27")
    }

    func testSoftwareSetPendingOfAPassthroughSPIIsVirtualOnly() {
        var gic = makeGIC(spis: [38])
        gic.enable(38)
        _ = gic.write(offset: 0x204, width: .word, value: 1 << 6)
        let load = gic.fillListRegisters()
        XCTAssertEqual(load.array[0], 0x1000_0026, "no HW bit: no physical interrupt is active behind it")
    }

    // MARK: Who gets delivered

    func testSGIToSelf() {
        var gic = makeGIC()
        gic.enable(7)
        gic.setPriority(7, 0x30)
        XCTAssertEqual(gic.write(offset: 0xF00, width: .word, value: (2 << 24) | 7).status, .ok)
        XCTAssertTrue(gic.hasDeliverable())
        let load = gic.fillListRegisters()
        // 0x30 >> 3 = 6 -> 6 << 23 = 0x0300_0000; pending 0x1000_0000; SGI 7 from CPU 0.
        XCTAssertEqual(load.array, [0x1300_0007, 0, 0, 0])
        var cpu = FakeCPUInterface(load)
        XCTAssertEqual(cpu.handleAll(), [7])
        XCTAssertEqual(gic.sync(fromHardware: cpu.lrs).completed, InterruptSet([7]))
        XCTAssertFalse(gic.isPending(7))
    }

    func testADisabledInterruptWaitsUntilEnabled() {
        var gic = makeGIC(spis: [38])
        gic.inject(38, hardware: true)
        XCTAssertTrue(gic.isPending(38))
        XCTAssertFalse(gic.hasDeliverable())
        var load = gic.fillListRegisters()
        XCTAssertEqual(load.array, [0, 0, 0, 0])
        XCTAssertEqual(load.control, 0x1)
        gic.sync(fromHardware: load.values)

        let enable = gic.write(offset: 0x104, width: .word, value: 1 << 6)
        XCTAssertEqual(enable.effects.enable, InterruptSet([38]))
        XCTAssertTrue(gic.hasDeliverable())
        load = gic.fillListRegisters()
        XCTAssertEqual(load.virtualIDs, [38])
        gic.sync(fromHardware: load.values)

        // Disabled again while only pending: the list register is taken back.
        _ = gic.write(offset: 0x184, width: .word, value: 1 << 6)
        load = gic.fillListRegisters()
        XCTAssertEqual(load.array, [0, 0, 0, 0])
        XCTAssertTrue(gic.isPending(38))
    }

    func testNothingIsDeliveredWhileTheDistributorIsDisabled() {
        var gic = makeGIC(spis: [38], distributorOn: false)
        gic.enable(38)
        gic.enable(31)
        gic.inject(38, hardware: true)
        XCTAssertFalse(gic.hasDeliverable())
        XCTAssertEqual(gic.fillListRegisters().array, [0, 0, 0, 0])

        _ = gic.write(offset: 0x000, width: .word, value: 1)
        var load = gic.fillListRegisters()
        var cpu = FakeCPUInterface(load)
        XCTAssertEqual(cpu.acknowledge(), 38)
        gic.sync(fromHardware: cpu.lrs)
        gic.inject(31, hardware: false)
        load = gic.fillListRegisters()
        XCTAssertEqual(load.virtualIDs, [38, 31])
        gic.sync(fromHardware: load.values)

        // Off again: the active one stays for its EOI, the pending one is withdrawn.
        _ = gic.write(offset: 0x000, width: .word, value: 0)
        load = gic.fillListRegisters()
        XCTAssertEqual(load.array, [0xA000_9826, 0, 0, 0])
        XCTAssertFalse(gic.hasDeliverable())
        XCTAssertTrue(gic.isPending(31))
    }

    func testInterruptsTheVMDoesNotOwnAreDroppedAndCounted() {
        var gic = makeGIC(spis: [38])
        XCTAssertEqual(gic.inject(39, hardware: true), .notOwned)
        XCTAssertEqual(gic.inject(26, hardware: true), .notOwned)
        XCTAssertEqual(gic.inject(200, hardware: false), .notOwned)
        XCTAssertEqual(gic.counters.droppedNotOwned, 3)
        XCTAssertEqual(gic.counters.injected, 0)
        XCTAssertFalse(gic.isPending(39))
    }

    func testHasDeliverableHonoursThePriorityMaskAndActiveState() {
        var gic = makeGIC()
        gic.enable(31)
        gic.setPriority(31, 0xF8)
        gic.inject(31, hardware: false)
        XCTAssertTrue(gic.hasDeliverable())
        XCTAssertFalse(gic.hasDeliverable(priorityMask: 0xF8), "priority must be below the mask")
        XCTAssertTrue(gic.hasDeliverable(priorityMask: 0xFF))
        var cpu = FakeCPUInterface(gic.fillListRegisters())
        XCTAssertEqual(cpu.acknowledge(), 31)
        gic.sync(fromHardware: cpu.lrs)
        gic.inject(31, hardware: false)
        XCTAssertFalse(gic.hasDeliverable(), "pending again, but still active")
    }

    func testEOINotificationRequestsMaintenanceForVirtualEntriesOnly() {
        var gic = makeGIC()
        gic.enable(31)
        gic.enable(27)
        gic.setEOINotification(31, true)
        gic.setEOINotification(27, true)
        gic.inject(31, hardware: false)
        gic.inject(27, hardware: true)
        let load = gic.fillListRegisters()
        XCTAssertEqual(load.virtualIDs, [27, 31])
        XCTAssertEqual(load.array, [0x9000_6C1B, 0x1008_001F, 0, 0])
    }

    func testSyncIgnoresEntriesItDidNotPutThere() {
        var gic = makeGIC()
        gic.enable(31)
        gic.inject(31, hardware: false)
        _ = gic.fillListRegisters()
        var foreign = InlineArray<4, UInt32>(repeating: 0)
        foreign[0] = 0x2000_0005
        foreign[1] = 0x1000_0009
        let sync = gic.sync(fromHardware: foreign)
        XCTAssertTrue(sync.completed.isEmpty && sync.acknowledged.isEmpty)
        XCTAssertTrue(gic.isPending(31))
        let load = gic.fillListRegisters()
        XCTAssertEqual(load.array, [0x1000_001F, 0, 0, 0])
        XCTAssertEqual(load.changed, 0b0011)
    }
}
