// The facts about the machine that validation needs, as a value so tests can
// vary them (RAM size, regions). `vexpressA15(ramSize:)` is QEMU's vexpress-a15
// as measured in docs PLATFORM.md.

/// A block of device registers that may be passed through to one VM, with the
/// GIC interrupts (INTIDs) it raises: `interruptCount` consecutive INTIDs from `firstInterrupt`.
public struct DeviceRegion: Equatable, Sendable {
    public var name: StaticString
    public var range: PhysicalRange
    public var firstInterrupt: UInt32
    public var interruptCount: UInt32

    public init(name: StaticString, base: UInt32, size: UInt32, firstInterrupt: UInt32, interruptCount: UInt32 = 1) {
        self.name = name
        range = PhysicalRange(base: PhysicalAddress(base), size: UInt64(widening: size))
        self.firstInterrupt = firstInterrupt
        self.interruptCount = interruptCount
    }

    public func raises(_ interrupt: UInt32) -> Bool {
        interrupt >= firstInterrupt && interrupt - firstInterrupt < interruptCount
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.range == b.range && a.firstInterrupt == b.firstInterrupt && a.interruptCount == b.interruptCount
    }
}

public struct Platform: Sendable {
    public static let maximumDeviceRegions = 12

    /// All of RAM.
    public var ram: PhysicalRange
    /// The start of RAM that belongs to the hypervisor (image, stacks, tables); never given to guests.
    public var hypervisorReserved: PhysicalRange
    /// Device regions that may be passed through; the first `deviceRegionCount` entries are valid.
    public var deviceRegions: InlineArray<12, DeviceRegion>
    public var deviceRegionCount: Int
    /// Where every guest sees its GIC: distributor (emulated) and CPU interface (the real GICV).
    public var virtualGIC: GuestPhysicalRange
    /// The guest's GIC CPU interface, mapped by stage 2 onto `gicVirtualCPUInterface`.
    public var guestGICCPUInterface: GuestPhysicalRange
    /// The physical GIC virtual CPU interface (GICV).
    public var gicVirtualCPUInterface: PhysicalAddress
    /// Where every guest gets the pages other VMs grant it mapped (docs/GRANTS.md).
    public var grantWindow: GuestPhysicalRange
    /// Shared peripheral interrupts that may be passed through (the GIC has INTIDs 0 up to the end).
    public var firstSPI: UInt32
    public var lastSPI: UInt32

    public init(ram: PhysicalRange, hypervisorReservedSize: UInt64, deviceRegions: InlineArray<12, DeviceRegion>,
                deviceRegionCount: Int, firstSPI: UInt32, lastSPI: UInt32) {
        self.ram = ram
        hypervisorReserved = PhysicalRange(base: ram.base, size: min(hypervisorReservedSize, ram.size))
        self.deviceRegions = deviceRegions
        self.deviceRegionCount = min(deviceRegionCount, Platform.maximumDeviceRegions)
        virtualGIC = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x2C00_1000)), size: 0x2000)
        guestGICCPUInterface = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x2C00_2000)), size: 0x2000)
        gicVirtualCPUInterface = PhysicalAddress(UInt32(0x2C00_6000))
        grantWindow = GrantWindow.standard
        self.firstSPI = firstSPI
        self.lastSPI = lastSPI
    }

    /// QEMU vexpress-a15 with `ramSize` bytes of RAM at 0x80000000 (at most 2 GiB).
    /// UART0 is assignable but is the hypervisor's console: a VM given it shares
    /// the console's registers. The four virtio-mmio transports (0x200 bytes each)
    /// share one 4 KiB page, the smallest unit stage 2 can map, so they are one region.
    public static func vexpressA15(ramSize: UInt64) -> Platform {
        let filler = DeviceRegion(name: "", base: 0, size: 0, firstInterrupt: 0, interruptCount: 0)
        var regions = InlineArray<12, DeviceRegion>(repeating: filler)
        regions[0] = DeviceRegion(name: "UART0 (console)", base: 0x1C09_0000, size: 0x1000, firstInterrupt: 37)
        regions[1] = DeviceRegion(name: "UART1", base: 0x1C0A_0000, size: 0x1000, firstInterrupt: 38)
        regions[2] = DeviceRegion(name: "UART2", base: 0x1C0B_0000, size: 0x1000, firstInterrupt: 39)
        regions[3] = DeviceRegion(name: "UART3", base: 0x1C0C_0000, size: 0x1000, firstInterrupt: 40)
        regions[4] = DeviceRegion(name: "SP804 timer 0", base: 0x1C11_0000, size: 0x1000, firstInterrupt: 34)
        regions[5] = DeviceRegion(name: "SP804 timer 1", base: 0x1C12_0000, size: 0x1000, firstInterrupt: 35)
        regions[6] = DeviceRegion(name: "virtio-mmio 0-3", base: 0x1C13_0000, size: 0x1000,
                                  firstInterrupt: 72, interruptCount: 4)
        let size = min(ramSize, 0x8000_0000)
        return Platform(ram: PhysicalRange(base: PhysicalAddress(UInt32(0x8000_0000)), size: size),
                        hypervisorReservedSize: 0x100_0000, deviceRegions: regions, deviceRegionCount: 7,
                        firstSPI: 32, lastSPI: 159)
    }

    /// The assignable region that wholly contains `range`, if any.
    public func deviceRegion(containing range: PhysicalRange) -> DeviceRegion? {
        for i in 0..<deviceRegionCount where deviceRegions[i].range.contains(range) { return deviceRegions[i] }
        return nil
    }
}
