// QEMU's vexpress-a15 (Versatile Express with a CoreTile A15), as measured on
// QEMU 7.2: docs/PLATFORM.md.

/// The board's device addresses, for the description below and for guests
/// that drive a device passed through at its physical address.
public enum VexpressA15Devices {
    public static let uart0: UInt32 = 0x1C09_0000
    public static let uart1: UInt32 = 0x1C0A_0000
    public static let uart2: UInt32 = 0x1C0B_0000
    public static let uart3: UInt32 = 0x1C0C_0000
    public static let sp804Timer0: UInt32 = 0x1C11_0000
    public static let sp804Timer1: UInt32 = 0x1C12_0000
    public static let virtioMMIO: UInt32 = 0x1C13_0000
    /// The motherboard's SYS_CFGCTRL register.
    public static let systemControl: UInt32 = 0x1C01_00A4
}

extension Platform {
    /// vexpress-a15 with `ramSize` bytes of RAM at 0x80000000 (at most 2 GiB).
    /// UART0 is assignable but is the hypervisor's console: a VM given it shares
    /// the console's registers. The four virtio-mmio transports (0x200 bytes each)
    /// share one 4 KiB page, the smallest unit stage 2 can map: one region of four
    /// 0x200-byte windows (transport n raises INTID 72 + n), DMA-capable.
    public static func vexpressA15(ramSize: UInt64, stage2TablePages: Int = Platform.linkedStage2TablePages) -> Platform {
        var regions = InlineArray<12, DeviceRegion>(repeating: noRegion)
        regions[0] = DeviceRegion(name: "UART0 (console)", base: VexpressA15Devices.uart0, size: 0x1000, firstInterrupt: 37)
        regions[1] = DeviceRegion(name: "UART1", base: VexpressA15Devices.uart1, size: 0x1000, firstInterrupt: 38)
        regions[2] = DeviceRegion(name: "UART2", base: VexpressA15Devices.uart2, size: 0x1000, firstInterrupt: 39)
        regions[3] = DeviceRegion(name: "UART3", base: VexpressA15Devices.uart3, size: 0x1000, firstInterrupt: 40)
        regions[4] = DeviceRegion(name: "SP804 timer 0", base: VexpressA15Devices.sp804Timer0, size: 0x1000, firstInterrupt: 34)
        regions[5] = DeviceRegion(name: "SP804 timer 1", base: VexpressA15Devices.sp804Timer1, size: 0x1000, firstInterrupt: 35)
        regions[6] = DeviceRegion(name: "virtio-mmio 0-3", base: VexpressA15Devices.virtioMMIO, size: 0x1000,
                                  firstInterrupt: 72, interruptCount: 4,
                                  windowSize: 0x200, dmaCapable: true)
        func range(_ base: UInt32, _ size: UInt64) -> PhysicalRange { PhysicalRange(base: PhysicalAddress(base), size: size) }
        return Platform(
            kind: .vexpressA15,
            ram: range(0x8000_0000, ramSize), maximumRAMSize: 0x8000_0000, hypervisorReservedSize: 0x100_0000,
            gic: GICLayout(distributor: range(0x2C00_1000, 0x1000), cpuInterface: range(0x2C00_2000, 0x2000),
                           hypInterface: range(0x2C00_4000, 0x1000), virtualCPUInterface: range(0x2C00_6000, 0x2000)),
            interrupts: standardInterrupts,
            console: ConsoleUART(base: PhysicalAddress(VexpressA15Devices.uart0), interrupt: 37, clockHz: 24_000_000),
            // SYS_CFGCTRL: start | write | function 8 (shutdown).
            powerOff: .systemControl(register: PhysicalAddress(VexpressA15Devices.systemControl), value: 0xC080_0000),
            secondaryCPUStart: .sameEntry,
            counterFrequency: 62_500_000,
            deviceRegions: regions, deviceRegionCount: 7,
            firstSPI: 32, lastSPI: 159, stage2TablePages: stage2TablePages)
    }
}
