// A pure software walk of stage-2 tables, as the MMU would do it: for tests
// (what did the builder really map?) and for the hypervisor (where is this
// guest-physical address?). Only tables inside the storage are followed, so a
// corrupted descriptor gives "not mapped", never a wild read.

/// Where a guest-physical address really is, and how it may be accessed.
public struct Stage2Translation: Equatable, Sendable {
    public var physical: PhysicalAddress
    public var attributes: Stage2Attributes
    /// Size of the block or page that maps it (2 MiB or 4 KiB).
    public var mappingSize: UInt64
}

extension Stage2Tables {
    /// The translation of `ipa`, or nil when stage 2 does not map it (a stage-2 fault).
    public func translate(_ ipa: GuestPhysicalAddress) -> Stage2Translation? {
        guard ipa.value < 0x1_0000_0000 else { return nil }
        let level1 = entry(page: 0, index: Int(truncatingIfNeeded: (ipa.value &>> 30) & 3))
        guard level1 & Stage2Descriptor.typeMask == Stage2Descriptor.tableOrPage,
              let level2Page = page(ofTableAt: level1 & Stage2Descriptor.pageAddressMask) else { return nil }
        let level2 = entry(page: level2Page, index: Int(truncatingIfNeeded: (ipa.value &>> 21) & 511))
        switch level2 & Stage2Descriptor.typeMask {
        case Stage2Descriptor.block:
            return leaf(level2, mask: Stage2Descriptor.blockAddressMask, size: PageSize.block, ipa: ipa)
        case Stage2Descriptor.tableOrPage:
            guard let level3Page = page(ofTableAt: level2 & Stage2Descriptor.pageAddressMask) else { return nil }
            let level3 = entry(page: level3Page, index: Int(truncatingIfNeeded: (ipa.value &>> 12) & 511))
            // At level 3, 0b11 is a page; 0b01 is reserved (invalid).
            guard level3 & Stage2Descriptor.typeMask == Stage2Descriptor.tableOrPage else { return nil }
            return leaf(level3, mask: Stage2Descriptor.pageAddressMask, size: PageSize.small, ipa: ipa)
        default:
            return nil
        }
    }

    private func leaf(_ descriptor: UInt64, mask: UInt64, size: UInt64, ipa: GuestPhysicalAddress) -> Stage2Translation? {
        // Without AF the first access faults: not usable, so not mapped.
        guard descriptor & Stage2Descriptor.accessFlag != 0 else { return nil }
        let base = descriptor & mask
        return Stage2Translation(physical: PhysicalAddress(base + (ipa.value & (size - 1))),
                                 attributes: Stage2Attributes(descriptor: descriptor), mappingSize: size)
    }
}
