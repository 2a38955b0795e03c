import XCTest
@testable import HypervisorCore
import TestSupport

/// A Linux VM's passthrough devices (docs/LINUX.md, "Passthrough devices"):
/// the `compatible` rule of the configuration, and the nodes and DMA mapping
/// its device tree gets.
final class LinuxPassthroughTests: XCTestCase {
    private struct Text: TextSink {
        var bytes: [UInt8] = []
        mutating func write(byte: UInt8) { bytes.append(byte) }
    }

    static func transport(_ base: UInt32 = 0x1C13_0400, size: UInt32 = 0x200, interrupts: [UInt32] = [74],
                          compatible: String? = "virtio,mmio") -> TestNode {
        var properties: [(String, [UInt8])] = [("reg", TestNode.cells(base, size)),
                                               ("interrupts", interrupts.flatMap(bigEndian))]
        if let compatible { properties.insert(("compatible", TestNode.string(compatible)), at: 0) }
        return TestNode("device@\(String(base, radix: 16))", properties)
    }

    func linuxVM(devices: [TestNode]) -> TestNode {
        TestNode("vm@1", [
            ("compatible", TestNode.string("apus,vm")),
            ("label", TestNode.string("linux")),
            ("memory", TestNode.cells(0x8000_0000, 0x0800_0000)),
            ("physical-base", TestNode.cells(0x8200_0000)),
            ("kernel", TestNode.string("vmlinuz")),
            ("sedf", TestNode.cells(10000, 4000, 1)),
        ], children: devices)
    }

    func load(_ vms: [TestNode]) -> Result<LoadedConfig, ConfigError> {
        var tree = sampleConfigTree(vms: vms)
        tree.children[0].properties.append(("large-images", TestNode.cells(0x8180_0000, 0x0080_0000)))
        let blob = tree.blob()
        return blob.withUnsafeBytes { raw in
            do throws(ConfigError) {
                return .success(try SystemConfig.load(dtb: raw, platform: .vexpressA15(ramSize: 256 << 20)))
            } catch { return .failure(error) }
        }
    }

    /// The reason and the rendered message of a refused configuration.
    func refusal(_ vms: [TestNode]) -> (ConfigErrorReason, String)? {
        guard case .failure(let error) = load(vms) else { return nil }
        var text = Text()
        let blob = { var tree = sampleConfigTree(vms: vms)
            tree.children[0].properties.append(("large-images", TestNode.cells(0x8180_0000, 0x0080_0000)))
            return tree.blob() }()
        blob.withUnsafeBytes { raw in error.write(to: &text, fdt: try? FDT(raw)) }
        return (error.reason, String(decoding: text.bytes, as: UTF8.self))
    }

    func testATransportWithCompatibleIsReadAsVirtioMMIO() throws {
        let loaded = try load([sampleVM(devices: []), linuxVM(devices: [Self.transport(), Self.transport(0x1C13_0600, interrupts: [75], compatible: nil)])]).get()
        let vm = loaded.config.vms[1]
        XCTAssertEqual(vm.deviceCount, 2)
        XCTAssertEqual(vm.devices[0].linuxBinding, .virtioMMIO)
        XCTAssertNil(vm.devices[1].linuxBinding, "a device without compatible is mapped but not listed")
        XCTAssertFalse(vm.getsPhysicalBaseArgument(on: .vexpressA15(ramSize: 256 << 20)), "Linux learns it from dma-ranges")
        XCTAssertEqual(LinuxTreeDevices(vm: vm).count, 1)
    }

