// The disks the hypervisor tells the block back end about at boot
// (docs/BLOCK.md): which domain's disk is which slice of the back end's own
// disk. Front ends find their disk through xenstore, not bootargs. Pure,
// allocation-free, and total: any text gives a value or a GuestArgumentError.
//
//   back end:   disks=<domid>:<first sector>:<sectors>[,...]   (decimal)

/// One front end's disk as its back end sees it: the front end's domain and
/// the slice of the back end's disk it may use.
public struct BlockBackendDisk: Equatable, Sendable {
    public var domain: UInt16
    public var firstSector: UInt64
    public var sectorCount: UInt64

    public init(domain: UInt16, firstSector: UInt64, sectorCount: UInt64) {
        self.domain = domain
        self.firstSector = firstSector
        self.sectorCount = sectorCount
    }
}

/// Every disk a block back end serves (`disks=`), at most 7.
public struct BlockBackendArguments: Sendable {
    public static let maximumDisks = 7
    public var disks = InlineArray<7, BlockBackendDisk>(
        repeating: BlockBackendDisk(domain: 0, firstSector: 0, sectorCount: 0))
    public var count = 0

    /// The `disks=` list of `arguments`; empty when there is none.
    public init(_ arguments: BootArguments) throws(GuestArgumentError) {
        guard let list = arguments.value("disks") else { return }
        var start = 0
        while true {
            var end = start
            while end < list.count, list[end] != 0x2C { end += 1 }  // ","
            let fields = Fields(UnsafeRawBufferPointer(rebasing: list[start..<end]), limit: 3)
            guard fields.count == 3, let domain = fields.decimal(0, limit: 7),
                  let first = fields.decimal(1, limit: 0xFFFF_FFFF),
                  let sectors = fields.decimal(2, limit: 0xFFFF_FFFF), sectors > 0
            else { throw GuestArgumentError("disks", .malformed, "expected <domid>:<first>:<sectors>,...") }
            guard count < Self.maximumDisks else { throw GuestArgumentError("disks", .tooMany, "at most 7 disks") }
            disks[count] = BlockBackendDisk(domain: UInt16(truncatingIfNeeded: domain), firstSector: first,
                                            sectorCount: sectors)
            count += 1
            if end == list.count { return }
            start = end + 1
        }
    }
}

/// Up to `limit` (at most 3) colon-separated fields of a value; `count` is
/// how many there were (more than `limit` counts as limit + 1, so callers see
/// a mismatch).
private struct Fields {
    var slices = InlineArray<3, UnsafeRawBufferPointer>(repeating: UnsafeRawBufferPointer(start: nil, count: 0))
    var count = 0

    init(_ text: UnsafeRawBufferPointer, limit: Int) {
        var start = 0
        while start <= text.count {
            var end = start
            while end < text.count, text[end] != 0x3A { end += 1 }  // ":"
            guard count < min(limit, 3) else {
                count = limit + 1
                return
            }
            slices[count] = UnsafeRawBufferPointer(rebasing: text[start..<end])
            count += 1
            start = end + 1
        }
    }

    func decimal(_ index: Int, limit: UInt64) -> UInt64? {
        guard let value = parseDecimal(slices[index]), value <= limit else { return nil }
        return value
    }
}
