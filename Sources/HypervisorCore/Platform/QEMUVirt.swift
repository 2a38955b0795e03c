// QEMU's `virt` machine with `virtualization=on` and a Cortex-A15, read off
// its generated device tree (`-M virt,virtualization=on,dumpdtb=...`) and
// probes on QEMU 7.2: docs/PLATFORM.md.

/// The machine's device addresses, for the description below and for guests
/// that drive a device passed through at its physical address.
public enum QEMUVirtDevices {
    public static let uart0: UInt32 = 0x0900_0000
    public static let virtioMMIO: UInt32 = 0x0A00_0000
}

extension Platform {
    /// virt with `ramSize` bytes of RAM at 0x40000000 (at most 2 GiB below
    /// 0xC0000000). Its one non-secure PL011 is the console. The 32
    /// virtio-mmio transports (0x200 bytes each, transport n raising SPI 16 + n)
    /// fill four pages: one region of 0x200-byte windows, DMA-capable. The GIC
    /// has 256 SPIs, but guests' virtual GICs have 160 INTIDs: SPIs up to 159.
    public static func qemuVirt(ramSize: UInt64, stage2TablePages: Int = Platform.linkedStage2TablePages) -> Platform {
        var regions = InlineArray<12, DeviceRegion>(repeating: noRegion)
        regions[0] = DeviceRegion(name: "UART0 (console)", base: QEMUVirtDevices.uart0, size: 0x1000, firstInterrupt: 33)
        regions[1] = DeviceRegion(name: "virtio-mmio 0-31", base: QEMUVirtDevices.virtioMMIO, size: 0x4000,
                                  firstInterrupt: 48, interruptCount: 32,
                                  windowSize: 0x200, dmaCapable: true)
        func range(_ base: UInt32, _ size: UInt64) -> PhysicalRange { PhysicalRange(base: PhysicalAddress(base), size: size) }
        return Platform(
            kind: .qemuVirt,
            ram: range(0x4000_0000, ramSize), maximumRAMSize: 0x8000_0000, hypervisorReservedSize: 0x100_0000,
            gic: GICLayout(distributor: range(0x0800_0000, 0x1_0000), cpuInterface: range(0x0801_0000, 0x1_0000),
                           hypInterface: range(0x0803_0000, 0x1_0000), virtualCPUInterface: range(0x0804_0000, 0x1_0000)),
            interrupts: standardInterrupts,
            console: ConsoleUART(base: PhysicalAddress(QEMUVirtDevices.uart0), interrupt: 33, clockHz: 24_000_000),
            powerOff: .psciSystemOff,
            secondaryCPUStart: .psciCPUOn,
            counterFrequency: 62_500_000,
            deviceRegions: regions, deviceRegionCount: 2,
            firstSPI: 32, lastSPI: 159, stage2TablePages: stage2TablePages)
    }
}