    func testCompatibleRules() throws {
        // Only "virtio,mmio".
        let pl011 = try XCTUnwrap(refusal([sampleVM(devices: []), linuxVM(devices: [Self.transport(compatible: "arm,pl011")])]))
        guard case .linux(.unsupportedDeviceCompatible) = pl011.0 else { return XCTFail("\(pl011)") }
        XCTAssertTrue(pl011.1.contains("/vm@1/device@1c130400") && pl011.1.contains("compatible")
                      && pl011.1.contains("\"arm,pl011\" is not a device Apus describes to Linux"), pl011.1)
        // Only on a Linux VM: an Apus guest finds its devices through its bootargs.
        let guest = try XCTUnwrap(refusal([sampleVM(devices: [Self.transport()])]))
        XCTAssertEqual(guest.0, .linux(.deviceCompatibleOutsideLinuxVM))
        XCTAssertTrue(guest.1.contains("/vm@0/device@1c130400") && guest.1.contains("only a Linux VM's devices"), guest.1)
        // A virtio-mmio transport: not UART1's page.
        let uart = try XCTUnwrap(refusal([sampleVM(devices: []),
                                          linuxVM(devices: [Self.transport(0x1C0A_0000, size: 0x1000, interrupts: [38])])]))
        guard case .linux(.virtioDeviceOutsideVirtioRegion) = uart.0 else { return XCTFail("\(uart)") }
        // One transport, not two (the node would have two register blocks and interrupts).
        let two = try XCTUnwrap(refusal([sampleVM(devices: []), linuxVM(devices: [Self.transport(size: 0x400, interrupts: [74, 75])])]))
        guard case .linux(.virtioDeviceNotOneTransport) = two.0 else { return XCTFail("\(two)") }
        XCTAssertTrue(two.1.contains("one transport of 0x200 bytes"), two.1)
        // Its one interrupt, listed.
        let none = try XCTUnwrap(refusal([sampleVM(devices: []), linuxVM(devices: [Self.transport(interrupts: [])])]))
        XCTAssertEqual(none.0, .wrongCellCount(expected: 1, foundBytes: 0))
    }

    /// The device tree the hypervisor writes for Linux VM `vm`, and its size.
    private static func deviceTree(of vm: VMConfig) throws -> ([UInt8], Int) {
        let layout = LinuxGuestLayout(memory: vm.memory, kernelSize: 5_000_000, initramfsSize: 0)
        var buffer = [UInt8](repeating: 0, count: 16384)
        let size = try XCTUnwrap(buffer.withUnsafeMutableBytes { out in
            LinuxDeviceTree.write(into: out, layout: layout, bootargs: UnsafeRawBufferPointer(start: nil, count: 0),
                                  vcpus: 1, platform: .vexpressA15(ramSize: 256 << 20), devices: LinuxTreeDevices(vm: vm))
        })
        return (buffer, size)
    }

    /// The tree lists the transport under a simple bus whose dma-ranges puts guest
    /// RAM (0x80000000) at its machine address (0x82000000) for the device.
    func testDeviceTreeListsTheTransportWithItsDMARange() throws {
        let loaded = try load([sampleVM(devices: []), linuxVM(devices: [Self.transport(), Self.transport(0x1C13_0600, interrupts: [75], compatible: nil)])]).get()
        let (buffer, size) = try Self.deviceTree(of: loaded.config.vms[1])
        try buffer.withUnsafeBytes { raw in
            let fdt = try FDT(UnsafeRawBufferPointer(rebasing: raw[0..<size]))
            let bus = try XCTUnwrap(fdt.node(atPath: "/passthrough"))
            XCTAssertTrue(fdt.property(try XCTUnwrap(fdt.property("compatible", of: bus)), contains: "simple-bus"))
            XCTAssertEqual(fdt.property("ranges", of: bus)?.value.count, 0)
            let dmaRanges = try XCTUnwrap(fdt.property("dma-ranges", of: bus))
            XCTAssertEqual([0, 1, 2].map { fdt.cell($0, of: dmaRanges) }, [0x8200_0000, 0x8000_0000, 0x0800_0000])
            let transport = try XCTUnwrap(fdt.node(atPath: "/passthrough/virtio_mmio@1c130400"))
            XCTAssertTrue(fdt.property(try XCTUnwrap(fdt.property("compatible", of: transport)), contains: "virtio,mmio"))
            let reg = try XCTUnwrap(fdt.property("reg", of: transport))
            XCTAssertEqual([0, 1].map { fdt.cell($0, of: reg) }, [0x1C13_0400, 0x200])
            let interrupts = try XCTUnwrap(fdt.property("interrupts", of: transport))
            XCTAssertEqual([0, 1, 2].map { fdt.cell($0, of: interrupts) }, [0, 74 - 32, 4], "SPI 42, level high")
            XCTAssertNotNil(fdt.property("dma-coherent", of: transport))
            XCTAssertNil(fdt.node(atPath: "/passthrough/virtio_mmio@1c130600"), "no compatible, not listed")
        }
    }

    /// Without devices that have a binding there is no bus node at all.
    func testNoBusWithoutListedDevices() throws {
        let loaded = try load([sampleVM(devices: []), linuxVM(devices: [])]).get()
        let (buffer, size) = try Self.deviceTree(of: loaded.config.vms[1])
        try buffer.withUnsafeBytes { raw in
            XCTAssertNil(try FDT(UnsafeRawBufferPointer(rebasing: raw[0..<size])).node(atPath: "/passthrough"))
        }
    }
}
