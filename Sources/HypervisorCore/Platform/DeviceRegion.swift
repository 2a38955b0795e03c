// A block of a platform's device registers that a configuration may pass
// through to a VM, with the interrupts it raises.

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
