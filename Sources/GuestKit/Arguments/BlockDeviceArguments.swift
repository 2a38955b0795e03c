// The block device plumbing the hypervisor appends to bootargs at boot
// (docs/BLOCK.md), parsed by the guests. Pure, allocation-free, and total:
// any text gives a value or a GuestArgumentError.
//
//   front end:  blkif=<backend domid>:<ring address>:<port>:<sectors>
//   back end:   disks=<domid>:<ring address>:<port>:<first sector>:<sectors>[,...]
//
// Addresses are `0x` hex (guest-physical, page-aligned); the rest decimal.

/// A front end's virtual disk: where its ring page is, its event channel
/// port, and its size in 512-byte sectors.
public struct BlockFrontendArguments: Equatable, Sendable {
    public var backend: UInt16
    public var ring: UInt32
    public var port: UInt32
    public var sectors: UInt64

    public init(backend: UInt16, ring: UInt32, port: UInt32, sectors: UInt64) {
        self.backend = backend
        self.ring = ring
        self.port = port
        self.sectors = sectors
    }

    /// The `blkif=` value of `arguments`; nil when there is none.
    public static func parse(_ arguments: BootArguments) throws(GuestArgumentError) -> BlockFrontendArguments? {
        guard let value = arguments.value("blkif") else { return nil }
        let fields = Fields(value, limit: 4)
        guard fields.count == 4, let backend = fields.decimal(0, limit: 7), let ring = fields.page(1),
              let port = fields.decimal(2, limit: 1023), port > 0, let sectors = fields.decimal(3, limit: 0xFFFF_FFFF),
              sectors > 0
        else { throw GuestArgumentError("blkif", .malformed, "expected <domid>:<ring 0x...>:<port>:<sectors>") }
        return BlockFrontendArguments(backend: UInt16(truncatingIfNeeded: backend), ring: ring,
                                      port: UInt32(truncatingIfNeeded: port), sectors: sectors)
    }
}

/// One front end's disk as its back end sees it: the ring page mapped in
/// the back end's grant window, the back end's port, and the slice of the
/// back end's disk it may use.
public struct BlockBackendDisk: Equatable, Sendable {
    public var domain: UInt16
    public var ring: UInt32
    public var port: UInt32
    public var firstSector: UInt64
    public var sectorCount: UInt64

    public init(domain: UInt16, ring: UInt32, port: UInt32, firstSector: UInt64, sectorCount: UInt64) {
        self.domain = domain
        self.ring = ring
        self.port = port
        self.firstSector = firstSector
        self.sectorCount = sectorCount
    }
}

/// Every disk a block back end serves (`disks=`), at most 7.
public struct BlockBackendArguments: Sendable {
    public static let maximumDisks = 7
    public var disks = InlineArray<7, BlockBackendDisk>(
        repeating: BlockBackendDisk(domain: 0, ring: 0, port: 0, firstSector: 0, sectorCount: 0))
    public var count = 0

    /// The `disks=` list of `arguments`; empty when there is none.
    public init(_ arguments: BootArguments) throws(GuestArgumentError) {
        guard let list = arguments.value("disks") else { return }
        var start = 0
        while true {
            var end = start
            while end < list.count, list[end] != 0x2C { end += 1 }  // ","
            let fields = Fields(UnsafeRawBufferPointer(rebasing: list[start..<end]), limit: 5)
            guard fields.count == 5, let domain = fields.decimal(0, limit: 7), let ring = fields.page(1),
                  let port = fields.decimal(2, limit: 1023), port > 0,
                  let first = fields.decimal(3, limit: 0xFFFF_FFFF),
                  let sectors = fields.decimal(4, limit: 0xFFFF_FFFF), sectors > 0
            else { throw GuestArgumentError("disks", .malformed, "expected <domid>:<ring 0x...>:<port>:<first>:<sectors>,...") }
            guard count < Self.maximumDisks else { throw GuestArgumentError("disks", .tooMany, "at most 7 disks") }
            disks[count] = BlockBackendDisk(domain: UInt16(truncatingIfNeeded: domain), ring: ring,
                                            port: UInt32(truncatingIfNeeded: port), firstSector: first,
                                            sectorCount: sectors)
            count += 1
            if end == list.count { return }
            start = end + 1
        }
    }
}

/// Up to `limit` (at most 5) colon-separated fields of a value; `count` is
/// how many there were (more than `limit` counts as limit + 1, so callers see
/// a mismatch).
private struct Fields {
    var slices = InlineArray<5, UnsafeRawBufferPointer>(repeating: UnsafeRawBufferPointer(start: nil, count: 0))
    var count = 0

    init(_ text: UnsafeRawBufferPointer, limit: Int) {
        var start = 0
        while start <= text.count {
            var end = start
            while end < text.count, text[end] != 0x3A { end += 1 }  // ":"
            guard count < min(limit, 5) else {
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

    /// A page-aligned `0x` address.
    func page(_ index: Int) -> UInt32? {
        guard let address = parseHex32(slices[index]), address & 0xFFF == 0 else { return nil }
        return address
    }
}
