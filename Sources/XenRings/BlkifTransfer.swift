// How a block back end serves a request that passed BlkifValidation: the
// request's sectors are contiguous on disk and are packed, in segment order,
// in one bounce buffer; each segment is one grant copy between its part of
// that buffer and its sectors of the front end's granted page. Pure, so the
// arithmetic that decides which bytes of the disk and of which page are
// touched is tested on the host.
//
// A front end's disk is a slice of the back end's disk (`disk =` in the
// configuration): the request's sector_number is relative to the slice and
// was checked against the slice's size, so the absolute sector never leaves
// the slice.

/// One segment's grant copy.
public struct BlkifSegmentCopy: Equatable, Sendable {
    public let gref: UInt32
    /// Byte offset in the granted page (first_sect * 512).
    public let pageOffset: Int
    /// Byte offset in the bounce buffer.
    public let bufferOffset: Int
    /// Bytes, a whole number of sectors (at most one page).
    public let length: Int

    public init(gref: UInt32, pageOffset: Int, bufferOffset: Int, length: Int) {
        self.gref = gref
        self.pageOffset = pageOffset
        self.bufferOffset = bufferOffset
        self.length = length
    }
}

/// The disk transfer and grant copies for one valid READ or WRITE.
public struct BlkifTransfer: Equatable, Sendable {
    public static let sectorSize = 512
    /// The largest bounce buffer a request needs: 11 whole pages.
    public static let maximumBytes = Blkif.maxSegmentsPerRequest * 4096

    /// First sector on the back end's disk.
    public let diskSector: UInt64
    public let sectors: UInt64
    public let request: ValidBlkifRequest

    public init(_ request: ValidBlkifRequest, sliceStart: UInt64) {
        self.request = request
        diskSector = sliceStart &+ request.sectorNumber
        sectors = request.sectorCount
    }

    /// Bytes moved to or from the disk.
    public var byteCount: Int { Int(truncatingIfNeeded: sectors) * Self.sectorSize }

    public var segmentCount: Int { request.segmentCount }

    /// The copy for segment `index` (0 ..< segmentCount).
    public func copy(_ index: Int) -> BlkifSegmentCopy {
        var offset = 0
        for earlier in 0..<index { offset += Self.bytes(of: request.segment(earlier)) }
        let segment = request.segment(index)
        return BlkifSegmentCopy(gref: segment.gref, pageOffset: Int(segment.firstSector) * Self.sectorSize,
                                bufferOffset: offset, length: Self.bytes(of: segment))
    }

    private static func bytes(of segment: BlkifSegment) -> Int {
        (Int(segment.lastSector) - Int(segment.firstSector) + 1) * sectorSize
    }
}
