import HypervisorCore
import TestSupport
import XCTest

/// Page-aligned storage for stage-2 tables, freed at the end of a test.
final class TableStorage {
    let buffer: UnsafeMutableRawBufferPointer
    init(pages: Int) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: pages * 4096, alignment: 4096)
        buffer.initializeMemory(as: UInt8.self, repeating: 0xA5)  // garbage: the builder must clear what it uses
    }
    deinit { buffer.deallocate() }
}

final class Stage2TableTests: XCTestCase {
    private let platform = Platform.vexpressA15(ramSize: 256 << 20)
    /// A fake physical address for the tables, inside the hypervisor's reserved RAM.
    private let tablesAt = PhysicalAddress(UInt32(0x8010_0000))

    private func vm(memory: (UInt32, UInt32), physical: UInt32, devices: [(UInt32, UInt32)] = []) -> VMConfig {
        var vm = VMConfig(node: .none, memory: GuestPhysicalRange(base: GuestPhysicalAddress(memory.0), size: UInt64(memory.1)),
                          physicalBase: PhysicalAddress(physical), entry: GuestPhysicalAddress(memory.0))
        for (base, size) in devices {
            vm.devices[vm.deviceCount] = PassthroughDevice(node: .none, registers: PhysicalRange(base: PhysicalAddress(base), size: UInt64(size)))
            vm.deviceCount += 1
        }
        return vm
    }

    func testVTCRAndVTTBR() throws {
        // T0SZ 0, SL0 = 1 (bits 7:6), IRGN0 = ORGN0 = 1, SH0 = 3, RES1 bit 31.
        XCTAssertEqual(Stage2Tables.vtcr, 0x8000_3540)
        let storage = TableStorage(pages: 8)
        let tables = try Stage2Tables(tables: storage.buffer, physicalBase: tablesAt)
        XCTAssertEqual(tables.vttbr(vmid: 3), 0x0003_0000_8010_0000)
        XCTAssertEqual(tables.pagesUsed, 1)
    }

