import HypervisorCore
import TestSupport
import XCTest

/// The configuration reader and validator on trees built in the test (the
/// per-rule tests with dtc-compiled files are in ApusToolsTests/CheckRulesTests).
final class ConfigModelTests: XCTestCase {
    private let platform = Platform.vexpressA15(ramSize: 256 << 20)

    private func load(_ tree: TestNode, platform: Platform? = nil) -> Result<(SystemConfig, String), ConfigError> {
        tree.blob().withUnsafeBytes { raw -> Result<(SystemConfig, String), ConfigError> in
            do throws(ConfigError) {
                let loaded = try SystemConfig.load(dtb: raw, platform: platform ?? self.platform)
                return .success((loaded.config, String(decoding: loaded.fdt.bytes(of: loaded.config.vms[0].name), as: UTF8.self)))
            } catch {
                return .failure(error)
            }
        }
    }

    /// The rendered message of the error a tree gives.
    private func message(_ tree: TestNode, platform: Platform? = nil) -> String? {
        tree.blob().withUnsafeBytes { raw -> String? in
            do throws(ConfigError) {
                _ = try SystemConfig.load(dtb: raw, platform: platform ?? self.platform)
                return nil
            } catch {
                var text = ByteBuffer()
                error.write(to: &text, fdt: try? FDT(raw))
                return text.text
            }
        }
    }

