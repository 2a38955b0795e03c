import HypervisorCore
import TestSupport
import XCTest

/// Sub-page device windows (the virtio-mmio transports): which device ranges
/// and interrupts a VM may be given, what stage 2 maps of them, and which
/// trapped accesses the hypervisor forwards. Also the block-device rules.
final class ForwardedWindowsTests: XCTestCase {
    private let platform = Platform.vexpressA15(ramSize: 256 << 20)
    private var virtio: DeviceRegion { platform.deviceRegions[6] }

    private func device(_ base: UInt32, _ size: UInt32, _ interrupts: UInt32...) -> TestNode {
        var properties = [("reg", TestNode.cells(base, size))]
        if !interrupts.isEmpty { properties.append(("interrupts", interrupts.flatMap(bigEndian))) }
        return TestNode("device@\(String(base, radix: 16))", properties)
    }

    private func vm(_ index: Int, devices: [TestNode] = [], extra: [(String, [UInt8])] = []) -> TestNode {
        stackedVM(index, devices: devices, extra: extra)
    }

    private func load(_ vms: [TestNode]) -> Result<SystemConfig, ConfigError> {
        loadSampleSystem(vms, platform: platform)
    }

    private func message(_ vms: [TestNode]) -> String? {
        sampleConfigTree(vms: vms).blob().withUnsafeBytes { raw -> String? in
            do throws(ConfigError) {
                _ = try SystemConfig.load(dtb: raw, platform: platform)
                return nil
            } catch {
                var text = ByteBuffer()
                error.write(to: &text, fdt: try? FDT(raw))
                return text.text
            }
        }
    }

    private func reason(_ vms: [TestNode]) -> ConfigErrorReason? {
        if case .failure(let error) = load(vms) { return error.reason }
        return nil
    }

    private func range(_ base: UInt32, _ size: UInt64) -> PhysicalRange { PhysicalRange(base: PhysicalAddress(base), size: size) }

    // MARK: The platform's windows

    func testVirtioRegionHasFourWindowsOneInterruptEach() {
        XCTAssertEqual(virtio.windowSize, 0x200)
        XCTAssertTrue(virtio.dmaCapable)
        XCTAssertTrue(virtio.hasInterruptPerWindow)
        XCTAssertTrue(virtio.raises(75, within: range(0x1C13_0600, 0x200)))
        XCTAssertFalse(virtio.raises(74, within: range(0x1C13_0600, 0x200)))
        XCTAssertTrue(virtio.raises(74, within: range(0x1C13_0400, 0x400)))
        XCTAssertTrue(virtio.raises(72, within: range(0x1C13_0000, 0x1000)))
        XCTAssertTrue(virtio.interrupts(within: range(0x1C13_0200, 0x400)) == (first: 73, count: 2))
        let uart = platform.deviceRegions[1]
        XCTAssertEqual(uart.windowSize, 0x1000)
        XCTAssertFalse(uart.dmaCapable)
        XCTAssertTrue(uart.raises(38, within: uart.range))
    }

    // MARK: Validation

    func testTwoVMsEachOwnATransportOfThePage() throws {
        let config = try load([vm(0, devices: [device(0x1C13_0600, 0x200, 75)]),
                               vm(1, devices: [device(0x1C13_0400, 0x200, 74)])]).get()
        XCTAssertEqual(config.vms[0].devices[0].registers, range(0x1C13_0600, 0x200))
        XCTAssertFalse(config.vms[0].devices[0].isWholePages)
        XCTAssertNil(config.vms[0].devices[0].mappedPages)
    }

    func testSeveralWindowsAndTheWholePage() throws {
        XCTAssertNil(message([vm(0, devices: [device(0x1C13_0400, 0x400, 74, 75)])]))
        XCTAssertNil(message([vm(0, devices: [device(0x1C13_0000, 0x1000, 72, 73, 74, 75)])]))
        XCTAssertNil(message([vm(0, devices: [device(0x1C13_0000, 0x200)])]))  // no interrupt at all is fine
        let config = try load([vm(0, devices: [device(0x1C13_0000, 0x1000, 72)])]).get()
        XCTAssertTrue(config.vms[0].devices[0].isWholePages)
    }

