import XCTest
@testable import HypervisorCore
import TestSupport

/// The core pieces a Linux VM boots with: its memory layout, the device tree
/// the hypervisor writes for it, and the configuration rules (docs/LINUX.md).
final class LinuxGuestTests: XCTestCase {
    let memory = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8000_0000)), size: 0x0800_0000)

    func testLayoutKeepsApusPagesOutOfLinuxMemory() {
        let layout = LinuxGuestLayout(memory: memory, kernelSize: 5_546_496, initramfsSize: 884_419)
        XCTAssertNil(layout.problem)
        XCTAssertEqual(layout.kernel.base.value, 0x8200_0000)
        XCTAssertEqual(layout.usableMemory.end, 0x8800_0000 - 0x8000)
        XCTAssertEqual(layout.deviceTree.end, layout.usableMemory.end, "the tree sits right below the kept pages")
        XCTAssertEqual(layout.initramfs.base.value % 4096, 0)
        XCTAssertLessThanOrEqual(layout.initramfs.end, layout.deviceTree.base.value)
        // The grant-table frames, console ring and bootargs page are all beyond what Linux may use.
        let table = LinuxGuestLayout.grantTable(memory: memory)
        XCTAssertGreaterThanOrEqual(table.value, layout.usableMemory.end)
        XCTAssertGreaterThanOrEqual(GuestReservedPages.range(in: memory).base.value, layout.usableMemory.end)
    }

    func testLayoutRefusesWhatCannotBoot() {
        let small = GuestPhysicalRange(base: memory.base, size: 0x0200_0000)
        XCTAssertEqual(LinuxGuestLayout(memory: small, kernelSize: 1, initramfsSize: 0).problem,
                       .memoryTooSmall(size: 0x0200_0000, minimum: LinuxGuestLayout.minimumMemory))
        let shifted = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x8400_0000)), size: 0x0800_0000)
        XCTAssertEqual(LinuxGuestLayout(memory: shifted, kernelSize: 1, initramfsSize: 0).problem, .memoryMisaligned(0x8400_0000))
        guard case .initramfsTooLarge = LinuxGuestLayout(memory: memory, kernelSize: 5_000_000, initramfsSize: 100_000_000).problem
        else { return XCTFail("a 100 MB initramfs cannot fit 128 MiB beside the kernel") }
        guard case .kernelTooLarge = LinuxGuestLayout(memory: memory, kernelSize: 0x0700_0000, initramfsSize: 0).problem
        else { return XCTFail("a kernel running into the device tree is refused") }
    }

    func testDeviceTreeIsReadableAndCarriesTheXenContract() throws {
        let layout = LinuxGuestLayout(memory: memory, kernelSize: 5_000_000, initramfsSize: 800_000)
        var buffer = [UInt8](repeating: 0xEE, count: 16384)
        let bootargs = Array("console=hvc0 earlycon=xenboot".utf8)
        let size = try XCTUnwrap(buffer.withUnsafeMutableBytes { out in
            bootargs.withUnsafeBytes { LinuxDeviceTree.write(into: out, layout: layout, bootargs: $0, vcpus: 1, platform: .vexpressA15(ramSize: 256 << 20)) }
        })
        XCTAssertLessThan(size, 4096)
        try buffer.withUnsafeBytes { raw in
            let fdt = try FDT(UnsafeRawBufferPointer(rebasing: raw[0..<size]))
            let root = fdt.root
            XCTAssertTrue(fdt.property(fdt.property("compatible", of: root)!, contains: "xen,xenvm"))
            let hypervisor = try XCTUnwrap(fdt.node(atPath: "/hypervisor"))
            XCTAssertTrue(fdt.property(fdt.property("compatible", of: hypervisor)!, contains: "xen,xen-4.19"))
            let reg = try XCTUnwrap(fdt.property("reg", of: hypervisor))
            XCTAssertEqual(fdt.cell(0, of: reg), 0x3800_0000)
            XCTAssertEqual(fdt.cell(1, of: reg), 0x2000)
            let interrupts = try XCTUnwrap(fdt.property("interrupts", of: hypervisor))
            XCTAssertEqual([0, 1, 2].map { fdt.cell($0, of: interrupts) }, [1, 15, 0xF08])
            let chosen = try XCTUnwrap(fdt.node(atPath: "/chosen"))
            let text = try XCTUnwrap(fdt.string(of: fdt.property("bootargs", of: chosen)!))
            XCTAssertEqual(String(decoding: fdt.bytes(of: text), as: UTF8.self), "console=hvc0 earlycon=xenboot")
            XCTAssertEqual(fdt.cell(0, of: fdt.property("linux,initrd-start", of: chosen)!), UInt32(layout.initramfs.base.value))
            XCTAssertEqual(fdt.cell(0, of: fdt.property("linux,initrd-end", of: chosen)!), UInt32(layout.initramfs.end))
            let memoryNode = try XCTUnwrap(fdt.node(atPath: "/memory@80000000"))
            let memoryReg = try XCTUnwrap(fdt.property("reg", of: memoryNode))
            XCTAssertEqual(fdt.cell(1, of: memoryReg), UInt32(layout.usableMemory.size))
            let gic = try XCTUnwrap(fdt.node(atPath: "/interrupt-controller@2c001000"))
            XCTAssertEqual([0, 1, 2, 3].map { fdt.cell($0, of: fdt.property("reg", of: gic)!) }, [0x2C00_1000, 0x1000, 0x2C00_2000, 0x2000])
            XCTAssertNotNil(fdt.node(atPath: "/psci"))
            XCTAssertNotNil(fdt.node(atPath: "/timer"))
            XCTAssertNotNil(fdt.node(atPath: "/cpus/cpu@0"))
        }
    }

    /// One cpu node per VCPU, `reg` = its MPIDR affinity, started through PSCI.
    func testDeviceTreeListsEveryVCPU() throws {
        let layout = LinuxGuestLayout(memory: memory, kernelSize: 5_000_000, initramfsSize: 0)
        var buffer = [UInt8](repeating: 0, count: 16384)
        let size = try XCTUnwrap(buffer.withUnsafeMutableBytes { out in
            LinuxDeviceTree.write(into: out, layout: layout, bootargs: UnsafeRawBufferPointer(start: nil, count: 0),
                                  vcpus: 2, platform: .vexpressA15(ramSize: 256 << 20))
        })
        try buffer.withUnsafeBytes { raw in
            let fdt = try FDT(UnsafeRawBufferPointer(rebasing: raw[0..<size]))
            for (vcpu, path): (Int, StaticString) in [(0, "/cpus/cpu@0"), (1, "/cpus/cpu@1")] {
                let cpu = try XCTUnwrap(fdt.node(atPath: path))
                XCTAssertEqual(fdt.cell(0, of: try XCTUnwrap(fdt.property("reg", of: cpu))), UInt32(vcpu))
                let method = try XCTUnwrap(fdt.string(of: try XCTUnwrap(fdt.property("enable-method", of: cpu))))
                XCTAssertEqual(String(decoding: fdt.bytes(of: method), as: UTF8.self), "psci")
            }
            XCTAssertNil(fdt.node(atPath: "/cpus/cpu@2"))
        }
    }

    func testDeviceTreeThatDoesNotFitIsRefused() {
        let layout = LinuxGuestLayout(memory: memory, kernelSize: 1, initramfsSize: 0)
        var buffer = [UInt8](repeating: 0, count: 700)
        let written = buffer.withUnsafeMutableBytes { out in
            LinuxDeviceTree.write(into: out, layout: layout, bootargs: UnsafeRawBufferPointer(start: nil, count: 0),
                                  vcpus: 1, platform: .vexpressA15(ramSize: 256 << 20))
        }
        XCTAssertNil(written)
    }

    func testZImageHeader() {
        var image = [UInt8](repeating: 0, count: 64)
        image.withUnsafeBytes { XCTAssertFalse(ZImage.hasHeader($0)) }
        image[0x24] = 0x18; image[0x25] = 0x28; image[0x26] = 0x6F; image[0x27] = 0x01
        image.withUnsafeBytes { XCTAssertTrue(ZImage.hasHeader($0)) }
        [UInt8](repeating: 0, count: 8).withUnsafeBytes { XCTAssertFalse(ZImage.hasHeader($0)) }
    }

    // MARK: Configuration

    func linuxVM(_ extra: [(String, [UInt8])] = [], memory: [UInt32] = [0x8000_0000, 0x0800_0000]) -> TestNode {
        TestNode("vm@1", [
            ("compatible", TestNode.string("apus,vm")),
            ("label", TestNode.string("linux")),
            ("memory", TestNode.cells(memory[0], memory[1])),
            ("physical-base", TestNode.cells(0x8200_0000)),
            ("kernel", TestNode.string("vmlinuz")),
            ("initramfs", TestNode.string("initramfs.cpio.gz")),
            ("sedf", TestNode.cells(10000, 4000, 1)),
        ] + extra)
    }

    func load(_ vm: TestNode, largeImages: [UInt32]? = [0x8180_0000, 0x0080_0000]) -> Result<LoadedConfig, ConfigError> {
        var tree = sampleConfigTree(vms: [sampleVM(devices: []), vm])
        if let largeImages { tree.children[0].properties.append(("large-images", TestNode.cells(largeImages[0], largeImages[1]))) }
        let blob = tree.blob()
        return blob.withUnsafeBytes { raw in
            do throws(ConfigError) {
                return .success(try SystemConfig.load(dtb: raw, platform: .vexpressA15(ramSize: 256 << 20)))
            } catch { return .failure(error) }
        }
    }

    func reason(_ result: Result<LoadedConfig, ConfigError>) -> ConfigErrorReason? {
        if case .failure(let error) = result { return error.reason }
        return nil
    }

    func testALinuxVMIsReadWithItsEntryAtTheZImage() throws {
        let loaded = try load(linuxVM()).get()
        let vm = loaded.config.vms[1]
        XCTAssertTrue(vm.isLinux)
        XCTAssertEqual(vm.entry.value, 0x8200_0000)
        XCTAssertEqual(loaded.config.largeImages, PhysicalRange(base: PhysicalAddress(UInt32(0x8180_0000)), size: 0x80_0000))
        XCTAssertEqual(GrantLayout(vm: vm).frames, 2)
        XCTAssertEqual(GrantLayout(vm: loaded.config.vms[0]).frames, 1)
    }

    func testLinuxConfigurationRules() {
        XCTAssertEqual(reason(load(linuxVM([("image", TestNode.string("rt.bin"))]))), .linux(.kernelAndImage))
        XCTAssertEqual(reason(load(linuxVM([("entry", TestNode.cells(0x8000_0000))]))), .linux(.entryWithKernel))
        XCTAssertEqual(reason(load(linuxVM(), largeImages: nil)), .linux(.noLargeImagesRegion))
        XCTAssertEqual(reason(load(linuxVM(memory: [0x8000_0000, 0x0200_0000]))),
                       .linux(.layout(.memoryTooSmall(size: 0x0200_0000, minimum: LinuxGuestLayout.minimumMemory))))
        guard case .linux(.largeImagesOverlapVM)? = reason(load(linuxVM(), largeImages: [0x8200_0000, 0x0080_0000])) else {
            return XCTFail("large images over the Linux VM's memory are refused")
        }
        guard case .linux(.largeImagesInsideHypervisor)? = reason(load(linuxVM(), largeImages: [0x8080_0000, 0x0080_0000])) else {
            return XCTFail("large images in the hypervisor's 16 MiB are refused")
        }
    }

    func testImagesAreCheckedAgainstTheVM() throws {
        let loaded = try load(linuxVM()).get()
        let notAKernel = [UInt8](repeating: 0, count: 4096)
        XCTAssertThrowsError(try notAKernel.withUnsafeBytes { try loaded.config.linuxLayout(ofVM: 1, kernel: $0, initramfsSize: 100) }) { error in
            XCTAssertEqual((error as? ConfigError)?.reason, .linux(.notAZImage(loaded.config.vms[1].kernel)))
        }
        var kernel = notAKernel
        kernel[0x24] = 0x18; kernel[0x25] = 0x28; kernel[0x26] = 0x6F; kernel[0x27] = 0x01
        XCTAssertThrowsError(try kernel.withUnsafeBytes { try loaded.config.linuxLayout(ofVM: 1, kernel: $0, initramfsSize: 0) })
        XCTAssertNoThrow(try kernel.withUnsafeBytes { try loaded.config.linuxLayout(ofVM: 1, kernel: $0, initramfsSize: 900_000) })
        XCTAssertThrowsError(try kernel.withUnsafeBytes { try loaded.config.linuxLayout(ofVM: 1, kernel: $0, initramfsSize: 200_000_000) })
    }
}