    func testReadsTheSampleConfiguration() throws {
        let (config, name) = try load(sampleConfigTree()).get()
        XCTAssertEqual(config.scheduler, .sedf)
        XCTAssertEqual(config.traceEntries, SystemConfig.defaultTraceEntries)
        XCTAssertEqual(config.vmCount, 1)
        XCTAssertEqual(name, "rt")
        let vm = config.vms[0]
        XCTAssertEqual(vm.memory, GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8000_0000)), size: 0x40_0000))
        XCTAssertEqual(vm.physicalBase, PhysicalAddress(UInt32(0x8100_0000)))
        XCTAssertEqual(vm.entry, GuestPhysicalAddress(UInt32(0x8000_0000)))
        XCTAssertEqual(vm.sedf, SEDFParameters(period: .microseconds(10000), slice: .microseconds(4000), extratime: false))
        XCTAssertEqual(vm.credit, CreditParameters(weight: 256, cap: 0))
        XCTAssertEqual(vm.deviceCount, 1)
        XCTAssertEqual(vm.devices[0].registers, PhysicalRange(base: PhysicalAddress(UInt32(0x1C0A_0000)), size: 0x1000))
        XCTAssertEqual(vm.devices[0].interruptCount, 1)
        XCTAssertEqual(vm.devices[0].interrupts[0], 38)
        XCTAssertEqual(vm.bootargs.count, 7)
    }

    func testMalformedBlobIsReportedWithoutANode() {
        var blob = sampleConfigTree().blob()
        blob[0] = 0xFF
        let error: ConfigError? = blob.withUnsafeBytes { raw -> ConfigError? in
            do throws(ConfigError) { _ = try SystemConfig.load(dtb: raw, platform: platform); return nil } catch { return error }
        }
        XCTAssertEqual(error, ConfigError(node: nil, property: nil, reason: .malformedTree(.badMagic(found: 0xFF0D_FEED))))
        var text = ByteBuffer()
        error?.write(to: &text, fdt: nil)
        XCTAssertEqual(text.text, "invalid device tree: not a device tree blob (magic 0xff0dfeed, expected 0xd00dfeed)")
    }

    /// RAM size is a parameter: the same VM fits in 256 MiB but not in 64 MiB.
    func testRAMSizeComesFromThePlatform() {
        let high = sampleConfigTree(vms: [sampleVM(physicalBase: 0x8800_0000)])
        XCTAssertNil(message(high))
        XCTAssertEqual(message(high, platform: .vexpressA15(ramSize: 64 << 20)),
                       "/vm@0: property \"physical-base\": memory at physical 0x88000000-0x883fffff is not inside RAM (0x80000000-0x83ffffff)")
    }

    /// Guest memory overlapping a platform device region (impossible on
    /// vexpress-a15, where RAM and devices are apart, so the platform is varied).
    func testMemoryOverlappingADeviceRegion() {
        var odd = platform
        odd.deviceRegions[odd.deviceRegionCount] = DeviceRegion(name: "test device", base: 0x8120_0000, size: 0x1000, firstInterrupt: 100)
        odd.deviceRegionCount += 1
        XCTAssertEqual(message(sampleConfigTree(), platform: odd),
                       "/vm@0: property \"physical-base\": memory at physical 0x81000000-0x813fffff overlaps device test device (0x81200000-0x81200fff)")
    }

    /// The virtio-mmio page raises four interrupts; all four may be passed through with it.
    func testVirtioPageCarriesItsFourInterrupts() throws {
        let virtio = TestNode("device@1c130000", [("reg", TestNode.cells(0x1C13_0000, 0x1000)), ("interrupts", TestNode.cells(72, 73, 74, 75))])
        let (config, _) = try load(sampleConfigTree(vms: [sampleVM(devices: [virtio])])).get()
        XCTAssertEqual(config.vms[0].devices[0].interruptCount, 4)
        XCTAssertEqual(config.vms[0].devices[0].interrupts[3], 75)
    }

    /// Admission uses the scheduler's exact arithmetic: exactly 100% (in thirds) is admitted, the smallest slice more is not.
    func testUtilizationBoundaryIsExact() {
        let full = sampleConfigTree(vms: [
            sampleVM(index: 0, sedf: [3000, 1000, 0], devices: []),
            sampleVM(index: 1, physicalBase: 0x8140_0000, sedf: [3000, 2000, 0], devices: []),
        ])
        XCTAssertNil(message(full))
        let over = sampleConfigTree(vms: [
            sampleVM(index: 0, sedf: [30000, 10000, 0], devices: []),
            sampleVM(index: 1, physicalBase: 0x8140_0000, sedf: [30000, 20000, 0], devices: []),
            sampleVM(index: 2, physicalBase: 0x8180_0000, sedf: [1_000_000, 200, 0], devices: []),
        ])
        XCTAssertEqual(message(over), "/vm@2: property \"sedf\": admission refused: the sum of slice/period over this and the earlier VMs exceeds 1")
    }

    /// The scheduling minimum (SchedulingMinimum.measured): period 220 us and
    /// slice 200 us are admitted, one microsecond less is refused, period first.
    func testSchedulingMinimumBoundaries() {
        func single(_ sedf: [UInt32]) -> String? { message(sampleConfigTree(vms: [sampleVM(index: 0, sedf: sedf, devices: [])])) }
        XCTAssertNil(single([220, 200, 0]))
        XCTAssertEqual(single([219, 200, 0]), "/vm@0: property \"sedf\": admission refused: period 219 us is below the minimum of 220 us (the hypervisor spends up to 20 us on the two scheduling events of each period)")
        XCTAssertEqual(single([220, 199, 0]), "/vm@0: property \"sedf\": admission refused: slice 199 us is below the minimum of 200 us (the hypervisor's 20 us per period must stay within a tenth of the slice)")
        XCTAssertEqual(single([1, 1, 0]), "/vm@0: property \"sedf\": admission refused: period 1 us is below the minimum of 220 us (the hypervisor spends up to 20 us on the two scheduling events of each period)",
                       "the livelock of a 1 us slice every 1 us")
        XCTAssertEqual(SchedulingMinimum.measured, SchedulingMinimum(slice: .microseconds(200), period: .microseconds(220)))
        XCTAssertNil(SchedulingMinimum.unchecked.violation(by: SEDFParameters(period: .microseconds(1), slice: .microseconds(1))))
        // Credit has no slices: the minimum does not apply.
        XCTAssertNil(message(sampleConfigTree(vms: [sampleVM(index: 0, sedf: [1, 1, 0], devices: [])], scheduler: "credit")))
    }

    /// Parameters of the scheduler not in use are checked for shape but need not be present.
    func testOnlyTheActiveSchedulersParametersAreRequired() throws {
        var vm = sampleVM()
        vm.properties.removeAll { $0.0 == "sedf" }
        let (config, _) = try load(sampleConfigTree(vms: [vm], scheduler: "credit")).get()
        XCTAssertEqual(config.scheduler, .credit)
        XCTAssertNil(config.vms[0].sedf)
    }

    private func vm(replacing name: String, with value: [UInt8]?, index: Int = 0) -> TestNode {
        var vm = index == 0 ? sampleVM() : sampleVM(index: index, physicalBase: 0x8100_0000 + UInt32(index) * 0x40_0000,
                                                   sedf: [10000, 1000, 0], devices: [])
        vm.properties.removeAll { $0.0 == name }
        if let value { vm.properties.append((name, value)) }
        return vm
    }

    /// `image` must stay inside the images folder: relative, no `..`, `.` or empty part.
    func testImagePaths() {
        for good in ["rt.bin", "guests/rt.bin", "a..b", ".hidden"] {
            XCTAssertNil(message(sampleConfigTree(vms: [vm(replacing: "image", with: TestNode.string(good))])), good)
        }
        for bad in ["/etc/passwd", "../rt.bin", "guests/../../rt.bin", "./rt.bin", "guests//rt.bin", "guests/", ".."] {
            XCTAssertEqual(message(sampleConfigTree(vms: [vm(replacing: "image", with: TestNode.string(bad))])),
                           "/vm@0: property \"image\": must be a relative path inside the images folder (no leading \"/\", no \"..\" or empty part)", bad)
        }
    }

    /// Labels: [A-Za-z0-9_-], 1 to 31 characters; a VM without one is named by
    /// its node name, which may also have `,` `.` `+` `@`; names are unique.
    func testNames() {
        XCTAssertNil(message(sampleConfigTree(vms: [vm(replacing: "label", with: TestNode.string("Rt_2-b"))])))
        XCTAssertNil(message(sampleConfigTree(vms: [vm(replacing: "label", with: TestNode.string(String(repeating: "a", count: 31)))])))
        for bad in ["r t", "rt]", "rt:", "a.b", "rt\u{1b}[2J", String(repeating: "a", count: 32)] {
            XCTAssertNotNil(message(sampleConfigTree(vms: [vm(replacing: "label", with: TestNode.string(bad))])), bad)
        }
        XCTAssertEqual(message(sampleConfigTree(vms: [vm(replacing: "label", with: TestNode.string(String(repeating: "a", count: 32)))])),
                       "/vm@0: property \"label\": a label is 1 to 31 characters from A-Z a-z 0-9 _ - (found 32)")
        // Without a label, the node name is the name (vm@0 is fine).
        let unlabelled = try? load(sampleConfigTree(vms: [vm(replacing: "label", with: nil)])).get()
        XCTAssertEqual(unlabelled?.1, "vm@0")
        // A label close to another VM's node name is a different name; two unlabelled VMs differ by node name.
        let distinct = sampleConfigTree(vms: [vm(replacing: "label", with: nil),
                                           vm(replacing: "label", with: TestNode.string("vm0"), index: 1)])
        XCTAssertNil(message(distinct))
        let unlabelledPair = sampleConfigTree(vms: [vm(replacing: "label", with: nil),
                                                     vm(replacing: "label", with: nil, index: 1)])
        XCTAssertNil(message(unlabelledPair))
        var same = sampleVM(index: 1, physicalBase: 0x8140_0000, devices: [])
        same.properties.removeAll { $0.0 == "label" }
        same.properties.append(("label", TestNode.string("rt")))
        XCTAssertEqual(message(sampleConfigTree(vms: [sampleVM(), same])),
                       "/vm@1: property \"label\": the VM's name is already the name of /vm@0 (names tell the VMs apart on the console)")
    }

    /// The hypervisor node takes no children either.
    func testHypervisorNodeHasNoChildren() {
        var tree = sampleConfigTree()
        tree.children[0].children = [TestNode("extra")]
        XCTAssertEqual(message(tree), "/hypervisor/extra: unknown node (the hypervisor node and devices have no child nodes)")
    }

    func testTraceEntriesUpToTheRing() {
        var tree = sampleConfigTree()
        tree.children[0].properties.append(("trace-entries", TestNode.cells(4096)))
        XCTAssertNil(message(tree))
        tree.children[0].properties[1] = ("trace-entries", TestNode.cells(4097))
        XCTAssertEqual(message(tree), "/hypervisor: property \"trace-entries\": 4097 entries exceed the trace ring the hypervisor holds (4096 entries)")
    }

    /// `trace-from`: absent unless given; one cell of milliseconds.
    func testTraceFrom() throws {
        XCTAssertNil(try load(sampleConfigTree()).get().0.traceFromMilliseconds)
        var tree = sampleConfigTree()
        tree.children[0].properties.append(("trace-from", TestNode.cells(5000)))
        XCTAssertEqual(try load(tree).get().0.traceFromMilliseconds, 5000)
        tree.children[0].properties[1] = ("trace-from", TestNode.cells(1, 2))
        XCTAssertNotNil(message(tree))
    }

    /// `vcpus`: 1 unless given, one cell, 1 up to what the hypervisor runs per VM.
    func testVCPUCount() throws {
        XCTAssertEqual(try load(sampleConfigTree()).get().0.vms[0].vcpuCount, 1)
        XCTAssertEqual(try load(sampleConfigTree(vms: [vm(replacing: "vcpus", with: TestNode.cells(1))])).get().0.vms[0].vcpuCount, 1)
        XCTAssertEqual(message(sampleConfigTree(vms: [vm(replacing: "vcpus", with: TestNode.cells(0))])),
                       "/vm@0: property \"vcpus\": is 0; this hypervisor gives a VM 1 to \(VMConfig.maximumVCPUs) VCPUs")
        let tooMany = UInt32(VMConfig.maximumVCPUs + 1)
        XCTAssertEqual(message(sampleConfigTree(vms: [vm(replacing: "vcpus", with: TestNode.cells(tooMany))])),
                       "/vm@0: property \"vcpus\": is \(tooMany); this hypervisor gives a VM 1 to \(VMConfig.maximumVCPUs) VCPUs")
        XCTAssertEqual(message(sampleConfigTree(vms: [vm(replacing: "vcpus", with: TestNode.cells(1, 1))])),
                       "/vm@0: property \"vcpus\": expected 1 cell (4 bytes), found 8 bytes")
    }

    /// The configured bootargs and what the hypervisor appends for the VM's roles
    /// fit the bootargs page together: the console backend gets " consoles=" and a
    /// "<domain>:<name>" per other VM appended.
    func testBootargsLeaveRoomForWhatTheHypervisorAppends() {
        func tree(bootargsLength: Int) -> TestNode {
            var backend = vm(replacing: "bootargs", with: TestNode.string(String(repeating: "x", count: bootargsLength)))
            backend.properties.append(("console-backend", []))
            return sampleConfigTree(vms: [backend, vm(replacing: "label", with: TestNode.string("gp"), index: 1)])
        }
        // " consoles=" (10) + ",1:gp" (5) at most.
        XCTAssertNil(message(tree(bootargsLength: 4095 - 15)))
        XCTAssertEqual(message(tree(bootargsLength: 4095 - 14)),
                       "/vm@0: property \"bootargs\": is 4081 bytes long, at most 4080 fit in the page it is copied to "
                       + "(with what the hypervisor appends for this VM's roles)")
    }
}
