// Register-by-register semantics of the emulated GICD (offsets from 0x2C001000).
import HypervisorCore
import XCTest

final class VGICDistributorTests: XCTestCase {
    func testControlHoldsOnlyTheEnableBit() {
        var gic = makeGIC(distributorOn: false)
        XCTAssertEqual(gic.readWord(0x000), 0)
        XCTAssertEqual(gic.write(offset: 0x000, width: .word, value: 0xFFFF_FFFF).status, .ok)
        XCTAssertEqual(gic.readWord(0x000), 1)
        XCTAssertTrue(gic.distributorEnabled)
        _ = gic.write(offset: 0x000, width: .word, value: 2)
        XCTAssertEqual(gic.readWord(0x000), 0)
        XCTAssertFalse(gic.distributorEnabled)
    }

    func testIdentificationRegistersAreFixedAndReadOnly() {
        var gic = makeGIC()
        XCTAssertEqual(gic.readWord(0x004), 0x0000_0004, "ITLinesNumber 4 (160 INTIDs), CPUNumber 0, no security extensions")
        XCTAssertEqual(gic.readWord(0x008), 0x4100_043B)
        XCTAssertEqual(gic.readWord(0xFE8), 0x20, "ICPIDR2.ArchRev = 2")
        XCTAssertEqual(gic.readWord(0xFD0), 0)
        for offset: UInt32 in [0x004, 0x008, 0xFE8, 0xFFC] {
            XCTAssertEqual(gic.write(offset: offset, width: .word, value: 0xFFFF_FFFF).status, .ignored(.readOnly))
        }
        XCTAssertEqual(gic.readWord(0x004), 4)
        XCTAssertEqual(gic.readWord(0xFE8), 0x20)
    }

    func testGroupAndNonSecureAccessRegistersAreRAZWI() {
        var gic = makeGIC()
        for offset: UInt32 in [0x080, 0x084, 0x090, 0xE00, 0xE04] {
            XCTAssertEqual(gic.write(offset: offset, width: .word, value: 0xFFFF_FFFF).status, .ok)
            XCTAssertEqual(gic.readWord(offset), 0)
        }
    }

    func testEnableSetAndClearAreMaskedByOwnershipAndMirrorSPIs() {
        var gic = makeGIC(spis: [38, 40])
        // Word 0 (SGIs, PPIs): SGIs and PPIs 27, 31 owned.
        var result = gic.write(offset: 0x100, width: .word, value: 0xFFFF_FFFF)
        XCTAssertEqual(result.status, .ok)
        XCTAssertTrue(result.effects.isEmpty, "SGIs and PPIs are never mirrored")
        XCTAssertEqual(gic.readWord(0x100), 0x8800_FFFF)
        XCTAssertEqual(gic.readWord(0x180), 0x8800_FFFF, "ICENABLER reads the same bits")

        // Word 1 (INTIDs 32..63): SPIs 38 and 40 owned.
        result = gic.write(offset: 0x104, width: .word, value: 0xFFFF_FFFF)
        XCTAssertEqual(gic.readWord(0x104), (1 << 6) | (1 << 8))
        XCTAssertEqual(result.effects.enable, InterruptSet([38, 40]))
        XCTAssertTrue(result.effects.disable.isEmpty)
        // Enabling again changes nothing, so no effect.
        result = gic.write(offset: 0x104, width: .word, value: 1 << 6)
        XCTAssertTrue(result.effects.isEmpty)

        result = gic.write(offset: 0x184, width: .word, value: 0xFFFF_FFFF)
        XCTAssertEqual(result.effects.disable, InterruptSet([38, 40]))
        XCTAssertTrue(result.effects.enable.isEmpty)
        XCTAssertEqual(gic.readWord(0x104), 0)
        // Disabling what is disabled: no effect.
        XCTAssertTrue(gic.write(offset: 0x184, width: .word, value: 1 << 6).effects.isEmpty)

        _ = gic.write(offset: 0x180, width: .word, value: 1 << 27)
        XCTAssertEqual(gic.readWord(0x100), 0x8000_FFFF)
        XCTAssertFalse(gic.isEnabled(27))
    }

