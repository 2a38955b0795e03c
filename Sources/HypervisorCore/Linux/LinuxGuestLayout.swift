// Where a Linux VM's pieces go in its guest-physical RAM (docs/LINUX.md).
// One place for every address the device tree, the loader and the checker use:
//
//   base + 32 MiB          the zImage (Linux's booting.rst: the first 128 MiB,
//                          above 32 MiB so it decompresses without moving itself)
//   ... initramfs          page aligned, ending where the DTB starts
//   end - 48 KiB           the DTB (16 KiB reserved)
//   end - 32 KiB .. end    pages Apus keeps: this VM's two grant-table frames
//                          (end - 32 KiB), an unused page, the xenstore ring
//                          (end - 20 KiB), an unused page (end - 16 KiB), the
//                          console ring (end - 12 KiB), an unused page and the
//                          bootargs page (end - 4 KiB): GuestReservedPages
//
// The device tree's memory node ends below the kept pages, so Linux never
// allocates them. The grant-table frames are mapped again, on the guest's
// add_to_physmap request, at `grantFrames` (outside RAM), the region the
// device tree's hypervisor node names, as Xen does.

public struct LinuxGuestLayout: Equatable, Sendable {
    /// Smallest RAM a Linux VM may have (the armmp kernels decompress to ~20 MiB).
    public static let minimumMemory: UInt64 = 0x400_0000  // 64 MiB
    /// Guest RAM must start on a 128 MiB boundary: the zImage finds where to
    /// decompress by rounding its own address down to one (AUTO_ZRELADDR).
    public static let memoryAlignment: UInt64 = 0x800_0000  // 128 MiB
    public static let kernelOffset: UInt64 = 0x200_0000  // 32 MiB
    /// The decompressor's stack and heap, right after the zImage.
    public static let decompressorScratch: UInt64 = 0x10_0000  // 1 MiB
    public static let keptBytes: UInt64 = 0x8000  // 32 KiB
    public static let deviceTreeCapacity: UInt64 = 0x4000  // 16 KiB
    public static let grantFrameCount: UInt32 = 2
    /// The guest-physical region the grant-table frames appear in (Xen's own choice).
    public static let grantFrames = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x3800_0000)),
                                                       size: UInt64(widening: grantFrameCount) &* PageSize.small)

    public let memory: GuestPhysicalRange
    public let kernel: GuestPhysicalRange
    /// Empty (size 0) when the VM has no initramfs.
    public let initramfs: GuestPhysicalRange
    public let deviceTree: GuestPhysicalRange

    /// The layout for a kernel of `kernelSize` and an initramfs of `initramfsSize` bytes.
    public init(memory: GuestPhysicalRange, kernelSize: Int, initramfsSize: Int) {
        self.memory = memory
        kernel = GuestPhysicalRange(base: GuestPhysicalAddress(memory.base.value &+ LinuxGuestLayout.kernelOffset),
                                    size: UInt64(clampingNonNegative: kernelSize))
        let treeBase = memory.end &- LinuxGuestLayout.keptBytes &- LinuxGuestLayout.deviceTreeCapacity
        deviceTree = GuestPhysicalRange(base: GuestPhysicalAddress(treeBase), size: LinuxGuestLayout.deviceTreeCapacity)
        let initrdSize = UInt64(clampingNonNegative: initramfsSize)
        let initrdBase = initrdSize > treeBase ? 0 : (treeBase &- initrdSize) & ~(PageSize.small &- 1)
        initramfs = GuestPhysicalRange(base: GuestPhysicalAddress(initrdBase), size: initrdSize)
    }

    /// What Linux may use: RAM without the pages Apus keeps.
    public var usableMemory: GuestPhysicalRange {
        GuestPhysicalRange(base: memory.base, size: memory.size &- LinuxGuestLayout.keptBytes)
    }

    /// The first of the VM's grant-table frames (two consecutive pages of its RAM).
    public static func grantTable(memory: GuestPhysicalRange) -> GuestPhysicalAddress {
        GuestPhysicalAddress(memory.end &- 8 &* PageSize.small)
    }

    /// Why this layout cannot boot, or nil when it can.
    public var problem: LinuxLayoutProblem? {
        if memory.size < LinuxGuestLayout.minimumMemory { return .memoryTooSmall(size: memory.size, minimum: LinuxGuestLayout.minimumMemory) }
        if memory.base.value % LinuxGuestLayout.memoryAlignment != 0 { return .memoryMisaligned(memory.base.value) }
        // The initramfs first: a huge one would otherwise show as a kernel without room.
        if initramfs.size > 0 {
            let lowestInitramfs = kernel.end &+ LinuxGuestLayout.decompressorScratch
            let room = deviceTree.base.value > lowestInitramfs ? (deviceTree.base.value &- lowestInitramfs) & ~(PageSize.small &- 1) : 0
            if initramfs.size > room { return .initramfsTooLarge(size: initramfs.size, limit: room) }
        }
        let lowestAbove = initramfs.size > 0 ? initramfs.base.value : deviceTree.base.value
        let kernelRoom = lowestAbove > kernel.base.value &+ LinuxGuestLayout.decompressorScratch
            ? lowestAbove &- kernel.base.value &- LinuxGuestLayout.decompressorScratch : 0
        if kernel.size > kernelRoom { return .kernelTooLarge(size: kernel.size, limit: kernelRoom) }
        return nil
    }
}

/// Why a Linux VM's images do not fit its memory.
public enum LinuxLayoutProblem: Equatable, Sendable {
    case memoryTooSmall(size: UInt64, minimum: UInt64)
    case memoryMisaligned(UInt64)
    case kernelTooLarge(size: UInt64, limit: UInt64)
    case initramfsTooLarge(size: UInt64, limit: UInt64)
}
