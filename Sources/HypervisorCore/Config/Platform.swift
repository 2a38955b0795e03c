// The facts about the machine that validation needs, as a value so tests can
// vary them (RAM size, regions). `vexpressA15(ramSize:)` is QEMU's vexpress-a15
// as measured in docs/PLATFORM.md.

/// A block of device registers that may be passed through, with the GIC
/// interrupts (INTIDs) it raises: `interruptCount` consecutive INTIDs from
/// `firstInterrupt`. It is cut into windows of `windowSize` bytes, the unit a
/// device may be given in: 4 KiB for the whole-page regions (the region is one
/// window and raises all its interrupts), 0x200 for the virtio-mmio page, whose
/// window n (transport n) raises `firstInterrupt + n`. Windows smaller than a
/// page cannot be mapped by stage 2; the hypervisor forwards their accesses.
public struct DeviceRegion: Equatable, Sendable {
    public var name: StaticString
    public var range: PhysicalRange
    public var firstInterrupt: UInt32
    public var interruptCount: UInt32
    /// The unit a device takes of this region (a power of two dividing the region's size).
    public var windowSize: UInt64
    /// Its devices can DMA to physical memory (virtio): a VM that owns one is
    /// told where its RAM really is (` physical-base=` in its bootargs).
    public var dmaCapable: Bool

    public init(name: StaticString, base: UInt32, size: UInt32, firstInterrupt: UInt32, interruptCount: UInt32 = 1,
                windowSize: UInt32 = 0x1000, dmaCapable: Bool = false) {
        self.name = name
        range = PhysicalRange(base: PhysicalAddress(base), size: UInt64(widening: size))
        self.firstInterrupt = firstInterrupt
        self.interruptCount = interruptCount
        self.windowSize = UInt64(widening: windowSize == 0 ? max(size, 1) : windowSize)
        self.dmaCapable = dmaCapable
    }

    public func raises(_ interrupt: UInt32) -> Bool {
        interrupt >= firstInterrupt && interrupt - firstInterrupt < interruptCount
    }

    /// The region has several windows, each raising its own interrupt.
    public var hasInterruptPerWindow: Bool { windowSize < range.size }

    /// Whether `interrupt` is raised by one of the windows `registers` (inside
    /// this region) covers. A region of one window raises all its interrupts.
    public func raises(_ interrupt: UInt32, within registers: PhysicalRange) -> Bool {
        guard raises(interrupt) else { return false }
        guard hasInterruptPerWindow else { return true }
        let window = UInt64(widening: interrupt - firstInterrupt)
        let first = (registers.base.value &- range.base.value) / windowSize
        let end = (registers.end &- range.base.value &+ windowSize &- 1) / windowSize
        return window >= first && window < end
    }