    func testMisalignedWindowIsRefused() {
        XCTAssertEqual(reason([vm(0, devices: [device(0x1C13_0100, 0x200, 72)])]),
                       .notWholeWindows(range(0x1C13_0100, 0x200), region: virtio))
        XCTAssertEqual(message([vm(0, devices: [device(0x1C13_0100, 0x200, 72)])]),
                       "/vm@0/device@1c130100: property \"reg\": 0x1c130100-0x1c1302ff is not made of whole 512-byte windows of virtio-mmio 0-3 (0x1c130000-0x1c130fff)")
    }

    func testPartialWindowIsRefused() {
        XCTAssertEqual(reason([vm(0, devices: [device(0x1C13_0400, 0x100, 74)])]),
                       .notWholeWindows(range(0x1C13_0400, 0x100), region: virtio))
        XCTAssertEqual(reason([vm(0, devices: [device(0x1C13_0400, 0x300, 74)])]),
                       .notWholeWindows(range(0x1C13_0400, 0x300), region: virtio))
    }

    func testWholePageRegionsStillNeedPages() {
        XCTAssertEqual(reason([vm(0, devices: [device(0x1C0A_0200, 0x200, 38)])]), .misaligned(0x1C0A_0200))
        XCTAssertEqual(reason([vm(0, devices: [device(0x1C0A_0000, 0x200, 38)])]), .misaligned(0x200))
        XCTAssertEqual(reason([vm(0, devices: [device(0x2C00_1200, 0x200)])]), .misaligned(0x2C00_1200))
    }

    func testInterruptOfAnotherWindowIsRefused() {
        XCTAssertEqual(reason([vm(0, devices: [device(0x1C13_0600, 0x200, 74)])]),
                       .interruptOfOtherWindow(74, registers: range(0x1C13_0600, 0x200), region: virtio))
        XCTAssertEqual(message([vm(0, devices: [device(0x1C13_0600, 0x200, 74)])]),
                       "/vm@0/device@1c130600: property \"interrupts\": interrupt 74 is raised by another window of virtio-mmio 0-3; 0x1c130600-0x1c1307ff raises 75")
        XCTAssertEqual(message([vm(0, devices: [device(0x1C13_0200, 0x400, 75)])]),
                       "/vm@0/device@1c130200: property \"interrupts\": interrupt 75 is raised by another window of virtio-mmio 0-3; 0x1c130200-0x1c1305ff raises 73..74")
        // Not of the region at all: the existing rule.
        if case .interruptNotOfDevice(38, _)? = reason([vm(0, devices: [device(0x1C13_0600, 0x200, 38)])]) {} else {
            XCTFail("interrupt 38 on a virtio transport accepted or misreported")
        }
    }

    func testOverlapBetweenVMsIsRefusedAtByteGranularity() {
        let same = [vm(0, devices: [device(0x1C13_0400, 0x200, 74)]), vm(1, devices: [device(0x1C13_0400, 0x200, 74)])]
        guard case .deviceAlreadyAssigned(let r, _, let other)? = reason(same) else { return XCTFail("shared transport accepted") }
        XCTAssertEqual(r, range(0x1C13_0400, 0x200))
        XCTAssertEqual(other, range(0x1C13_0400, 0x200))
        let partly = [vm(0, devices: [device(0x1C13_0400, 0x400, 74, 75)]), vm(1, devices: [device(0x1C13_0600, 0x200, 75)])]
        guard case .deviceAlreadyAssigned? = reason(partly) else { return XCTFail("overlapping windows accepted") }
        let page = [vm(0, devices: [device(0x1C13_0000, 0x1000)]), vm(1, devices: [device(0x1C13_0200, 0x200)])]
        guard case .deviceAlreadyAssigned? = reason(page) else { return XCTFail("window of an owned page accepted") }
    }

    // MARK: Stage 2

