// Single 4 KiB pages added to and removed from a running VM's stage 2, for
// grant mappings. `reserveTables(for:)` makes the level-2 and level-3 tables
// that cover a range ahead of time (at VM creation), so that mapping a page
// inside it later never needs a new table page and so cannot fail for lack of
// table storage. `unmapPage` only removes level-3 pages: a 2 MiB block (guest
// RAM) is never taken apart. The caller invalidates the TLB after an unmap.

extension Stage2Tables {
    /// Maps one 4 KiB page at `ipa` onto `physical`; refuses a page already mapped.
    public mutating func mapPage(_ ipa: GuestPhysicalAddress, to physical: PhysicalAddress,
                                 attributes: Stage2Attributes) throws(Stage2Error) {
        try map(GuestPhysicalRange(base: ipa, size: PageSize.small), to: physical, attributes: attributes)
    }

    /// Removes the 4 KiB page mapping `ipa` and returns what it was, or nil when
    /// `ipa` is not mapped by a level-3 page (unmapped, or inside a block).
    @discardableResult
    public mutating func unmapPage(_ ipa: GuestPhysicalAddress) -> Stage2Translation? {
        guard ipa.value < 0x1_0000_0000, ipa.value % PageSize.small == 0,
              let translation = translate(ipa), translation.mappingSize == PageSize.small,
              let level3 = existingLevel3Page(for: ipa.value) else { return nil }
        setEntry(page: level3, index: Int(truncatingIfNeeded: (ipa.value &>> 12) & 511), 0)
        return translation
    }

    /// Makes every table needed to map 4 KiB pages anywhere in `range`, mapping nothing.
    /// Fails if part of `range` is already covered by a 2 MiB block.
    public mutating func reserveTables(for range: GuestPhysicalRange) throws(Stage2Error) {
        guard range.base.value % PageSize.small == 0, range.size % PageSize.small == 0 else {
            throw .misaligned(range.base)
        }
        guard range.size <= 0x1_0000_0000, range.base.value <= 0x1_0000_0000 - range.size else {
            throw .outOfRange(range.base)
        }
        var window = range.base.value - range.base.value % PageSize.block
        while window < range.end {
            let index1 = Int(truncatingIfNeeded: (window &>> 30) & 3)
            var level1 = entry(page: 0, index: index1)
            if level1 == 0 {
                let page = try newTable()
                setEntry(page: 0, index: index1, Stage2Descriptor.table(at: physicalAddress(ofPage: page)))
                level1 = entry(page: 0, index: index1)
            }
            guard let level2 = page(ofTableAt: level1 & Stage2Descriptor.pageAddressMask) else {
                throw .alreadyMapped(GuestPhysicalAddress(window))
            }
            let index2 = Int(truncatingIfNeeded: (window &>> 21) & 511)
            let existing = entry(page: level2, index: index2)
            if existing == 0 {
                let page = try newTable()
                setEntry(page: level2, index: index2, Stage2Descriptor.table(at: physicalAddress(ofPage: page)))
            } else if existing & Stage2Descriptor.typeMask != Stage2Descriptor.tableOrPage
                        || page(ofTableAt: existing & Stage2Descriptor.pageAddressMask) == nil {
                throw .alreadyMapped(GuestPhysicalAddress(window))
            }
            window += PageSize.block
        }
    }

    /// The most table pages `reserveTables(for: range)` takes (when none exist
    /// yet): one level-2 table per GiB and one level-3 table per 2 MiB it touches.
    public static func reservePagesNeeded(for range: GuestPhysicalRange) -> Int {
        guard range.size > 0 else { return 0 }
        let last = range.base.value + (range.size - 1)
        let blocks = last / PageSize.block - range.base.value / PageSize.block + 1
        let gigabytes = last / PageSize.gigabyte - range.base.value / PageSize.gigabyte + 1
        return Int(truncatingIfNeeded: blocks + gigabytes)
    }

    /// The level-3 table covering `ipa`, if there is one.
    private func existingLevel3Page(for ipa: UInt64) -> Int? {
        let level1 = entry(page: 0, index: Int(truncatingIfNeeded: (ipa &>> 30) & 3))
        guard level1 & Stage2Descriptor.typeMask == Stage2Descriptor.tableOrPage,
              let level2 = page(ofTableAt: level1 & Stage2Descriptor.pageAddressMask) else { return nil }
        let level2Entry = entry(page: level2, index: Int(truncatingIfNeeded: (ipa &>> 21) & 511))
        guard level2Entry & Stage2Descriptor.typeMask == Stage2Descriptor.tableOrPage else { return nil }
        return page(ofTableAt: level2Entry & Stage2Descriptor.pageAddressMask)
    }
}
