// The block back end's check of a request copied out of the ring, before it
// touches a grant or the disk. Pure: a request and the disk's capacity in,
// a served request or a refusal with its BLKIF_RSP_* status out; any bit
// pattern a front end can write gives one of the two, never a trap.
//
// Rules, in order:
//   1. operation is READ (0), WRITE (1) or FLUSH_DISKCACHE (3); anything else
//      is refused with BLKIF_RSP_EOPNOTSUPP.
//   2. READ/WRITE carry 1...11 segments; FLUSH_DISKCACHE carries none.
//   3. each segment used has first_sect <= last_sect <= 7.
//   4. READ/WRITE: sector_number + the segments' sectors fits the disk,
//      computed without overflow. (FLUSH_DISKCACHE ignores sector_number.)
// Rules 2-4 refuse with BLKIF_RSP_ERROR. Segments beyond nr_segments are
// ignored, whatever they hold.

public enum BlkifOperation: UInt8, Equatable, Sendable {
    case read = 0
    case write = 1
    case flushDiskCache = 3
}

/// A request that passed every rule.
public struct ValidBlkifRequest: Equatable, Sendable {
    public let request: BlkifRequest
    public let operation: BlkifOperation
    /// Sectors transferred (0 for a flush).
    public let sectorCount: UInt64

    public var id: UInt64 { request.id }
    public var sectorNumber: UInt64 { request.sectorNumber }
    public var segmentCount: Int { Int(request.segmentCount) }
    public func segment(_ index: Int) -> BlkifSegment { request.segments[index] }

    public func response(status: Int16) -> BlkifResponse { request.response(status: status) }
}

public enum BlkifRefusal: Equatable, Sendable {
    case unknownOperation(UInt8)
    case segmentCount(UInt8)
    case segmentSectors(index: Int, first: UInt8, last: UInt8)
    case beyondCapacity(sectorNumber: UInt64, sectors: UInt64, capacity: UInt64)

    /// The status to answer with.
    public var status: Int16 {
        if case .unknownOperation = self { return Blkif.responseNotSupported }
        return Blkif.responseError
    }
}

public enum BlkifValidation: Equatable, Sendable {
    case valid(ValidBlkifRequest)
    case refused(BlkifRefusal)

    /// Validates a request copied out of the ring for a disk of
    /// `capacitySectors` 512-byte sectors.
    public init(_ request: BlkifRequest, capacitySectors: UInt64) {
        guard let operation = BlkifOperation(rawValue: request.operation) else {
            self = .refused(.unknownOperation(request.operation))
            return
        }
        let count = request.segmentCount
        if operation == .flushDiskCache {
            guard count == 0 else {
                self = .refused(.segmentCount(count))
                return
            }
            self = .valid(ValidBlkifRequest(request: request, operation: operation, sectorCount: 0))
            return
        }
        guard count >= 1 && Int(count) <= Blkif.maxSegmentsPerRequest else {
            self = .refused(.segmentCount(count))
            return
        }
        var sectors: UInt64 = 0
        for index in 0..<Int(count) {
            let segment = request.segments[index]
            guard segment.firstSector <= segment.lastSector, segment.lastSector < Blkif.sectorsPerPage else {
                self = .refused(.segmentSectors(index: index, first: segment.firstSector, last: segment.lastSector))
                return
            }
            sectors += UInt64(_truncatingBits: UInt(segment.lastSector - segment.firstSector) + 1)
        }
        guard sectors <= capacitySectors, request.sectorNumber <= capacitySectors - sectors else {
            self = .refused(.beyondCapacity(sectorNumber: request.sectorNumber, sectors: sectors,
                                            capacity: capacitySectors))
            return
        }
        self = .valid(ValidBlkifRequest(request: request, operation: operation, sectorCount: sectors))
    }
}