    func testDescriptorBits() throws {
        let storage = TableStorage(pages: 8)
        var tables = try Stage2Tables(tables: storage.buffer, physicalBase: tablesAt)
        // One 2 MiB block of RAM and one device page.
        try tables.map(GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8000_0000)), size: 0x20_0000),
                       to: PhysicalAddress(UInt32(0x8120_0000)), attributes: .guestMemory)
        try tables.map(GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x1C0A_0000)), size: 0x1000),
                       to: PhysicalAddress(UInt32(0x1C0A_0000)), attributes: .device)
        let words = storage.buffer.bindMemory(to: UInt64.self)
        // Level 1: entry 2 (0x80000000) and entry 0 (0x1c0a0000) are tables at pages 1 and 2.
        XCTAssertEqual(words[2], 0x8010_1000 | 0b11)
        XCTAssertEqual(words[0], 0x8010_2000 | 0b11)
        XCTAssertEqual(words[1], 0)
        XCTAssertEqual(words[3], 0)
        // Level 2, index 0 of the 0x80000000 table: block, MemAttr 0b1111 [5:2], S2AP 0b11 [7:6], SH 0b11 [9:8], AF [10].
        XCTAssertEqual(words[512 + 0], 0x8120_0000 | 0b1111 << 2 | 0b11 << 6 | 0b11 << 8 | 1 << 10 | 0b01)
        // Level 3 page for the UART: Device nGnRE (0b0001), RW, outer shareable, AF, XN (bit 54), type 0b11.
        let level2Index = (0x1C0A_0000 >> 21) & 511
        XCTAssertEqual(words[1024 + level2Index], 0x8010_3000 | 0b11)
        let level3Index = (0x1C0A_0000 >> 12) & 511
        XCTAssertEqual(words[1536 + level3Index], 0x1C0A_0000 | 0b0001 << 2 | 0b11 << 6 | 0b10 << 8 | 1 << 10 | 1 << 54 | 0b11)
        XCTAssertEqual(tables.pagesUsed, 4)
    }

    /// The example VM: every page of memory, every device page and the GIC CPU
    /// interface map as configured; nothing else does.
    func testBuildsExactlyTheConfiguredMappings() throws {
        let config = vm(memory: (0x8000_0000, 0x50_3000), physical: 0x8120_0000, devices: [(0x1C0A_0000, 0x1000), (0x1C13_0000, 0x1000)])
        let storage = TableStorage(pages: 16)
        let tables = try Stage2Tables.build(for: config, platform: platform, tables: storage.buffer, physicalBase: tablesAt)
        // Level 1, level 2 for GiB 0 and GiB 2, level 3 for the devices' and the GIC's windows, and for the 16 KiB tail.
        XCTAssertEqual(tables.pagesUsed, 6)
        XCTAssertEqual(Stage2Tables.pagesNeeded(for: config, platform: platform), 6)

        for offset in stride(from: UInt64(0), to: config.memory.size, by: 0x1000) {
            let t = try XCTUnwrap(tables.translate(GuestPhysicalAddress(config.memory.base.value + offset + 0x123)))
            XCTAssertEqual(t.physical.value, 0x8120_0000 + offset + 0x123)
            XCTAssertEqual(t.attributes, .guestMemory)
        }
        // 2 MiB blocks where aligned: the first 4 MiB, then pages.
        XCTAssertEqual(tables.translate(GuestPhysicalAddress(UInt32(0x8000_0000)))?.mappingSize, 0x20_0000)
        XCTAssertEqual(tables.translate(GuestPhysicalAddress(UInt32(0x8040_0000)))?.mappingSize, 0x1000)
        for device in [UInt32(0x1C0A_0000), 0x1C13_0000] {
            let t = try XCTUnwrap(tables.translate(GuestPhysicalAddress(device + 0x18)))
            XCTAssertEqual(t.physical, PhysicalAddress(device + 0x18))
            XCTAssertEqual(t.attributes, .device)
            XCTAssertTrue(t.attributes.executeNever)
        }
        XCTAssertEqual(tables.translate(GuestPhysicalAddress(UInt32(0x2C00_2000)))?.physical, PhysicalAddress(UInt32(0x2C00_6000)))
        XCTAssertEqual(tables.translate(GuestPhysicalAddress(UInt32(0x2C00_3FFC)))?.physical, PhysicalAddress(UInt32(0x2C00_7FFC)))

        let unmapped: [UInt32] = [
            0x2C00_1000, 0x2C00_1FFC,  // GIC distributor: emulated, never mapped
            0x2C00_4000, 0x2C00_6000,  // GICH and the real GICV address as an IPA
            0x2C00_0FFC,               // just below the GIC CPU interface window
            0x8050_3000,               // just past guest memory
            0x7FFF_F000,               // just below it
            0x8100_0000, 0x8120_0000,  // physical addresses as IPAs are not identity-mapped
            0x1C09_0000, 0x1C0A_1000, 0x1C13_1000,  // the console UART, just past each device
            0x0000_0000, 0xFFFF_F000,
        ]
        for address in unmapped {
            XCTAssertNil(tables.translate(GuestPhysicalAddress(address)), String(address, radix: 16))
        }
        XCTAssertNil(tables.translate(GuestPhysicalAddress(UInt64(0x1_0000_0000))))

        // Whole-table enumeration: the mapped bytes are exactly memory + devices + 8 KiB of GIC.
        var mappedBytes: UInt64 = 0
        tables.forEachMapping { range, translation in
            mappedBytes += range.size
            XCTAssertEqual(translation.mappingSize, range.size)
        }
        XCTAssertEqual(mappedBytes, config.memory.size + 0x2000 + 0x2000)
    }

    func testTableExhaustionIsAnError() throws {
        let config = vm(memory: (0x8000_0000, 0x40_0000), physical: 0x8100_0000, devices: [(0x1C0A_0000, 0x1000)])
        // Needs: level 1, level 2 for 0x80000000, level 2 for GiB 0, level 3 for the UART, level 3 for the GIC.
        let small = TableStorage(pages: 4)
        XCTAssertThrowsError(try Stage2Tables.build(for: config, platform: platform, tables: small.buffer, physicalBase: tablesAt)) {
            XCTAssertEqual($0 as? Stage2Error, .tablesExhausted(pages: 4))
        }
        XCTAssertEqual(Stage2Tables.pagesNeeded(for: config, platform: platform), 5)
        let enough = TableStorage(pages: 5)
        XCTAssertEqual(try Stage2Tables.build(for: config, platform: platform, tables: enough.buffer, physicalBase: tablesAt).pagesUsed, 5)
    }

    func testRejectsBadStorageAndMappings() throws {
        let storage = TableStorage(pages: 4)
        XCTAssertThrowsError(try Stage2Tables(tables: storage.buffer, physicalBase: PhysicalAddress(UInt32(0x8010_0800))))
        XCTAssertThrowsError(try Stage2Tables(tables: UnsafeMutableRawBufferPointer(rebasing: storage.buffer[0..<4095]), physicalBase: tablesAt))
        var tables = try Stage2Tables(tables: storage.buffer, physicalBase: tablesAt)
        let page = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x4000_0000)), size: 0x1000)
        try tables.map(page, to: PhysicalAddress(UInt32(0x8200_0000)), attributes: .guestMemory)
        XCTAssertThrowsError(try tables.map(page, to: PhysicalAddress(UInt32(0x8300_0000)), attributes: .guestMemory)) {
            XCTAssertEqual($0 as? Stage2Error, .alreadyMapped(page.base))
        }
        // A block over a range that already has pages must not overwrite them.
        XCTAssertThrowsError(try tables.map(GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x4000_0000)), size: 0x20_0000),
                                            to: PhysicalAddress(UInt32(0x8400_0000)), attributes: .guestMemory))
        XCTAssertThrowsError(try tables.map(GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x4000_0800)), size: 0x1000),
                                            to: PhysicalAddress(UInt32(0x8200_0000)), attributes: .guestMemory)) {
            XCTAssertEqual($0 as? Stage2Error, .misaligned(GuestPhysicalAddress(UInt32(0x4000_0800))))
        }
        XCTAssertThrowsError(try tables.map(GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0xFFFF_F000)), size: 0x2000),
                                            to: PhysicalAddress(UInt32(0x8200_0000)), attributes: .guestMemory)) {
            XCTAssertEqual($0 as? Stage2Error, .outOfRange(GuestPhysicalAddress(UInt32(0xFFFF_F000))))
        }
    }

    /// Property test: for random valid configurations, each VM's tables map
    /// exactly its own memory, devices and the GIC CPU interface; no two VMs
    /// reach the same physical page except the shared GICV; none reaches the
    /// hypervisor's RAM or the GIC distributor.
    func testRandomConfigurationsAreIsolated() throws {
        var random = SplitMix64(seed: 0x5EED)
        for _ in 0..<40 {
            let config = randomSystemConfig(&random, platform: platform)
            XCTAssertNoThrow(try config.validate(on: platform))
            var owners: [UInt64: Int] = [:]  // physical page -> VM
            for index in 0..<config.vmCount {
                let vm = config.vms[index]
                let storage = TableStorage(pages: 16)
                let tables = try Stage2Tables.build(for: vm, platform: platform, tables: storage.buffer,
                                                    physicalBase: PhysicalAddress(UInt32(0x8010_0000 + index * 0x10000)))
                XCTAssertEqual(tables.pagesUsed, Stage2Tables.pagesNeeded(for: vm, platform: platform))
                // Every configured page maps where the configuration says.
                for offset in stride(from: UInt64(0), to: vm.memory.size, by: 0x1000) {
                    XCTAssertEqual(tables.translate(GuestPhysicalAddress(vm.memory.base.value + offset))?.physical.value,
                                   vm.physicalBase.value + offset)
                }
                for d in 0..<vm.deviceCount {
                    let t = tables.translate(GuestPhysicalAddress(vm.devices[d].registers.base.value))
                    XCTAssertEqual(t?.physical, vm.devices[d].registers.base)
                    XCTAssertEqual(t?.attributes, .device)
                }
                XCTAssertNil(tables.translate(GuestPhysicalAddress(UInt32(0x2C00_1000))))
                XCTAssertNil(tables.translate(GuestPhysicalAddress(vm.memory.end)))
                // Every mapped page is a configured one; record who reaches which physical page.
                tables.forEachMapping { range, translation in
                    for offset in stride(from: UInt64(0), to: range.size, by: 0x1000) {
                        let ipa = GuestPhysicalAddress(range.base.value + offset)
                        let physical = translation.physical.value + offset
                        let expected = self.expectedTranslation(of: ipa, in: vm)
                        XCTAssertEqual(physical, expected, "unexpected mapping of IPA \(String(ipa.value, radix: 16))")
                        XCTAssertFalse(self.platform.hypervisorReserved.contains(PhysicalAddress(physical)))
                        XCTAssertNotEqual(physical & ~0xFFF, 0x2C00_1000)
                        if physical >= 0x2C00_6000 && physical < 0x2C00_8000 { continue }  // GICV: shared by design
                        if let owner = owners[physical], owner != index {
                            XCTFail("physical page \(String(physical, radix: 16)) mapped by VM \(owner) and VM \(index)")
                        }
                        owners[physical] = index
                    }
                }
            }
        }
    }

    /// Where the configuration says `ipa` goes for `vm`, or nil.
    private func expectedTranslation(of ipa: GuestPhysicalAddress, in vm: VMConfig) -> UInt64? {
        if vm.memory.contains(ipa) { return vm.physicalBase.value + (ipa.value - vm.memory.base.value) }
        for d in 0..<vm.deviceCount where vm.devices[d].guestRegisters.contains(ipa) { return ipa.value }
        if platform.guestGICCPUInterface.contains(ipa) {
            return platform.gicVirtualCPUInterface.value + (ipa.value - platform.guestGICCPUInterface.base.value)
        }
        return nil
    }
}