    func testStage2LeavesAPartlyOwnedPageUnmapped() throws {
        let config = try load([vm(0, devices: [device(0x1C13_0600, 0x200, 75), device(0x1C0B_0000, 0x1000, 39)])]).get()
        let vm = config.vms[0]
        let storage = TableStorage(pages: 16)
        let tables = try Stage2Tables.build(for: vm, platform: platform, tables: storage.buffer, physicalBase: PhysicalAddress(UInt32(0x8010_0000)))
        XCTAssertEqual(tables.pagesUsed, Stage2Tables.pagesNeeded(for: vm, platform: platform))
        for address in [UInt32(0x1C13_0000), 0x1C13_0400, 0x1C13_0600, 0x1C13_07FC, 0x1C13_0FFC] {
            XCTAssertNil(tables.translate(GuestPhysicalAddress(address)), String(address, radix: 16))
        }
        XCTAssertEqual(tables.translate(GuestPhysicalAddress(UInt32(0x1C0B_0010)))?.physical, PhysicalAddress(UInt32(0x1C0B_0010)))
        // The whole virtio page given to one VM is mapped as before.
        let whole = try load([self.vm(0, devices: [device(0x1C13_0000, 0x1000, 72)])]).get().vms[0]
        let storage2 = TableStorage(pages: 16)
        let mapped = try Stage2Tables.build(for: whole, platform: platform, tables: storage2.buffer, physicalBase: PhysicalAddress(UInt32(0x8010_0000)))
        XCTAssertEqual(mapped.translate(GuestPhysicalAddress(UInt32(0x1C13_0600)))?.attributes, .device)
        XCTAssertEqual(try MMIORegionTable(vm: whole, platform: platform).count, 1, "the distributor only")
    }

    // MARK: Forwarding decisions

    private func windows() throws -> MMIORegionTable {
        let config = try load([vm(0, devices: [device(0x1C13_0600, 0x200, 75), device(0x1C0B_0000, 0x1000, 39)]),
                               vm(1, devices: [device(0x1C13_0400, 0x200, 74)])]).get()
        return try MMIORegionTable(vm: config.vms[0], platform: platform)
    }

    /// HSR of a data abort with ISV: size (0 byte, 1 halfword, 2 word), SSE, SRT, WnR.
    private func syndrome(size: UInt32, signExtend: Bool = false, register: UInt32, write: Bool, valid: Bool = true) -> UInt32 {
        (0x24 << 26) | (valid ? 1 << 24 : 0) | (size << 22) | (signExtend ? 1 << 21 : 0) | (register << 16) | (write ? 1 << 6 : 0) | 0x7
    }

    private func decide(_ regions: MMIORegionTable, _ address: UInt32, _ syndrome: UInt32) -> MMIORoute {
        regions.route(DataAbortSyndrome(syndrome: syndrome, address: GuestPhysicalAddress(address)))
    }

