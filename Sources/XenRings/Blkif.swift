// Xen's block-device ring entries (xen/include/public/io/blkif.h) as laid out
// for ARM guests, 32-bit and 64-bit alike (64-bit fields 8-byte aligned):
//
//   blkif_request (112 bytes, align 8)     blkif_response (16 bytes, align 8)
//     0  operation      uint8                0  id         uint64
//     1  nr_segments    uint8                8  operation  uint8
//     2  handle         uint16              10  status     int16
//     8  id             uint64
//    16  sector_number  uint64             blkif_request_segment (8 bytes)
//    24  seg[11]        8 bytes each          0  gref        uint32
//                                             4  first_sect  uint8
//                                             5  last_sect   uint8
//
// In a 4 KiB page a slot is 112 bytes, (4096 - 64) / 112 = 36 fit, the ring
// holds 32 (the 32 Linux's blkfront uses).

public enum Blkif {
    public static let maxSegmentsPerRequest = 11
    /// 512-byte sectors in a 4 KiB granted page: first/last_sect go 0...7.
    public static let sectorsPerPage: UInt8 = 8

    public static let operationRead: UInt8 = 0
    public static let operationWrite: UInt8 = 1
    public static let operationFlushDiskCache: UInt8 = 3

    public static let responseOkay: Int16 = 0
    public static let responseError: Int16 = -1
    public static let responseNotSupported: Int16 = -2
}

public struct BlkifSegment: Equatable, Sendable {
    public static let wireSize = 8
    public static let grefOffset = 0
    public static let firstSectorOffset = 4
    public static let lastSectorOffset = 5

    public var gref: UInt32
    public var firstSector: UInt8
    public var lastSector: UInt8

    public init(gref: UInt32, firstSector: UInt8, lastSector: UInt8) {
        self.gref = gref
        self.firstSector = firstSector
        self.lastSector = lastSector
    }

    public static let zero = BlkifSegment(gref: 0, firstSector: 0, lastSector: 0)
}

/// blkif_request, copied out of (or to be written into) a ring slot. All 11
/// segment slots are carried whatever nr_segments says: a copy holds exactly
/// what the slot held.
public struct BlkifRequest: RingEntry, Sendable {
    public static let wireSize = 112
    public static let wireAlignment = 8
    public static let operationOffset = 0
    public static let segmentCountOffset = 1
    public static let handleOffset = 2
    public static let idOffset = 8
    public static let sectorNumberOffset = 16
    public static let segmentsOffset = 24

    public var operation: UInt8
    public var segmentCount: UInt8
    public var handle: UInt16
    public var id: UInt64
    public var sectorNumber: UInt64
    public var segments: InlineArray<11, BlkifSegment>

    public init(operation: UInt8, segmentCount: UInt8, handle: UInt16, id: UInt64, sectorNumber: UInt64,
                segments: InlineArray<11, BlkifSegment> = InlineArray(repeating: .zero)) {
        self.operation = operation
        self.segmentCount = segmentCount
        self.handle = handle
        self.id = id
        self.sectorNumber = sectorNumber
        self.segments = segments
    }

    public init(copyingFrom slot: SharedMemory) {
        operation = slot.load8(Self.operationOffset)
        segmentCount = slot.load8(Self.segmentCountOffset)
        handle = slot.load16(Self.handleOffset)
        id = slot.load64(Self.idOffset)
        sectorNumber = slot.load64(Self.sectorNumberOffset)
        segments = InlineArray(repeating: .zero)
        for index in 0..<Blkif.maxSegmentsPerRequest {
            let at = Self.segmentsOffset + index * BlkifSegment.wireSize
            segments[index] = BlkifSegment(
                gref: slot.load32(at + BlkifSegment.grefOffset),
                firstSector: slot.load8(at + BlkifSegment.firstSectorOffset),
                lastSector: slot.load8(at + BlkifSegment.lastSectorOffset))
        }
    }

    public func write(to slot: SharedMemory) {
        slot.store8(operation, Self.operationOffset)
        slot.store8(segmentCount, Self.segmentCountOffset)
        slot.store16(handle, Self.handleOffset)
        slot.store64(id, Self.idOffset)
        slot.store64(sectorNumber, Self.sectorNumberOffset)
        for index in 0..<Blkif.maxSegmentsPerRequest {
            let at = Self.segmentsOffset + index * BlkifSegment.wireSize
            let segment = segments[index]
            slot.store32(segment.gref, at + BlkifSegment.grefOffset)
            slot.store8(segment.firstSector, at + BlkifSegment.firstSectorOffset)
            slot.store8(segment.lastSector, at + BlkifSegment.lastSectorOffset)
        }
    }

    /// The response answering this request with `status`.
    public func response(status: Int16) -> BlkifResponse {
        BlkifResponse(id: id, operation: operation, status: status)
    }
}

extension BlkifRequest: Equatable {
    public static func == (lhs: BlkifRequest, rhs: BlkifRequest) -> Bool {
        guard lhs.operation == rhs.operation, lhs.segmentCount == rhs.segmentCount, lhs.handle == rhs.handle,
              lhs.id == rhs.id, lhs.sectorNumber == rhs.sectorNumber
        else { return false }
        for index in 0..<Blkif.maxSegmentsPerRequest where lhs.segments[index] != rhs.segments[index] {
            return false
        }
        return true
    }
}

/// blkif_response.
public struct BlkifResponse: RingEntry, Equatable, Sendable {
    public static let wireSize = 16
    public static let wireAlignment = 8
    public static let idOffset = 0
    public static let operationOffset = 8
    public static let statusOffset = 10

    public var id: UInt64
    public var operation: UInt8
    public var status: Int16

    public init(id: UInt64, operation: UInt8, status: Int16) {
        self.id = id
        self.operation = operation
        self.status = status
    }

    public init(copyingFrom slot: SharedMemory) {
        id = slot.load64(Self.idOffset)
        operation = slot.load8(Self.operationOffset)
        status = Int16(bitPattern: slot.load16(Self.statusOffset))
    }

    public func write(to slot: SharedMemory) {
        slot.store64(id, Self.idOffset)
        slot.store8(operation, Self.operationOffset)
        slot.store16(UInt16(bitPattern: status), Self.statusOffset)
    }
}

/// The block ring's two views, with the blkif entry types filled in.
public typealias BlkifFrontRing<Barriers: RingBarriers> = FrontRing<BlkifRequest, BlkifResponse, Barriers>
public typealias BlkifBackRing<Barriers: RingBarriers> = BackRing<BlkifRequest, BlkifResponse, Barriers>