    func testBankWordsBeyondINTID159AreRAZWI() {
        var gic = makeGIC()
        for offset: UInt32 in [0x114, 0x17C, 0x194, 0x214, 0x294, 0x314, 0x394] {
            let result = gic.write(offset: offset, width: .word, value: 0xFFFF_FFFF)
            XCTAssertEqual(result.status, .ok)
            XCTAssertTrue(result.effects.isEmpty)
            XCTAssertEqual(gic.readWord(offset), 0)
        }
    }

    func testPendingSetAndClearIgnoreSGIBitsAndUnownedBits() {
        var gic = makeGIC(spis: [38])
        _ = gic.write(offset: 0x200, width: .word, value: 0xFFFF_FFFF)
        XCTAssertEqual(gic.readWord(0x200), 0x8800_0000, "SGI bits of ISPENDR0 are read-only; only PPIs 27, 31 owned")
        _ = gic.write(offset: 0x204, width: .word, value: 0xFFFF_FFFF)
        XCTAssertEqual(gic.readWord(0x204), 1 << 6)
        XCTAssertEqual(gic.readWord(0x284), 1 << 6, "ICPENDR reads the same bits")

        // A pending SGI shows in ISPENDR0 but ICPENDR0 cannot clear it.
        _ = gic.write(offset: 0xF00, width: .word, value: (2 << 24) | 5)
        XCTAssertEqual(gic.readWord(0x200), 0x8800_0020)
        let cleared = gic.write(offset: 0x280, width: .word, value: 0xFFFF_FFFF)
        XCTAssertTrue(cleared.effects.isEmpty, "software pending states have no physical side")
        XCTAssertEqual(gic.readWord(0x200), 0x0000_0020)
        _ = gic.write(offset: 0x284, width: .word, value: 0xFFFF_FFFF)
        XCTAssertEqual(gic.readWord(0x204), 0)
    }

    func testClearingAHardwarePendingInterruptDeactivatesThePhysicalOne() {
        var gic = makeGIC(spis: [38])
        XCTAssertEqual(gic.inject(38, hardware: true), .pending)
        XCTAssertEqual(gic.inject(27, hardware: true), .pending)
        let result = gic.write(offset: 0x280, width: .word, value: 1 << 27)
        XCTAssertEqual(result.effects.deactivate, InterruptSet([27]))
        XCTAssertFalse(gic.isPending(27))
        let spi = gic.write(offset: 0x284, width: .word, value: 1 << 6)
        XCTAssertEqual(spi.effects.deactivate, InterruptSet([38]))
        // Software-pended, then cleared: nothing physical to do.
        _ = gic.write(offset: 0x204, width: .word, value: 1 << 6)
        XCTAssertTrue(gic.write(offset: 0x284, width: .word, value: 1 << 6).effects.isEmpty)
    }

    func testActiveSetAndClear() {
        var gic = makeGIC(spis: [38])
        _ = gic.write(offset: 0x300, width: .word, value: 0xFFFF_FFFF)
        XCTAssertEqual(gic.readWord(0x300), 0x8800_FFFF)
        XCTAssertEqual(gic.readWord(0x380), 0x8800_FFFF)
        let result = gic.write(offset: 0x380, width: .word, value: 0x0000_FFFF)
        XCTAssertTrue(result.effects.isEmpty)
        XCTAssertEqual(gic.readWord(0x300), 0x8800_0000)
        _ = gic.write(offset: 0x304, width: .word, value: 0xFFFF_FFFF)
        XCTAssertEqual(gic.readWord(0x304), 1 << 6)
    }

    func testClearingAHardwareActiveInterruptDeactivatesThePhysicalOne() {
        var gic = makeGIC(spis: [38])
        gic.enable(38)
        gic.inject(38, hardware: true)
        var cpu = FakeCPUInterface(gic.fillListRegisters())
        XCTAssertEqual(cpu.acknowledge(), 38)
        gic.sync(fromHardware: cpu.lrs)
        XCTAssertTrue(gic.isActive(38))
        let result = gic.write(offset: 0x384, width: .word, value: 1 << 6)
        XCTAssertEqual(result.effects.deactivate, InterruptSet([38]))
        XCTAssertFalse(gic.isActive(38))
        XCTAssertEqual(gic.fillListRegisters().array, [0, 0, 0, 0], "the list register is taken back")
    }

