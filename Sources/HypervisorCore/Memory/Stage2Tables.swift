// One VM's stage-2 translation tables, built into caller-provided storage.
//
// Shape (see VTCR below): a 4 GiB IPA space (T0SZ = 0) walked from level 1
// (SL0 = 1). Level 1 has 4 entries of 1 GiB, each pointing to a level-2 table
// (512 x 2 MiB); a 2 MiB-aligned stretch becomes a level-2 block, anything else
// a level-3 table of 4 KiB pages. Tables are taken from the storage a page at a
// time: page 0 is the level-1 table (only its first 32 bytes are used; that is
// also the alignment the VTTBR needs), the rest are handed out as needed.
//
// The storage is described twice: `tables` is where this code writes it, and
// `physicalBase` is the address the MMU will see it at. They are the same in
// the hypervisor (identity-mapped); host tests pass fake physical addresses.

public struct Stage2Tables {
    public let tables: UnsafeMutableRawBufferPointer
    public let physicalBase: PhysicalAddress
    /// Pages of `tables` in use (the level-1 table and every table made so far).
    public private(set) var pagesUsed: Int

    /// VTCR for these tables: T0SZ = 0 (4 GiB IPA), S = 0, SL0 = 0b01 (start at
    /// level 1), IRGN0 = ORGN0 = 0b01 (walks are write-back write-allocate
    /// cacheable), SH0 = 0b11 (inner shareable), bit 31 RES1.
    public static let vtcr: UInt32 = 0x8000_0000 | 0b11 &<< 12 | 0b01 &<< 10 | 0b01 &<< 8 | 0b01 &<< 6

    static let pageBytes = 4096
    static let entriesPerTable = 512

    /// Empty tables (nothing mapped) in `tables`, whose first byte the MMU sees at `physicalBase`.
    public init(tables: UnsafeMutableRawBufferPointer, physicalBase: PhysicalAddress) throws(Stage2Error) {
        guard physicalBase.value % PageSize.small == 0, tables.count >= Stage2Tables.pageBytes,
              let start = tables.baseAddress, UInt(bitPattern: start) % 8 == 0 else {
            throw .badStorage(physicalBase)
        }
        self.tables = tables
        self.physicalBase = physicalBase
        pagesUsed = 1
        clear(page: 0)
    }

    /// The level-1 table's physical address: the VTTBR's BADDR.
    public var rootAddress: PhysicalAddress { physicalBase }

    /// The VTTBR value: the root table and the VM's VMID (bits [55:48]), which tags its TLB entries.
    public func vttbr(vmid: UInt8) -> UInt64 {
        rootAddress.value | UInt64(widening: UInt32(vmid)) &<< 48
    }

    var pageCapacity: Int { tables.count / Stage2Tables.pageBytes }

    // MARK: Raw entries

    // Through the raw base pointer: the buffer's own load/storeBytes carry
    // checks that -no-allocations rejects on armv7. The index is checked here.
    func entry(page: Int, index: Int) -> UInt64 {
        let offset = page * Stage2Tables.pageBytes + index * 8
        guard let base = tables.baseAddress, offset >= 0, offset <= tables.count - 8 else { return 0 }
        return base.load(fromByteOffset: offset, as: UInt64.self)
    }

    func setEntry(page: Int, index: Int, _ value: UInt64) {
        let offset = page * Stage2Tables.pageBytes + index * 8
        guard let base = tables.baseAddress, offset >= 0, offset <= tables.count - 8 else { return }
        base.storeBytes(of: value, toByteOffset: offset, as: UInt64.self)
    }

    func clear(page: Int) {
        let start = page * Stage2Tables.pageBytes
        for i in 0..<Stage2Tables.pageBytes { tables[start + i] = 0 }
    }

    /// The page of `tables` holding the table at physical `address`, if it is one of ours.
    func page(ofTableAt address: UInt64) -> Int? {
        guard address >= physicalBase.value else { return nil }
        let offset = address - physicalBase.value
        guard offset % PageSize.small == 0, offset / PageSize.small < UInt64(clampingNonNegative: pagesUsed) else { return nil }
        return Int(truncatingIfNeeded: offset / PageSize.small)
    }

    /// A fresh zeroed table page, returning its page number.
    mutating func newTable() throws(Stage2Error) -> Int {
        guard pagesUsed < pageCapacity else { throw .tablesExhausted(pages: pageCapacity) }
        let page = pagesUsed
        pagesUsed += 1
        clear(page: page)
        return page
    }

    func physicalAddress(ofPage page: Int) -> PhysicalAddress {
        PhysicalAddress(physicalBase.value + UInt64(clampingNonNegative: page) * PageSize.small)
    }
}
