// Adding mappings to stage-2 tables: 2 MiB blocks where both sides are 2 MiB
// aligned and at least 2 MiB remain, 4 KiB pages otherwise. Mapping a page twice
// is an error, never a silent overwrite.

extension Stage2Tables {
    /// Maps `range` (guest-physical) onto physical memory starting at `physical`.
    public mutating func map(_ range: GuestPhysicalRange, to physical: PhysicalAddress,
                             attributes: Stage2Attributes) throws(Stage2Error) {
        guard range.base.value % PageSize.small == 0, range.size % PageSize.small == 0,
              physical.value % PageSize.small == 0 else {
            throw .misaligned(range.base)
        }
        guard range.size <= 0x1_0000_0000, range.base.value <= 0x1_0000_0000 - range.size,
              physical.value <= 0x100_0000_0000 - range.size else {
            throw .outOfRange(range.base)
        }
        var ipa = range.base.value
        var pa = physical.value
        var remaining = range.size
        while remaining > 0 {
            let level2 = try level2Table(for: ipa)
            let index2 = Int(truncatingIfNeeded: (ipa &>> 21) & 511)
            if ipa % PageSize.block == 0 && pa % PageSize.block == 0 && remaining >= PageSize.block {
                if entry(page: level2, index: index2) != 0 { throw .alreadyMapped(GuestPhysicalAddress(ipa)) }
                setEntry(page: level2, index: index2, Stage2Descriptor.block(at: PhysicalAddress(pa), attributes))
                ipa += PageSize.block
                pa += PageSize.block
                remaining -= PageSize.block
                continue
            }
            let level3 = try level3Table(for: ipa, in: level2, index: index2)
            let index3 = Int(truncatingIfNeeded: (ipa &>> 12) & 511)
            if entry(page: level3, index: index3) != 0 { throw .alreadyMapped(GuestPhysicalAddress(ipa)) }
            setEntry(page: level3, index: index3, Stage2Descriptor.page(at: PhysicalAddress(pa), attributes))
            ipa += PageSize.small
            pa += PageSize.small
            remaining -= PageSize.small
        }
    }

    /// The level-2 table covering `ipa`, made on first use.
    private mutating func level2Table(for ipa: UInt64) throws(Stage2Error) -> Int {
        let index1 = Int(truncatingIfNeeded: (ipa &>> 30) & 3)
        let existing = entry(page: 0, index: index1)
        if existing != 0, let page = page(ofTableAt: existing & Stage2Descriptor.pageAddressMask) { return page }
        let page = try newTable()
        setEntry(page: 0, index: index1, Stage2Descriptor.table(at: physicalAddress(ofPage: page)))
        return page
    }

    /// The level-3 table under level-2 entry `index` of `level2`, made on first use.
    private mutating func level3Table(for ipa: UInt64, in level2: Int, index: Int) throws(Stage2Error) -> Int {
        let existing = entry(page: level2, index: index)
        if existing & Stage2Descriptor.typeMask == Stage2Descriptor.block { throw .alreadyMapped(GuestPhysicalAddress(ipa)) }
        if existing != 0, let page = page(ofTableAt: existing & Stage2Descriptor.pageAddressMask) { return page }
        let page = try newTable()
        setEntry(page: level2, index: index, Stage2Descriptor.table(at: physicalAddress(ofPage: page)))
        return page
    }
}