    func testPrioritiesAreByteAndWordAccessibleWithFiveBits() {
        var gic = makeGIC(spis: [38])
        XCTAssertEqual(gic.write(offset: 0x400 + 38, width: .byte, value: 0x1_A7).status, .ok)
        XCTAssertEqual(gic.priority(of: 38), 0xA0)
        XCTAssertEqual(gic.read(offset: 0x400 + 38, width: .byte).value, 0xA0)
        // Word 0x424 covers INTIDs 36..39: only 38 is owned.
        XCTAssertEqual(gic.readWord(0x424), 0x00A0_0000)
        _ = gic.write(offset: 0x424, width: .word, value: 0xFFFF_FFFF)
        XCTAssertEqual(gic.readWord(0x424), 0x00F8_0000)
        XCTAssertEqual(gic.priority(of: 37), 0)
        // SGIs 0..3 in one word.
        _ = gic.write(offset: 0x400, width: .word, value: 0x1122_3344)
        XCTAssertEqual(gic.readWord(0x400), 0x1020_3040)
        XCTAssertEqual(gic.read(offset: 0x402, width: .byte).value, 0x20)
        // PPI 27 (word 0x418 covers 24..27, byte lane 3).
        _ = gic.write(offset: 0x418, width: .word, value: 0xA0A0_A0A0)
        XCTAssertEqual(gic.readWord(0x418), 0xA000_0000)
        // Beyond INTID 159: RAZ/WI.
        XCTAssertEqual(gic.write(offset: 0x4A0, width: .word, value: ~0).status, .ok)
        XCTAssertEqual(gic.readWord(0x4A0), 0)
    }

    func testTargetsReadCPU0ForOwnedInterruptsAndIgnoreWritesNamingNoVCPU() {
        var gic = makeGIC(spis: [38])
        XCTAssertEqual(gic.readWord(0x800), 0x0101_0101, "SGIs target this CPU")
        XCTAssertEqual(gic.readWord(0x818), 0x0100_0000, "PPI 27 owned, 24..26 not")
        XCTAssertEqual(gic.readWord(0x824), 0x0001_0000, "SPI 38 owned")
        XCTAssertEqual(gic.read(offset: 0x800 + 38, width: .byte).value, 0x01)
        XCTAssertEqual(gic.read(offset: 0x800 + 39, width: .byte).value, 0)
        XCTAssertEqual(gic.write(offset: 0x824, width: .word, value: 0).status, .ok)
        XCTAssertEqual(gic.write(offset: 0x800 + 38, width: .byte, value: 0xFE).status, .ok)
        XCTAssertEqual(gic.readWord(0x824), 0x0001_0000, "one VCPU: a byte naming no VCPU of the VM is ignored")
    }

    func testConfigurationSGIsEdgePPIsLevelSPIsWritable() {
        var gic = makeGIC(spis: [38, 40])
        XCTAssertEqual(gic.readWord(0xC00), 0xAAAA_AAAA)
        XCTAssertEqual(gic.readWord(0xC04), 0)
        _ = gic.write(offset: 0xC00, width: .word, value: 0)
        _ = gic.write(offset: 0xC04, width: .word, value: 0xFFFF_FFFF)
        XCTAssertEqual(gic.readWord(0xC00), 0xAAAA_AAAA, "SGI configuration is read-only")
        XCTAssertEqual(gic.readWord(0xC04), 0, "PPI configuration is read-only")
        // ICFGR2 covers INTIDs 32..47: 38 is field 6 (bits 13:12), 40 is field 8 (bits 17:16).
        _ = gic.write(offset: 0xC08, width: .word, value: 0xFFFF_FFFF)
        XCTAssertEqual(gic.readWord(0xC08), (2 << 12) | (2 << 16), "only Int_config[1] of owned SPIs")
        XCTAssertTrue(gic.isEdgeTriggered(38))
        XCTAssertFalse(gic.isEdgeTriggered(39))
        _ = gic.write(offset: 0xC08, width: .word, value: 2 << 16)
        XCTAssertEqual(gic.readWord(0xC08), 2 << 16)
        XCTAssertEqual(gic.write(offset: 0xC28, width: .word, value: ~0).status, .ok, "beyond INTID 159")
        XCTAssertEqual(gic.readWord(0xC28), 0)
    }