    func testOwnWindowIsForwarded() throws {
        let w = try windows()
        XCTAssertEqual(w.count, 2, "the distributor and the VM's one sub-page window")
        XCTAssertEqual(w[1], MMIORegion(range: GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x1C13_0600)), size: 0x200), kind: .forwarded))
        XCTAssertEqual(decide(w, 0x1C13_0600, syndrome(size: 2, register: 3, write: false)),
                       .forward(ForwardedAccess(physical: PhysicalAddress(UInt32(0x1C13_0600)), width: .word, isWrite: false,
                                                register: 3, signExtends: false)))
        XCTAssertEqual(decide(w, 0x1C13_07FC, syndrome(size: 2, register: 12, write: true)),
                       .forward(ForwardedAccess(physical: PhysicalAddress(UInt32(0x1C13_07FC)), width: .word, isWrite: true,
                                                register: 12, signExtends: false)))
        XCTAssertEqual(decide(w, 0x1C13_0671, syndrome(size: 0, signExtend: true, register: 0, write: false)),
                       .forward(ForwardedAccess(physical: PhysicalAddress(UInt32(0x1C13_0671)), width: .byte, isWrite: false,
                                                register: 0, signExtends: true)))
        XCTAssertEqual(decide(w, 0x1C13_0602, syndrome(size: 1, register: 5, write: true)),
                       .forward(ForwardedAccess(physical: PhysicalAddress(UInt32(0x1C13_0602)), width: .halfword, isWrite: true,
                                                register: 5, signExtends: false)))
    }

    func testOtherVMsWindowAndOutsideAreRefused() throws {
        let w = try windows()
        let load = syndrome(size: 2, register: 1, write: false)
        XCTAssertEqual(decide(w, 0x1C13_0400, load), .refuse(.noRegion))   // the other VM's transport
        XCTAssertEqual(decide(w, 0x1C13_05FC, load), .refuse(.noRegion))
        XCTAssertEqual(decide(w, 0x1C13_0800, load), .refuse(.noRegion))   // one past its window
        XCTAssertEqual(decide(w, 0x1C13_0000, load), .refuse(.noRegion))   // nobody's transport
        XCTAssertEqual(decide(w, 0x1C0B_0000, load), .refuse(.noRegion))   // a mapped whole-page device is not forwarded
        XCTAssertEqual(decide(w, 0x9000_0000, load), .refuse(.noRegion))
        XCTAssertEqual(decide(MMIORegionTable(), 0x1C13_0600, load), .refuse(.noRegion))
    }

    func testAccessesThatCannotBeReplayedAreRefused() throws {
        let w = try windows()
        XCTAssertEqual(decide(w, 0x1C13_0600, syndrome(size: 2, register: 1, write: false, valid: false)), .refuse(.noSyndrome))
        XCTAssertEqual(decide(w, 0x1C13_0602, syndrome(size: 2, register: 1, write: false)), .refuse(.unsupportedAccess))
        XCTAssertEqual(decide(w, 0x1C13_0601, syndrome(size: 1, register: 1, write: false)), .refuse(.unsupportedAccess))
        XCTAssertEqual(decide(w, 0x1C13_0600, syndrome(size: 3, register: 1, write: false)), .refuse(.unsupportedAccess))
        XCTAssertEqual(decide(w, 0x1C13_0600, syndrome(size: 2, register: 15, write: true)), .refuse(.unsupportedRegister))
    }

    /// SP and LR are forwarded too: the hypervisor reads and writes them in the
    /// bank of the guest's mode (GuestRegisterBank).
    func testStackPointerAndLinkRegisterAreForwarded() throws {
        let w = try windows()
        for register: UInt32 in [13, 14] {
            guard case .forward(let access) = decide(w, 0x1C13_0600, syndrome(size: 2, register: register, write: true)) else {
                return XCTFail("r\(register) is a transfer register the hypervisor replays")
            }
            XCTAssertEqual(access.register, register)
        }
    }

    func testLoadsAreZeroOrSignExtendedAndStoresTruncated() {
        func access(_ width: AccessWidth, sign: Bool) -> ForwardedAccess {
            ForwardedAccess(physical: PhysicalAddress(UInt32(0x1C13_0600)), width: width, isWrite: false, register: 0, signExtends: sign)
        }
        XCTAssertEqual(access(.byte, sign: false).loaded(0xFFFF_FF80), 0x80)
        XCTAssertEqual(access(.byte, sign: true).loaded(0x80), 0xFFFF_FF80)
        XCTAssertEqual(access(.byte, sign: true).loaded(0x7F), 0x7F)
        XCTAssertEqual(access(.halfword, sign: false).loaded(0x1234_8001), 0x8001)
        XCTAssertEqual(access(.halfword, sign: true).loaded(0x8001), 0xFFFF_8001)
        XCTAssertEqual(access(.halfword, sign: true).loaded(0x7001), 0x7001)
        XCTAssertEqual(access(.word, sign: false).loaded(0x7472_6976), 0x7472_6976)
        XCTAssertEqual(access(.word, sign: true).loaded(0x8000_0000), 0x8000_0000)
        XCTAssertEqual(access(.byte, sign: false).stored(0x1234_5678), 0x78)
        XCTAssertEqual(access(.halfword, sign: false).stored(0x1234_5678), 0x5678)
        XCTAssertEqual(access(.word, sign: false).stored(0x1234_5678), 0x1234_5678)
    }

    func testStoresNeverSignExtend() throws {
        let w = try windows()
        guard case .forward(let store) = decide(w, 0x1C13_0670, syndrome(size: 0, signExtend: true, register: 2, write: true)) else {
            return XCTFail("store refused")
        }
        XCTAssertFalse(store.signExtends)
    }

    // MARK: DMA and bootargs

    func testOnlyVMsWithAVirtioTransportLearnTheirPhysicalBase() throws {
        let config = try load([vm(0, devices: [device(0x1C13_0600, 0x200, 75)]),
                               vm(1, devices: [device(0x1C0B_0000, 0x1000, 39)]),
                               vm(2, devices: [])]).get()
        XCTAssertTrue(config.vms[0].ownsDMACapableDevice(on: platform))
        XCTAssertFalse(config.vms[1].ownsDMACapableDevice(on: platform))
        XCTAssertFalse(config.vms[2].ownsDMACapableDevice(on: platform))
    }

    // MARK: Block devices

    private let backend = ("block-backend", [UInt8]())
    private func disk(_ first: UInt32, _ count: UInt32) -> (String, [UInt8]) { ("disk", TestNode.cells(first, count)) }

    func testBlockBackendAndDisksAreRead() throws {
        let config = try load([vm(0, devices: [device(0x1C13_0600, 0x200, 75)], extra: [backend]),
                               vm(1, extra: [disk(0, 2048)]), vm(2, extra: [disk(2048, 4096)])]).get()
        XCTAssertTrue(config.vms[0].blockBackend)
        XCTAssertNil(config.vms[0].disk)
        XCTAssertFalse(config.vms[1].blockBackend)
        XCTAssertEqual(config.vms[1].disk, DiskSlice(firstSector: 0, sectorCount: 2048))
        XCTAssertEqual(config.vms[2].disk, DiskSlice(firstSector: 2048, sectorCount: 4096))
        // The backend may come after the VMs with disks.
        XCTAssertNil(message([vm(0, extra: [disk(0, 1)]), vm(1, devices: [device(0x1C13_0400, 0x200, 74)], extra: [backend])]))
        // The last sector of a 32-bit disk.
        XCTAssertNil(message([vm(0, devices: [device(0x1C13_0600, 0x200, 75)], extra: [backend]),
                              vm(1, extra: [disk(0xFFFF_FFFF, 1)])]))
    }

    func testBlockRules() {
        let owner = vm(0, devices: [device(0x1C13_0600, 0x200, 75)], extra: [backend])
        XCTAssertEqual(message([owner, vm(1, devices: [device(0x1C13_0400, 0x200, 74)], extra: [backend])]),
                       "/vm@1: property \"block-backend\": only one VM may be the block backend; /vm@0 already is")
        XCTAssertEqual(reason([vm(0, devices: [device(0x1C0A_0000, 0x1000, 38)], extra: [backend])]), .blockBackendWithoutVirtio)
        XCTAssertEqual(reason([vm(0, extra: [backend])]), .blockBackendWithoutVirtio)
        XCTAssertEqual(reason([vm(0, devices: [device(0x1C13_0600, 0x200, 75)], extra: [("block-backend", TestNode.cells(1))])]),
                       .notAFlag(bytes: 4))
        XCTAssertEqual(reason([vm(0, extra: [disk(0, 8)])]), .diskWithoutBlockBackend)
        XCTAssertEqual(reason([vm(0, devices: [device(0x1C13_0600, 0x200, 75)], extra: [backend, disk(0, 8)])]), .diskOnBlockBackend)
        XCTAssertEqual(reason([owner, vm(1, extra: [disk(8, 0)])]), .emptyDisk)
        XCTAssertEqual(reason([owner, vm(1, extra: [disk(0xFFFF_FFFF, 2)])]), .diskBeyond32Bits(firstSector: 0xFFFF_FFFF, sectorCount: 2))
        XCTAssertEqual(reason([owner, vm(1, extra: [("disk", TestNode.cells(8))])]), .wrongCellCount(expected: 2, foundBytes: 4))
        XCTAssertEqual(message([owner, vm(1, extra: [disk(0, 100)]), vm(2, extra: [disk(99, 10)])]),
                       "/vm@2: property \"disk\": sectors 99-108 overlap the disk of /vm@1 (sectors 0-99)")
        XCTAssertNil(message([owner, vm(1, extra: [disk(0, 100)]), vm(2, extra: [disk(100, 10)])]))
    }

    func testDiskSliceOverlap() {
        let a = DiskSlice(firstSector: 10, sectorCount: 10)
        XCTAssertTrue(a.overlaps(DiskSlice(firstSector: 19, sectorCount: 1)))
        XCTAssertFalse(a.overlaps(DiskSlice(firstSector: 20, sectorCount: 5)))
        XCTAssertFalse(a.overlaps(DiskSlice(firstSector: 0, sectorCount: 10)))
        XCTAssertTrue(a.overlaps(DiskSlice(firstSector: 0, sectorCount: 11)))
    }
}
