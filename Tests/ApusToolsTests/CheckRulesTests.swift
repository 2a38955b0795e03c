import ApusTools
import Foundation
import HypervisorCore
import XCTest

/// One test per configuration rule (docs/CONFIG.md): each file in Configs/bad
/// breaks exactly one rule, compiled with dtc and checked like `apus check`;
/// the test asserts the node, the property and the reason with its numbers.
final class CheckRulesTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private var images: URL!

    override func setUpWithError() throws {
        images = FileManager.default.temporaryDirectory.appendingPathComponent("apus-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for name in ["rt.bin", "load.bin", "hostile.bin", "smp.bin"] {
            try GuestImageFixture.bytes().write(to: images.appendingPathComponent(name))
        }
        // Linux VMs' files: anything but a zImage under the initramfs's name.
        try Data(repeating: 0, count: 4096).write(to: images.appendingPathComponent("initramfs.cpio.gz"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: images)
    }

    private func check(_ name: String, ramMiB: Int = 256, smp: Int? = nil) throws -> CheckOutcome {
        let path = Self.repository.appendingPathComponent("Configs/\(name).dts").path
        return try ConfigCheck.check(path: path, options: CheckOptions(imagesDirectory: images.path, ramMiB: ramMiB,
                                                                        largeImagesDirectory: images.path, smp: smp))
    }

    /// Asserts that `Configs/bad/NAME.dts` fails with this node, property and reason.
    private func assertRejects(_ name: String, node: String, _ property: ConfigProperty?, _ reason: ConfigErrorReason? = nil,
                               message: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        guard case .invalid(let failure) = try check("bad/\(name)") else {
            return XCTFail("bad/\(name).dts was accepted", file: file, line: line)
        }
        XCTAssertEqual(failure.nodePath, node, file: file, line: line)
        XCTAssertEqual(failure.property, property, file: file, line: line)
        if let reason { XCTAssertEqual(failure.reason, reason, file: file, line: line) }
        if let message { XCTAssertEqual(failure.message, message, file: file, line: line) }
        // The file's own comment states the expected message; keep them in step.
        let source = try String(contentsOf: Self.repository.appendingPathComponent("Configs/bad/\(name).dts"), encoding: .utf8)
        let expected = source.components(separatedBy: "\n").first { $0.contains("Expected: ") }
        let stated = try XCTUnwrap(expected, "bad/\(name).dts has no Expected: line", file: file, line: line)
            .components(separatedBy: "Expected: ")[1].replacingOccurrences(of: " ...", with: "")
        XCTAssertTrue(failure.message.hasPrefix(stated) || stated.hasPrefix(failure.message),
                      "\(failure.message) vs stated \(stated)", file: file, line: line)
    }

    private func range(_ base: UInt32, _ size: UInt64) -> PhysicalRange { PhysicalRange(base: PhysicalAddress(base), size: size) }
    private func guest(_ base: UInt32, _ size: UInt64) -> GuestPhysicalRange {
        GuestPhysicalRange(base: GuestPhysicalAddress(base), size: size)
    }

    // MARK: The good examples

    func testExamplesAreValid() throws {
        for name in ["two-vms", "credit", "hostile"] {
            guard case .valid(let summary) = try check(name) else { return XCTFail("\(name).dts rejected: \(try check(name))") }
            XCTAssertTrue(summary.contains("vm 0 \"rt\" (/vm@0)"), summary)
        }
        guard case .valid(let summary) = try check("two-vms") else { return }
        XCTAssertTrue(summary.hasPrefix("scheduler sedf, utilization 90.0%"), summary)
        XCTAssertTrue(summary.contains("  sedf     period 10000 us, slice 4000 us, extratime no"), summary)
        XCTAssertTrue(summary.contains("  device   0x1c0b0000-0x1c0b0fff UART2, interrupts 39"), summary)
    }

    // MARK: Shape

    func testRootCompatible() throws { try assertRejects("not-apus-system", node: "/", .compatible, .notAnApusSystem) }
    func testCellSizes() throws { try assertRejects("address-cells", node: "/", .addressCells, .unsupportedCells(found: 2)) }
    func testHypervisorNodeRequired() throws { try assertRejects("no-hypervisor", node: "/", nil, .missingHypervisorNode) }
    func testOneHypervisorNode() throws { try assertRejects("two-hypervisors", node: "/hypervisor@1", nil, .duplicateHypervisorNode) }
    func testAtLeastOneVM() throws { try assertRejects("no-vms", node: "/", nil, .noVMs) }
    func testAtMostEightVMs() throws { try assertRejects("too-many-vms", node: "/vm@8", nil, .tooManyVMs(limit: 8)) }
    func testUnknownNode() throws { try assertRejects("unknown-node", node: "/chosen", nil, .unknownNode) }
    func testUnknownProperty() throws {
        try assertRejects("unknown-property", node: "/vm@0", nil, message: "/vm@0: unknown property \"physical_base\"")
    }
    func testRequiredProperty() throws { try assertRejects("missing-entry", node: "/vm@0", .entry, .missingProperty) }
    func testCellCount() throws {
        try assertRejects("wrong-cell-count", node: "/vm@0", .memory, .wrongCellCount(expected: 2, foundBytes: 4))
    }
    func testStringProperty() throws { try assertRejects("image-not-a-string", node: "/vm@0", .image, .notAString) }
    func testSchedulerName() throws {
        try assertRejects("unknown-scheduler", node: "/hypervisor", .scheduler,
                          message: "/hypervisor: property \"scheduler\": unknown scheduler \"edf\" (expected \"sedf\" or \"credit\")")
    }
    func testTraceEntries() throws { try assertRejects("zero-trace-entries", node: "/hypervisor", .traceEntries, .zeroTraceEntries) }
    func testVCPUCount() throws {
        try assertRejects("zero-vcpus", node: "/vm@0", .vcpus, .vcpuCountOutOfRange(0, limit: VMConfig.maximumVCPUs))
    }
    func testAtMostFourDevices() throws {
        try assertRejects("too-many-devices", node: "/vm@0/device@1c110000", nil, .tooManyDevices(limit: 4))
    }
    func testAtMostFourInterrupts() throws {
        try assertRejects("too-many-interrupts", node: "/vm@0/device@1c130000", .interrupts, .tooManyInterrupts(limit: 4))
    }
    func testBootargsFitTheirPage() throws {
        try assertRejects("bootargs-too-long", node: "/vm@0", .bootargs, .bootargsTooLong(length: 4096, limit: 4095))
    }
    func testImageNameFitsThePack() throws {
        try assertRejects("image-name-too-long", node: "/vm@0", .image, .imageNameTooLong(length: 33, limit: 32))
    }

    // MARK: Addresses

    func testMemoryAligned() throws { try assertRejects("misaligned-memory", node: "/vm@0", .memory, .misaligned(0x8000_0800)) }
    func testMemoryNonEmpty() throws { try assertRejects("empty-memory", node: "/vm@0", .memory, .emptyRegion) }
    func testMemoryBelow4GiB() throws {
        try assertRejects("memory-beyond-4gib", node: "/vm@0", .memory, .beyond4GiB(base: 0xFFF0_0000, size: 0x20_0000))
    }
    func testPhysicalBaseAligned() throws {
        try assertRejects("misaligned-physical-base", node: "/vm@0", .physicalBase, .misaligned(0x8100_0200))
    }
    func testDeviceAligned() throws {
        try assertRejects("misaligned-device", node: "/vm@0/device@1c0a0100", .reg, .misaligned(0x1C0A_0100))
    }
    func testMemoryInsideRAM() throws {
        try assertRejects("outside-ram", node: "/vm@0", .physicalBase,
                          .outsideRAM(range(0x8FE0_0000, 0x40_0000), ram: range(0x8000_0000, 0x1000_0000)))
    }
    func testMemoryOutsideHypervisor() throws {
        try assertRejects("in-hypervisor-memory", node: "/vm@0", .physicalBase,
                          .insideHypervisor(range(0x8080_0000, 0x40_0000), reserved: range(0x8000_0000, 0x100_0000)))
    }
    func testVMsDoNotShareMemory() throws {
        try assertRejects("overlapping-vms", node: "/vm@1", .physicalBase,
                          message: "/vm@1: property \"physical-base\": memory at physical 0x81200000-0x815fffff overlaps /vm@0 (0x81000000-0x813fffff)")
    }
    func testEntryInsideMemory() throws {
        try assertRejects("entry-outside-memory", node: "/vm@0", .entry,
                          .entryOutsideMemory(GuestPhysicalAddress(UInt32(0x8040_0000)), memory: guest(0x8000_0000, 0x40_0000)))
    }
    func testMemoryAvoidsVirtualGIC() throws {
        try assertRejects("memory-overlaps-gic", node: "/vm@0", .memory,
                          .overlapsVirtualGIC(guest(0x2C00_0000, 0x40_0000), gic: guest(0x2C00_1000, 0x3000)))
    }
    func testOneConsoleBackend() throws {
        try assertRejects("two-console-backends", node: "/vm@1", .consoleBackend,
                          message: "/vm@1: property \"console-backend\": only one VM may be the console backend; /vm@0 already is")
    }
    func testConsoleBackendIsAFlag() throws {
        try assertRejects("console-backend-not-flag", node: "/vm@0", .consoleBackend, .notAFlag(bytes: 4))
    }
    func testMemoryAvoidsGrantWindow() throws {
        try assertRejects("memory-overlaps-grant-window", node: "/vm@0", .memory,
                          .overlapsGrantWindow(guest(0x3000_0000, 0x40_0000), window: guest(0x3000_0000, 0x20_0000)))
    }
    func testMemoryAvoidsOwnDevices() throws {
        try assertRejects("memory-overlaps-own-device", node: "/vm@0", .memory,
                          message: "/vm@0: property \"memory\": guest memory 0x1c000000-0x1c3fffff overlaps the VM's device /vm@0/device@1c0a0000 (0x1c0a0000-0x1c0a0fff)")
    }

    // MARK: Devices and interrupts

    func testDeviceAssignable() throws {
        try assertRejects("unassignable-device", node: "/vm@0/device@2c001000", .reg, .notAssignable(range(0x2C00_1000, 0x1000), platform: .vexpressA15))
    }
    func testDeviceGivenOnce() throws {
        try assertRejects("device-given-twice", node: "/vm@1/device@1c0a0000", .reg,
                          message: "/vm@1/device@1c0a0000: property \"reg\": device 0x1c0a0000-0x1c0a0fff is already given to /vm@0/device@1c0a0000 (0x1c0a0000-0x1c0a0fff)")
    }
    func testInterruptIsSPI() throws {
        try assertRejects("interrupt-not-spi", node: "/vm@0/device@1c0a0000", .interrupts, .interruptNotSPI(27, first: 32, last: 159))
    }
    func testInterruptBelongsToDevice() throws {
        try assertRejects("interrupt-not-of-device", node: "/vm@0/device@1c0a0000", .interrupts,
                          message: "/vm@0/device@1c0a0000: property \"interrupts\": interrupt 39 is not raised by UART1 (38)")
    }
    func testInterruptGivenOnce() throws {
        try assertRejects("interrupt-given-twice", node: "/vm@0/device@1c130000", .interrupts,
                          message: "/vm@0/device@1c130000: property \"interrupts\": interrupt 72 is already given to /vm@0/device@1c130000")
    }

    // MARK: Sub-page device windows (virtio-mmio transports)

    private var virtio: DeviceRegion { Platform.vexpressA15(ramSize: 256 << 20).deviceRegions[6] }

    func testWindowAligned() throws {
        try assertRejects("misaligned-window", node: "/vm@0/device@1c130100", .reg,
                          .notWholeWindows(range(0x1C13_0100, 0x200), region: virtio))
    }
    func testWindowWhole() throws {
        try assertRejects("partial-window", node: "/vm@0/device@1c130400", .reg,
                          .notWholeWindows(range(0x1C13_0400, 0x100), region: virtio))
    }
    func testInterruptOfOwnWindow() throws {
        try assertRejects("interrupt-of-other-window", node: "/vm@0/device@1c130600", .interrupts,
                          .interruptOfOtherWindow(74, registers: range(0x1C13_0600, 0x200), region: virtio))
    }
    func testTwoVMsShareTheVirtioPage() throws {
        guard case .valid(let summary) = try check("windows") else { return XCTFail("windows.dts rejected: \(try check("windows"))") }
        XCTAssertTrue(summary.contains("  device   0x1c130600-0x1c1307ff virtio-mmio 0-3 (sub-page window, forwarded), interrupts 75"), summary)
        XCTAssertTrue(summary.contains("  device   0x1c130400-0x1c1305ff virtio-mmio 0-3 (sub-page window, forwarded), interrupts 74"), summary)
        XCTAssertTrue(summary.contains("  dma      bootargs get \" physical-base=0x81400000\""), summary)
    }

    // MARK: Block devices

    func testOneBlockBackend() throws {
        try assertRejects("two-block-backends", node: "/vm@1", .blockBackend,
                          message: "/vm@1: property \"block-backend\": only one VM may be the block backend; /vm@0 already is")
    }
    func testBlockBackendIsAFlag() throws {
        try assertRejects("block-backend-not-flag", node: "/vm@0", .blockBackend, .notAFlag(bytes: 4))
    }
    func testBlockBackendOwnsAVirtioTransport() throws {
        try assertRejects("block-backend-without-virtio", node: "/vm@0", .blockBackend, .blockBackendWithoutVirtio)
    }
    func testDiskNeedsABlockBackend() throws {
        try assertRejects("disk-without-block-backend", node: "/vm@0", .disk, .diskWithoutBlockBackend)
    }
    func testDiskNotOnTheBlockBackend() throws {
        try assertRejects("disk-on-block-backend", node: "/vm@0", .disk, .diskOnBlockBackend)
    }
    func testDiskNonEmpty() throws { try assertRejects("empty-disk", node: "/vm@1", .disk, .emptyDisk) }
    func testDiskWithin32Bits() throws {
        try assertRejects("disk-beyond-32-bits", node: "/vm@1", .disk, .diskBeyond32Bits(firstSector: 0xFFFF_FF00, sectorCount: 512))
    }
    func testDisksDoNotOverlap() throws {
        try assertRejects("overlapping-disks", node: "/vm@2", .disk,
                          message: "/vm@2: property \"disk\": sectors 3072-5119 overlap the disk of /vm@1 (sectors 0-4095)")
    }

    // MARK: Scheduling

    func testSEDFParametersRequired() throws { try assertRejects("missing-sedf", node: "/vm@0", .sedf, .missingProperty) }
    func testCreditParametersRequired() throws { try assertRejects("missing-credit", node: "/vm@0", .credit, .missingProperty) }
    func testPeriodNonZero() throws { try assertRejects("zero-period", node: "/vm@0", .sedf, .zeroPeriod) }
    func testSliceNonZero() throws { try assertRejects("zero-slice", node: "/vm@0", .sedf, .zeroSlice) }
    func testSliceAtMostPeriod() throws {
        try assertRejects("slice-exceeds-period", node: "/vm@0", .sedf, .sliceExceedsPeriod(slice: 12000, period: 10000))
    }
    func testExtratimeFlag() throws { try assertRejects("extratime-not-flag", node: "/vm@0", .sedf, .extratimeNotFlag(2)) }
    func testUtilizationAtMostOne() throws { try assertRejects("over-utilization", node: "/vm@1", .sedf, .overloaded) }
    // MARK: Physical CPUs (docs/SMP.md)

    func testVCPUOnACPUThePlatformLacksIsRefused() throws {
        try assertRejects("cpu-not-present", node: "/vm@1", .cpu, .cpuNotPresent(vcpu: 0, cpu: 4, cpus: 4),
                          message: "/vm@1: property \"cpu\": VCPU 0 is on CPU 4, but the machine runs CPUs 0 to 3 (the platform's and SMP's)")
    }

    func testEachVCPUHasItsCPU() throws {
        try assertRejects("cpu-cells", node: "/vm@1", .cpu, .cpuCellCount(foundCells: 3, vcpus: 2))
        try assertRejects("vcpu-cpu-not-present", node: "/vm@1", .cpu, .cpuNotPresent(vcpu: 1, cpu: 4, cpus: 4))
        try assertRejects("vcpu-over-reserved", node: "/vm@1", .sedf, .cpuOverloaded(vcpu: 1, cpu: 0))
    }

    func testAdmissionIsPerCPU() throws {
        try assertRejects("cpu-over-reserved", node: "/vm@2", .sedf, .cpuOverloaded(vcpu: 0, cpu: 1),
                          message: "/vm@2: property \"sedf\": admission refused on CPU 1: with VCPU 0 the sum of slice/period of the VCPUs on CPU 1 exceeds 1")
        // 150 % in all, at most 100 % on each CPU: admitted.
        guard case .valid(let summary) = try check("smp-partitioned") else { return XCTFail("smp-partitioned refused") }
        XCTAssertTrue(summary.contains("utilization CPU 0 50.0%, CPU 1 100.0%"), summary)
        XCTAssertTrue(summary.contains("physical CPUs 2"), summary)
    }

    func testSMPBoundsTheCPUs() throws {
        guard case .invalid(let failure) = try check("smp-partitioned", smp: 1) else { return XCTFail("accepted with --smp 1") }
        XCTAssertEqual(failure.nodePath, "/vm@0")
        XCTAssertEqual(failure.reason, .cpuNotPresent(vcpu: 0, cpu: 1, cpus: 1))
        guard case .valid = try check("smp-partitioned", smp: 2) else { return XCTFail("refused with --smp 2") }
    }

    /// A reboot stops a VM with several VCPUs (it does not restart): `apus check` says so for that VM only.
    func testTheSummarySaysWhichVMsARebootStops() throws {
        guard case .valid(let smp) = try check("smp-vcpus") else { return XCTFail("smp-vcpus refused") }
        XCTAssertTrue(smp.contains("  reboot   stops the VM: a VM with several VCPUs does not restart (docs/SMP.md)"), smp)
        guard case .valid(let two) = try check("two-vms") else { return XCTFail("two-vms refused") }
        XCTAssertFalse(two.contains("reboot"), two)
    }

    func testCPUsUsedIsOneMoreThanTheHighestCPU() throws {
        XCTAssertEqual(try ConfigCheck.cpusUsed(path: Self.repository.appendingPathComponent("Configs/smp-partitioned.dts").path), 2)
        XCTAssertEqual(try ConfigCheck.cpusUsed(path: Self.repository.appendingPathComponent("Configs/two-vms.dts").path), 1)
    }

    func testSchedulingMinimum() throws {
        try assertRejects("below-scheduling-minimum", node: "/vm@0", .sedf, .periodBelowMinimum(period: 2, minimum: 220))
    }
    func testCreditWeight() throws { try assertRejects("credit-weight", node: "/vm@0", .credit, .weightOutOfRange(0)) }
    func testCreditCap() throws { try assertRejects("credit-cap", node: "/vm@0", .credit, .capOutOfRange(101)) }

    // MARK: Images

    func testImageExists() throws {
        try assertRejects("missing-image", node: "/vm@0", .image,
                          message: "/vm@0: property \"image\": image \"missing.bin\" not found in \(images.path)")
    }

    func testImageFitsMemory() throws {
        // rt.bin larger than vm@0's 4 MiB less the 20 KiB Apus reserves.
        try GuestImageFixture.bytes(size: 0x40_0000 - 0x5000 + 1).write(to: images.appendingPathComponent("rt.bin"))
        guard case .invalid(let failure) = try check("two-vms") else { return XCTFail("oversized image accepted") }
        XCTAssertEqual(failure.nodePath, "/vm@0")
        XCTAssertEqual(failure.property, .image)
        XCTAssertEqual(failure.reason, .imageTooLarge(size: 0x40_0000 - 0x5000 + 1, limit: 0x40_0000 - 0x5000))
    }

    /// The image's file fits, but with its BSS and stacks (the header's footprint)
    /// it runs into the pages Apus reserves: refused, by the same rule at boot.
    func testImageFootprintStaysBelowTheReservedPages() throws {
        try GuestImageFixture.bytes(size: 0x8000, footprint: 0x1_0000 + 8).write(to: images.appendingPathComponent("rt.bin"))
        try assertRejects("image-runs-into-reserved-pages", node: "/vm@0", .image,
                          .imageRunsIntoReservedPages(guest(0x8000_0000, 0x1_0008), reserved: guest(0x8001_0000, 0x5000)))
        try GuestImageFixture.bytes(size: 0x8000, footprint: 0x1_0000).write(to: images.appendingPathComponent("rt.bin"))
        guard case .invalid(let failure) = try check("bad/image-runs-into-reserved-pages") else { return }
        XCTFail("an image ending right below the reserved pages was refused: \(failure.message)")
    }

    func testImageNeedsItsHeader() throws {
        try Data(repeating: 0xE1, count: 4096).write(to: images.appendingPathComponent("rt.bin"))
        guard case .invalid(let failure) = try check("two-vms") else { return XCTFail("an image without header was accepted") }
        XCTAssertEqual(failure.reason, .imageWithoutHeader)
        XCTAssertEqual(failure.message, "/vm@0: property \"image\": image has no guest image header (\"APUSIMAG\" at offset 4, "
                       + "written by Boot/Guest/start.S), so its memory footprint is unknown")
    }

    func testImageLinkedForTheMemoryBase() throws {
        try GuestImageFixture.bytes(loadAddress: 0x4000_0000).write(to: images.appendingPathComponent("rt.bin"))
        guard case .invalid(let failure) = try check("two-vms") else { return XCTFail("an image linked elsewhere was accepted") }
        XCTAssertEqual(failure.reason, .imageLinkedElsewhere(loadAddress: 0x4000_0000, memory: guest(0x8000_0000, 0x40_0000)))
    }

    func testImagePathStaysInsideTheImagesFolder() throws {
        try assertRejects("image-path-parent", node: "/vm@0", .image, .imagePathOutsideImages)
        try assertRejects("image-path-absolute", node: "/vm@0", .image, .imagePathOutsideImages)
    }

    // MARK: What the boot relies on

    func testMemoryAvoidsTheSecondCPUInterfacePage() throws {
        try assertRejects("memory-over-gic-cpu-interface", node: "/vm@0", .memory,
                          .overlapsVirtualGIC(guest(0x2C00_3000, 0x40_0000), gic: guest(0x2C00_1000, 0x3000)))
    }

    func testStage2TablesFitTheRegion() throws {
        try assertRejects("stage2-tables-exhausted", node: "/vm@1", .memory,
                          .stage2TablesExceedRegion(vmPages: 24, totalPages: 129, regionPages: 128))
    }

    func testEntryAligned() throws {
        try assertRejects("entry-misaligned", node: "/vm@0", .entry, .entryMisaligned(GuestPhysicalAddress(UInt32(0x8000_0002))))
    }

    func testEntryOutsideReservedPages() throws {
        try assertRejects("entry-in-reserved-page", node: "/vm@0", .entry,
                          .entryInReservedPages(GuestPhysicalAddress(UInt32(0x803F_F000)), reserved: guest(0x803F_B000, 0x5000)))
    }

    func testMemoryHoldsMoreThanTheReservedPages() throws {
        try assertRejects("memory-too-small", node: "/vm@0", .memory, .memoryTooSmall(size: 0x4000, reserved: 0x5000))
    }

    func testTraceEntriesWithinTheRing() throws {
        try assertRejects("too-many-trace-entries", node: "/hypervisor", .traceEntries, .tooManyTraceEntries(100_000, limit: 4096))
    }

    func testNamesAreUnique() throws {
        try assertRejects("label-not-unique", node: "/vm@1", .label)
    }

    func testLabelsUseTheSafeCharacters() throws {
        try assertRejects("unsafe-label", node: "/vm@0", .label, .unsafeName(length: 24, limit: 31, fromLabel: true))
    }

    func testDevicesHaveNoChildNodes() throws {
        try assertRejects("device-child-node", node: "/vm@0/device@1c0a0000/clock", nil, .childNodeOfLeaf)
    }

    /// Every file in Configs/bad is covered by a test above (a new bad example needs a test).
    func testEveryBadExampleIsRejected() throws {
        let directory = Self.repository.appendingPathComponent("Configs/bad")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".dts") }
        XCTAssertGreaterThanOrEqual(names.count, 40)
        // rt.bin as the real one is: a 40 KiB file using about 97 KiB once running.
        try GuestImageFixture.bytes(size: 0xA000, footprint: 0x1_8500).write(to: images.appendingPathComponent("rt.bin"))
        for name in names {
            guard case .invalid = try check("bad/" + String(name.dropLast(4))) else { return XCTFail("\(name) accepted") }
        }
    }

    // MARK: Linux VMs (docs/LINUX.md)

    func testLinuxMemoryTooSmall() throws {
        try assertRejects("linux-memory-too-small", node: "/vm@0", .memory,
                          .linux(.layout(.memoryTooSmall(size: 0x200_0000, minimum: LinuxGuestLayout.minimumMemory))))
    }

    func testDeviceCompatibleOnlyOnALinuxVM() throws {
        try assertRejects("device-compatible-on-apus-guest", node: "/vm@0/device@1c130400", .compatible,
                          .linux(.deviceCompatibleOutsideLinuxVM))
    }

    func testLinuxWithAPassthroughTransportIsValid() throws {
        var zImage = Data(repeating: 0, count: 4096)  // the zImage magic, little-endian, at byte 0x24
        zImage.replaceSubrange(0x24..<0x28, with: [0x18, 0x28, 0x6F, 0x01])
        try zImage.write(to: images.appendingPathComponent("vmlinuz-armmp-lpae"))
        try GuestImageFixture.bytes().write(to: images.appendingPathComponent("consoled.bin"))
        let outcome = try check("linux-direct")
        guard case .valid(let summary) = outcome else { return XCTFail("linux-direct.dts rejected: \(outcome)") }
        XCTAssertTrue(summary.contains("  dma      device tree: dma-ranges = <0x82000000 0x80000000 0x08000000>"), summary)
        XCTAssertTrue(summary.contains("  device   0x1c130400-0x1c1305ff virtio-mmio 0-3 (sub-page window, forwarded), interrupts 74, "
                                       + "in Linux's device tree as \"virtio,mmio\""), summary)
        XCTAssertFalse(summary.contains("physical-base=0x82000000"), "Linux gets no physical-base= argument: " + summary)
    }

    func testLinuxKernelNotAZImage() throws {
        guard case .invalid(let failure) = try check("bad/linux-kernel-not-a-zimage") else { return XCTFail("accepted") }
        guard case .linux(.notAZImage) = failure.reason else { return XCTFail("\(failure.reason)") }
        try assertRejects("linux-kernel-not-a-zimage", node: "/vm@0", .kernel,
                          message: "/vm@0: property \"kernel\": \"initramfs.cpio.gz\" is not an ARM zImage (no magic 0x016f2818 at byte 0x24)")
    }
}