    func testSoftwareGeneratedInterruptRegister() {
        var gic = makeGIC()
        // Filter 00, list {CPU0}: pending here.
        XCTAssertEqual(gic.write(offset: 0xF00, width: .word, value: (1 << 16) | 3).status, .ok)
        XCTAssertTrue(gic.isPending(3))
        // Filter 00, list {CPU1}: nobody.
        _ = gic.write(offset: 0xF00, width: .word, value: (2 << 16) | 4)
        XCTAssertFalse(gic.isPending(4))
        // Filter 01, all but self: nobody else exists.
        _ = gic.write(offset: 0xF00, width: .word, value: (1 << 24) | 0xFF_0000 | 5)
        XCTAssertFalse(gic.isPending(5))
        // Filter 10, self.
        _ = gic.write(offset: 0xF00, width: .word, value: (2 << 24) | 6)
        XCTAssertTrue(gic.isPending(6))
        // Filter 11 is reserved.
        XCTAssertEqual(gic.write(offset: 0xF00, width: .word, value: (3 << 24) | 7).status, .ignored(.reserved))
        XCTAssertFalse(gic.isPending(7))
        XCTAssertEqual(gic.counters.injected, 2)
        XCTAssertEqual(gic.read(offset: 0xF00, width: .word), DistributorRead(value: 0, status: .ignored(.writeOnly)))
    }

    func testSGIPendingSetAndClearRegisters() {
        var gic = makeGIC()
        // SPENDSGIR1 byte 1 = SGI 5, bit 0 = from CPU 0.
        XCTAssertEqual(gic.write(offset: 0xF25, width: .byte, value: 0x01).status, .ok)
        XCTAssertTrue(gic.isPending(5))
        XCTAssertEqual(gic.readWord(0xF24), 0x0000_0100)
        XCTAssertEqual(gic.readWord(0xF14), 0x0000_0100, "CPENDSGIR reads the same state")
        // Bits for CPUs that do not exist do nothing.
        _ = gic.write(offset: 0xF20, width: .word, value: 0xFEFE_FEFE)
        XCTAssertEqual(gic.readWord(0xF20), 0)
        _ = gic.write(offset: 0xF20, width: .word, value: 0x0101_0101)
        XCTAssertEqual(gic.readWord(0x200) & 0xFFFF, 0x002F)
        _ = gic.write(offset: 0xF10, width: .word, value: 0x0000_0100)
        XCTAssertEqual(gic.readWord(0x200) & 0xFFFF, 0x002D)
        XCTAssertEqual(gic.read(offset: 0xF15, width: .byte).value, 0x01, "SGI 5")
        XCTAssertEqual(gic.read(offset: 0xF1D, width: .byte).value, 0, "SGI 13")
        _ = gic.write(offset: 0xF15, width: .byte, value: 0x01)
        XCTAssertFalse(gic.isPending(5))
    }

    func testBadAccessesReadZeroChangeNothingAndSayWhy() {
        var gic = makeGIC(spis: [38])
        let before = (0..<0x1000 / 4).map { gic.read(offset: UInt32($0) * 4, width: .word).value }
        let cases: [(UInt32, AccessWidth, AccessFault)] = [
            (0x100, .halfword, .badWidth),
            (0x104, .byte, .badWidth),
            (0x102, .word, .badWidth),
            (0x401, .halfword, .badWidth),
            (0x401, .word, .badWidth),
            (0x000, .byte, .badWidth),
            (0x1000, .word, .outsideFrame),
            (0xFFFF_FFFC, .word, .outsideFrame),
            (0x00C, .word, .reserved),
            (0x07C, .word, .reserved),
            (0xD00, .word, .reserved),
            (0xF04, .word, .reserved),
            (0xF30, .word, .reserved),
            (0xFCC, .word, .reserved),
        ]
        for (offset, width, fault) in cases {
            XCTAssertEqual(gic.read(offset: offset, width: width), DistributorRead(value: 0, status: .ignored(fault)),
                           "read 0x\(String(offset, radix: 16))")
            let write = gic.write(offset: offset, width: width, value: 0xFFFF_FFFF)
            XCTAssertEqual(write.status, .ignored(fault), "write 0x\(String(offset, radix: 16))")
            XCTAssertTrue(write.effects.isEmpty)
        }
        let after = (0..<0x1000 / 4).map { gic.read(offset: UInt32($0) * 4, width: .word).value }
        XCTAssertEqual(before, after)
    }
}