    /// The interrupts the windows of `registers` raise, as (first, count);
    /// count 0 when they raise none.
    public func interrupts(within registers: PhysicalRange) -> (first: UInt32, count: UInt32) {
        guard hasInterruptPerWindow else { return (firstInterrupt, interruptCount) }
        let first = (registers.base.value &- range.base.value) / windowSize
        let end = (registers.end &- range.base.value &+ windowSize &- 1) / windowSize
        let count = min(end, UInt64(widening: interruptCount)) &- min(first, UInt64(widening: interruptCount))
        return (firstInterrupt &+ UInt32(truncatingIfNeeded: first), UInt32(truncatingIfNeeded: count))
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.range == b.range && a.firstInterrupt == b.firstInterrupt && a.interruptCount == b.interruptCount
            && a.windowSize == b.windowSize && a.dmaCapable == b.dmaCapable
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
    /// Where every guest sees its GIC: the distributor (one page, emulated) and,
    /// right after it, the CPU interface (two pages, the real GICV).
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
    /// 4 KiB pages of the hypervisor's stage-2 table region (.stage2 in
    /// LinkerScripts/hypervisor.ld), shared out among the VMs by `Stage2Budget`.
    public var stage2TablePages: Int

    /// Pages of the .stage2 region the hypervisor links (LinkerScripts/hypervisor.ld
    /// says the same number; a host test holds the two together).
    public static let linkedStage2TablePages = 128

    public init(ram: PhysicalRange, hypervisorReservedSize: UInt64, deviceRegions: InlineArray<12, DeviceRegion>,
                deviceRegionCount: Int, firstSPI: UInt32, lastSPI: UInt32,
                stage2TablePages: Int = Platform.linkedStage2TablePages) {
        self.ram = ram
        hypervisorReserved = PhysicalRange(base: ram.base, size: min(hypervisorReservedSize, ram.size))
        self.deviceRegions = deviceRegions
        self.deviceRegionCount = min(deviceRegionCount, Platform.maximumDeviceRegions)
        guestGICCPUInterface = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x2C00_2000)), size: 0x2000)
        virtualGIC = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x2C00_1000)),
                                        size: guestGICCPUInterface.end - 0x2C00_1000)
        gicVirtualCPUInterface = PhysicalAddress(UInt32(0x2C00_6000))
        grantWindow = GrantWindow.standard
        self.firstSPI = firstSPI
        self.lastSPI = lastSPI
        self.stage2TablePages = max(stage2TablePages, 0)
    }

    /// QEMU vexpress-a15 with `ramSize` bytes of RAM at 0x80000000 (at most 2 GiB).
    /// UART0 is assignable but is the hypervisor's console: a VM given it shares
    /// the console's registers. The four virtio-mmio transports (0x200 bytes each)
    /// share one 4 KiB page, the smallest unit stage 2 can map: one region of four
    /// 0x200-byte windows (transport n raises INTID 72 + n), DMA-capable.
    /// `stage2TablePages`: the hypervisor passes the size of the region it really linked.
    public static func vexpressA15(ramSize: UInt64, stage2TablePages: Int = Platform.linkedStage2TablePages) -> Platform {
        let filler = DeviceRegion(name: "", base: 0, size: 0, firstInterrupt: 0, interruptCount: 0)
        var regions = InlineArray<12, DeviceRegion>(repeating: filler)
        regions[0] = DeviceRegion(name: "UART0 (console)", base: 0x1C09_0000, size: 0x1000, firstInterrupt: 37)
        regions[1] = DeviceRegion(name: "UART1", base: 0x1C0A_0000, size: 0x1000, firstInterrupt: 38)
        regions[2] = DeviceRegion(name: "UART2", base: 0x1C0B_0000, size: 0x1000, firstInterrupt: 39)
        regions[3] = DeviceRegion(name: "UART3", base: 0x1C0C_0000, size: 0x1000, firstInterrupt: 40)
        regions[4] = DeviceRegion(name: "SP804 timer 0", base: 0x1C11_0000, size: 0x1000, firstInterrupt: 34)
        regions[5] = DeviceRegion(name: "SP804 timer 1", base: 0x1C12_0000, size: 0x1000, firstInterrupt: 35)
        regions[6] = DeviceRegion(name: "virtio-mmio 0-3", base: 0x1C13_0000, size: 0x1000,
                                  firstInterrupt: 72, interruptCount: 4,
                                  windowSize: 0x200, dmaCapable: true)
        let size = min(ramSize, 0x8000_0000)
        return Platform(ram: PhysicalRange(base: PhysicalAddress(UInt32(0x8000_0000)), size: size),
                        hypervisorReservedSize: 0x100_0000, deviceRegions: regions, deviceRegionCount: 7,
                        firstSPI: 32, lastSPI: 159, stage2TablePages: stage2TablePages)
    }

    /// The assignable region that contains `address`, if any.
    public func deviceRegion(containing address: PhysicalAddress) -> DeviceRegion? {
        for i in 0..<deviceRegionCount where deviceRegions[i].range.contains(address) { return deviceRegions[i] }
        return nil
    }

    /// The assignable region that wholly contains `range`, if any.
    public func deviceRegion(containing range: PhysicalRange) -> DeviceRegion? {
        for i in 0..<deviceRegionCount where deviceRegions[i].range.contains(range) { return deviceRegions[i] }
        return nil
    }
}
