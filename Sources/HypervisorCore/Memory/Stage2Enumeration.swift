// Every leaf of a VM's stage-2 tables, in IPA order: for tests (is anything
// mapped that the configuration did not ask for?) and for diagnostic dumps.

extension Stage2Tables {
    /// Calls `body` with each mapped block or page: its guest-physical range and translation.
    public func forEachMapping(_ body: (GuestPhysicalRange, Stage2Translation) -> Void) {
        for index1 in 0..<4 {
            let level1 = entry(page: 0, index: index1)
            guard level1 & Stage2Descriptor.typeMask == Stage2Descriptor.tableOrPage,
                  let level2Page = page(ofTableAt: level1 & Stage2Descriptor.pageAddressMask) else { continue }
            for index2 in 0..<Stage2Tables.entriesPerTable {
                let base2 = UInt64(widening: UInt32(index1)) &<< 30 | UInt64(widening: UInt32(index2)) &<< 21
                let level2 = entry(page: level2Page, index: index2)
                if level2 & Stage2Descriptor.typeMask == Stage2Descriptor.block {
                    report(GuestPhysicalAddress(base2), size: PageSize.block, body)
                    continue
                }
                guard level2 & Stage2Descriptor.typeMask == Stage2Descriptor.tableOrPage,
                      page(ofTableAt: level2 & Stage2Descriptor.pageAddressMask) != nil else { continue }
                for index3 in 0..<Stage2Tables.entriesPerTable {
                    report(GuestPhysicalAddress(base2 | UInt64(widening: UInt32(index3)) &<< 12), size: PageSize.small, body)
                }
            }
        }
    }

    private func report(_ ipa: GuestPhysicalAddress, size: UInt64, _ body: (GuestPhysicalRange, Stage2Translation) -> Void) {
        guard let translation = translate(ipa), translation.mappingSize == size else { return }
        body(GuestPhysicalRange(base: ipa, size: size), translation)
    }
}
