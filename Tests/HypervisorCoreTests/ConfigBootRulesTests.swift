import HypervisorCore
import TestSupport
import XCTest

/// The rules the boot relies on, each a rule of the shared validator (docs/CONFIG.md):
/// what `apus check` accepts must boot without running out of stage-2 table
/// storage, without an image running into the pages Apus reserves, and without
/// an entry point it cannot start at.
final class ConfigBootRulesTests: XCTestCase {
    private let platform = Platform.vexpressA15(ramSize: 256 << 20)

    private func vm(memory base: UInt64 = 0x8000_0000, size: UInt64 = 0x40_0000, physical: UInt64 = 0x8100_0000,
                    entry: UInt64? = nil) -> VMConfig {
        var vm = VMConfig(node: .none, memory: GuestPhysicalRange(base: GuestPhysicalAddress(base), size: size),
                          physicalBase: PhysicalAddress(physical), entry: GuestPhysicalAddress(entry ?? base))
        vm.credit = CreditParameters()
        return vm
    }

    private func config(_ vms: VMConfig...) -> SystemConfig {
        var config = SystemConfig(scheduler: .credit)
        for vm in vms {
            config.vms[config.vmCount] = vm
            config.vmCount += 1
        }
        return config
    }

    private func reason(_ config: SystemConfig, on platform: Platform? = nil) -> ConfigErrorReason? {
        do throws(ConfigError) {
            try config.validate(on: platform ?? self.platform)
            return nil
        } catch {
            return error.reason
        }
    }

    // MARK: The virtual GIC

