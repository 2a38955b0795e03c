// LPAE stage-2 descriptors (ARM ARM v7-A/R, B3.6.1-B3.6.2, long-descriptor format):
//   bits [1:0]   0b01 block (level 1/2), 0b11 table (level 1/2) or page (level 3), 0bx0 invalid
//   bits [5:2]   MemAttr[3:0]: [3:2] = 0b00 Device, then [1:0] = 0b01 Device (nGnRE);
//                otherwise [3:2] outer and [1:0] inner cacheability, 0b11 = write-back
//   bits [7:6]   S2AP: 0b01 read-only, 0b10 write-only, 0b11 read/write
//   bits [9:8]   SH: 0b00 non-, 0b10 outer, 0b11 inner shareable (ignored for Device)
//   bit  10      AF, access flag (set, or the first access faults)
//   bits [39:12] output address (page/table); [39:21] for a 2 MiB block
//   bit  54      XN, execute never
// Table descriptors carry only the next table's address; stage 2 has no
// hierarchical attributes.

/// What a stage-2 mapping allows and how the memory behaves.
public struct Stage2Attributes: Equatable, Hashable, Sendable {
    /// MemAttr[3:0].
    public var memoryAttributes: UInt8
    /// S2AP[1:0].
    public var access: UInt8
    /// SH[1:0].
    public var shareability: UInt8
    public var executeNever: Bool

    public init(memoryAttributes: UInt8, access: UInt8, shareability: UInt8, executeNever: Bool) {
        self.memoryAttributes = memoryAttributes & 0xF
        self.access = access & 0x3
        self.shareability = shareability & 0x3
        self.executeNever = executeNever
    }

    /// Guest RAM: Normal, inner and outer write-back, inner shareable, read/write/execute.
    public static let guestMemory = Stage2Attributes(memoryAttributes: 0b1111, access: 0b11, shareability: 0b11, executeNever: false)
    /// Device registers: Device nGnRE, read/write, never executable.
    public static let device = Stage2Attributes(memoryAttributes: 0b0001, access: 0b11, shareability: 0b10, executeNever: true)

    static let accessFlag: UInt64 = 1 &<< 10
    static let executeNeverBit: UInt64 = 1 &<< 54

    /// The attribute bits of a block or page descriptor (AF always set).
    var descriptorBits: UInt64 {
        UInt64(widening: UInt32(memoryAttributes) &<< 2 | UInt32(access) &<< 6 | UInt32(shareability) &<< 8)
            | Stage2Attributes.accessFlag | (executeNever ? Stage2Attributes.executeNeverBit : 0)
    }

    init(descriptor: UInt64) {
        let low = UInt32(truncatingIfNeeded: descriptor)
        self.init(memoryAttributes: UInt8(truncatingIfNeeded: low &>> 2), access: UInt8(truncatingIfNeeded: low &>> 6),
                  shareability: UInt8(truncatingIfNeeded: low &>> 8),
                  executeNever: descriptor & Stage2Attributes.executeNeverBit != 0)
    }
}

enum Stage2Descriptor {
    static let typeMask: UInt64 = 0b11
    static let block: UInt64 = 0b01
    static let tableOrPage: UInt64 = 0b11
    /// Output/next-table address bits [39:12].
    static let pageAddressMask: UInt64 = 0xFF_FFFF_F000
    /// Block output address bits [39:21].
    static let blockAddressMask: UInt64 = 0xFF_FFE0_0000
    /// The AF bit: set in every valid leaf this builder writes; used by the walker
    /// to tell a leaf that was never completed from a real mapping.
    static let accessFlag: UInt64 = 1 &<< 10

    static func table(at address: PhysicalAddress) -> UInt64 { (address.value & pageAddressMask) | tableOrPage }
    static func block(at address: PhysicalAddress, _ attributes: Stage2Attributes) -> UInt64 {
        (address.value & blockAddressMask) | attributes.descriptorBits | block
    }
    static func page(at address: PhysicalAddress, _ attributes: Stage2Attributes) -> UInt64 {
        (address.value & pageAddressMask) | attributes.descriptorBits | tableOrPage
    }
}
