// What a guest driver of a legacy (version 1) virtio-mmio device computes
// without touching hardware: where the parts of a split virtqueue lie, and
// the physical address a device must be given for a guest buffer.
import HypervisorCore

/// A legacy split virtqueue of `size` entries in one contiguous area
/// (virtio 1.x, "Legacy Interfaces: A Note on Virtqueue Layout"):
/// descriptors (16 bytes each), then the available ring (flags, idx,
/// ring[size], used_event: all u16), then, at the next multiple of `align`,
/// the used ring (flags u16, idx u16, ring[size] of {id u32, len u32},
/// avail_event u16).
public struct VirtqueueLayout: Equatable, Sendable {
    public static let descriptorSize = 16
    public static let usedElementSize = 8

    public let size: Int
    public let align: Int

    public init(size: Int, align: Int = 4096) {
        self.size = size
        self.align = align
    }

    public var descriptorsOffset: Int { 0 }
    public var availableOffset: Int { size * Self.descriptorSize }
    /// End of the available ring, used_event included.
    public var availableEnd: Int { availableOffset + 4 + 2 * size + 2 }
    public var usedOffset: Int { (availableEnd + align - 1) / align * align }
    public var totalSize: Int { usedOffset + 4 + Self.usedElementSize * size + 2 }
}

/// Guest RAM as the guest sees it (IPA `ramBase`..<`ramEnd`) and where it
/// really is (`physicalBase`): without an SMMU a device is handed physical
/// addresses, physical = ipa - ramBase + physicalBase.
public struct GuestDMAWindow: Equatable, Sendable {
    public static let guestRAMBase = UInt32(truncatingIfNeeded: GuestMemoryMap.ramBase.value)

    public let ramBase: UInt32
    /// First address past guest RAM (as a 64-bit value: RAM may end at 4 GiB).
    public let ramEnd: UInt64
    public let physicalBase: UInt32

    public init(ramBase: UInt32 = GuestDMAWindow.guestRAMBase, ramEnd: UInt64, physicalBase: UInt32) {
        self.ramBase = ramBase
        self.ramEnd = ramEnd
        self.physicalBase = physicalBase
    }

    /// The physical address of `length` bytes at guest address `address`,
    /// nil unless all of them (and at least one) lie in guest RAM and the
    /// physical range stays below 4 GiB.
    public func physical(of address: UInt32, length: UInt32) -> UInt32? {
        let start = UInt64(widening: address)
        let end = start + UInt64(widening: length)
        guard length > 0, address >= ramBase, end <= ramEnd else { return nil }
        let physicalStart = start - UInt64(widening: ramBase) + UInt64(widening: physicalBase)
        guard physicalStart + UInt64(widening: length) <= 0x1_0000_0000 else { return nil }
        return UInt32(truncatingIfNeeded: physicalStart)
    }
}