    /// The guest's GIC is the distributor page and both pages of the CPU
    /// interface: 0x2c001000-0x2c003fff. Memory over the CPU interface's second
    /// page was accepted and then mapped over by stage 2.
    func testMemoryOverTheSecondCPUInterfacePageIsRefused() {
        let gic = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x2C00_1000)), size: 0x3000)
        XCTAssertEqual(platform.virtualGIC, gic)
        let over = vm(memory: 0x2C00_3000, size: 0x10_0000, physical: 0x8100_0000)
        XCTAssertEqual(reason(config(over)), .overlapsVirtualGIC(over.memory, gic: gic))
        // Right below the distributor and right above the CPU interface are fine.
        XCTAssertNil(reason(config(vm(memory: 0x2C00_1000 - 0x10_0000, size: 0x10_0000))))
        XCTAssertNil(reason(config(vm(memory: 0x2C00_4000, size: 0x10_0000))))
    }

    // MARK: Reserved pages and the entry point

    func testMemoryMustHoldMoreThanTheReservedPages() {
        let tiny = vm(size: 0x5000)
        XCTAssertEqual(reason(config(tiny)), .memoryTooSmall(size: 0x5000, reserved: 0x5000))
        XCTAssertNil(reason(config(vm(size: 0x6000))))
    }

    func testEntryMustBeAligned() {
        XCTAssertEqual(reason(config(vm(entry: 0x8000_0002))), .entryMisaligned(GuestPhysicalAddress(UInt32(0x8000_0002))))
    }

    func testEntryMustNotBeInAReservedPage() {
        let reserved = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x803F_B000)), size: 0x5000)
        XCTAssertEqual(reason(config(vm(entry: 0x803F_B000))), .entryInReservedPages(GuestPhysicalAddress(UInt32(0x803F_B000)), reserved: reserved))
        XCTAssertEqual(reason(config(vm(entry: 0x803F_FFFC))), .entryInReservedPages(GuestPhysicalAddress(UInt32(0x803F_FFFC)), reserved: reserved))
        XCTAssertNil(reason(config(vm(entry: 0x803F_AFFC))))
    }

    /// The reserved pages are where the hypervisor writes: bootargs last, the grant table before it,
    /// the xenstore ring first.
    func testReservedPagesAreWhereTheHypervisorWrites() {
        let memory = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8000_0000)), size: 0x40_0000)
        XCTAssertEqual(GrantLayout(memory: memory, physicalBase: PhysicalAddress(UInt32(0x8100_0000))).table,
                       GuestPhysicalAddress(UInt32(0x803F_E000)))
        XCTAssertEqual(GuestReservedPages.page(GuestReservedPages.bootargsPage, of: memory), GuestPhysicalAddress(UInt32(0x803F_F000)))
        XCTAssertEqual(GuestReservedPages.page(GuestReservedPages.xenstoreRingPage, of: memory), GuestPhysicalAddress(UInt32(0x803F_B000)))
        XCTAssertEqual(GuestReservedPages.range(in: memory).base, GuestPhysicalAddress(UInt32(0x803F_B000)))
        XCTAssertEqual(GuestReservedPages.usableBytes(of: memory), 0x3F_B000)
    }

    // MARK: Images

    private func image(size: Int, load: UInt32 = 0x8000_0000, footprint: UInt32? = nil, header: Bool = true) -> [UInt8] {
        var bytes = [UInt8](repeating: 0xE1, count: size)
        if header {
            bytes.withUnsafeMutableBytes { GuestImageHeader(loadAddress: load, footprint: footprint ?? UInt32(size)).write(to: $0) }
        }
        return bytes
    }

    private func imageReason(_ bytes: [UInt8], vm: VMConfig? = nil) -> (ConfigProperty?, ConfigErrorReason)? {
        let config = config(vm ?? self.vm())
        return bytes.withUnsafeBytes { raw -> (ConfigProperty?, ConfigErrorReason)? in
            do throws(ConfigError) {
                try config.checkImage(start: raw, size: raw.count, ofVM: 0)
                return nil
            } catch {
                return (error.property, error.reason)
            }
        }
    }

    func testImageHeaderRoundTrips() {
        let bytes = image(size: 64, load: 0x4000_0000, footprint: 0x1234)
        XCTAssertEqual(bytes.withUnsafeBytes { GuestImageHeader($0) }, GuestImageHeader(loadAddress: 0x4000_0000, footprint: 0x1234))
        XCTAssertNil(image(size: 64, header: false).withUnsafeBytes { GuestImageHeader($0) })
        XCTAssertNil(Array(bytes.prefix(20)).withUnsafeBytes { GuestImageHeader($0) })
    }

    func testImageNeedsAHeader() {
        XCTAssertEqual(imageReason(image(size: 4096, header: false))?.1, .imageWithoutHeader)
    }

    func testImageMustBeLinkedForTheMemoryBase() {
        let memory = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8000_0000)), size: 0x40_0000)
        XCTAssertEqual(imageReason(image(size: 4096, load: 0x4000_0000))?.1, .imageLinkedElsewhere(loadAddress: 0x4000_0000, memory: memory))
    }

    func testFootprintCannotBeSmallerThanTheFile() {
        XCTAssertEqual(imageReason(image(size: 4096, footprint: 100))?.1, .imageFootprintBelowSize(footprint: 100, size: 4096))
    }

    /// A file that fits, whose BSS and stacks run into the grant table page: refused.
    func testFootprintMustStayBelowTheReservedPages() {
        let usable: UInt32 = 0x40_0000 - 0x5000
        XCTAssertNil(imageReason(image(size: 4096, footprint: usable)))
        let reserved = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x803F_B000)), size: 0x5000)
        XCTAssertEqual(imageReason(image(size: 4096, footprint: usable + 8))?.1,
                       .imageRunsIntoReservedPages(GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8000_0000)), size: UInt64(usable) + 8),
                                                   reserved: reserved))
    }

    func testFileMustFitBelowTheReservedPages() {
        let size = 0x40_0000 - 0x5000 + 1
        XCTAssertEqual(imageReason(image(size: size))?.1, .imageTooLarge(size: size, limit: 0x40_0000 - 0x5000))
    }

    func testEntryMustBeInsideTheLoadedImage() {
        let result = imageReason(image(size: 0x2000), vm: vm(entry: 0x8000_2000))
        XCTAssertEqual(result?.0, .entry)
        XCTAssertEqual(result?.1, .entryOutsideImage(GuestPhysicalAddress(UInt32(0x8000_2000)),
                                                      image: GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8000_0000)), size: 0x2000)))
        XCTAssertNil(imageReason(image(size: 0x2000), vm: vm(entry: 0x8000_1FFC)))
    }

    // MARK: Stage-2 table budget

    /// A VM at a 4 KiB- but not 2 MiB-aligned physical base maps its memory in
    /// pages: one level-3 table per 2 MiB. 200 MiB of it needs 107 pages, which
    /// the 128-page region holds; a second such VM does not fit, and is refused
    /// with the numbers rather than panicking at boot.
    func testStage2BudgetIsCheckedAgainstTheRegion() {
        let big = vm(size: 200 << 20, physical: 0x8100_1000)
        XCTAssertEqual(Stage2Tables.pagesNeededWithGrantWindow(for: big, platform: platform), 1 + 2 + 100 + 1 + 1)
        XCTAssertNil(reason(config(big)))
        let roomy = Platform.vexpressA15(ramSize: 512 << 20)
        XCTAssertNil(reason(config(big, vm(size: 20 << 20, physical: 0x8D81_1000)), on: roomy))  // 105 + 15 pages
        XCTAssertEqual(reason(config(big, vm(size: 40 << 20, physical: 0x8D81_1000)), on: roomy),
                       .stage2TablesExceedRegion(vmPages: 25, totalPages: 130, regionPages: 128))
        let small = Platform.vexpressA15(ramSize: 256 << 20, stage2TablePages: 100)
        XCTAssertEqual(reason(config(big), on: small), .stage2TablesExceedRegion(vmPages: 105, totalPages: 105, regionPages: 100))
    }

    /// The budget is exact: building the tables and reserving the grant window
    /// takes precisely the pages `Stage2Budget` gives each VM.
    func testBudgetIsExactForTheExamples() throws {
        try assertBuildsWithinBudget(config(vm(), vm(memory: 0x8000_0000, size: 0x80_0000, physical: 0x8140_0000)), on: platform)
    }

    /// Property: every configuration the validator accepts builds each VM's
    /// stage 2 and grant window in exactly its budget, and all budgets fit the
    /// region; every refusal for table storage is a true one. Fed by the random
    /// configuration generator of the stage-2 tests, with memory up to 64 MiB
    /// and a region small enough that some systems do not fit.
    func testAcceptedConfigurationsBuildWithinTheirBudgets() throws {
        var random = SplitMix64(seed: 0xB0D6E7)
        let ram = Platform.vexpressA15(ramSize: 1 << 30)
        var accepted = 0, refused = 0
        for round in 0..<150 {
            let platform = Platform.vexpressA15(ramSize: 1 << 30, stage2TablePages: round % 2 == 0 ? 128 : 48)
            let config = randomSystemConfig(&random, platform: ram, maximumPages: 16384)
            var total = 0
            for index in 0..<config.vmCount { total += Stage2Tables.pagesNeededWithGrantWindow(for: config.vms[index], platform: platform) }
            switch reason(config, on: platform) {
            case nil:
                accepted += 1
                XCTAssertLessThanOrEqual(total, platform.stage2TablePages)
                try assertBuildsWithinBudget(config, on: platform)
            case .stage2TablesExceedRegion(_, let sum, let region)?:
                refused += 1
                XCTAssertGreaterThan(sum, region)
                XCTAssertGreaterThan(total, platform.stage2TablePages)
            case let other?:
                XCTFail("round \(round): unexpected refusal \(other)")
            }
        }
        XCTAssertGreaterThan(accepted, 20)
        XCTAssertGreaterThan(refused, 20)
    }

    /// Builds every VM as the boot does: its slice of one region, then its grant window.
    private func assertBuildsWithinBudget(_ config: SystemConfig, on platform: Platform,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        let region = TableStorage(pages: platform.stage2TablePages)
        let ram = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(platform.ram.size), alignment: 4096)
        defer { ram.deallocate() }
        var grants = GrantTables(memory: PhysicalMemoryWindow(base: platform.ram.base, bytes: ram))
        var end = 0
        for index in 0..<config.vmCount {
            let budget = Stage2Budget.slice(ofVM: index, in: config, platform: platform)
            XCTAssertEqual(budget.first, end, file: file, line: line)
            end = budget.first + budget.count
            XCTAssertLessThanOrEqual(end, platform.stage2TablePages, file: file, line: line)
            let storage = UnsafeMutableRawBufferPointer(rebasing: region.buffer[budget.first * 4096..<end * 4096])
            var tables = try Stage2Tables.build(for: config.vms[index], platform: platform, tables: storage,
                                                physicalBase: PhysicalAddress(UInt32(0x8010_0000 + budget.first * 4096)))
            try grants.addDomain(DomainID(index), layout: GrantLayout(vm: config.vms[index]), stage2: &tables)
            XCTAssertEqual(tables.pagesUsed, budget.count, "VM \(index)", file: file, line: line)
        }
    }
}
