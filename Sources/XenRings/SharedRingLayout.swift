// The shared ring page of Xen's io/ring.h (DEFINE_RING_TYPES):
//
//   offset 0   req_prod   (uint32)  written by the front end
//          4   req_event  (uint32)  written by the back end
//          8   rsp_prod   (uint32)  written by the back end
//         12   rsp_event  (uint32)  written by the front end
//         16   48 bytes of padding (zeroed at initialisation)
//         64   ring[size]: union { request; response } slots
//
// A slot is as large as the C union of the two entry types (the larger size,
// rounded up to the stricter alignment). The ring size is __RING_SIZE: the
// largest power of two of slots that fits the page after the header.

public struct SharedRingLayout: Equatable, Sendable {
    public static let requestProducerOffset = 0
    public static let requestEventOffset = 4
    public static let responseProducerOffset = 8
    public static let responseEventOffset = 12
    /// Where the slots start (the header with its padding is 64 bytes).
    public static let slotsOffset = 64

    /// Bytes per slot.
    public let slotSize: Int
    /// Slots in the ring: a power of two, at least 1.
    public let size: UInt32

    /// The layout for entries of `requestSize`/`responseSize` bytes (with the
    /// given alignments) in a page of `pageSize` bytes; nil if not one slot fits.
    public init?(pageSize: Int, requestSize: Int, requestAlignment: Int,
                 responseSize: Int, responseAlignment: Int) {
        guard requestSize > 0, responseSize > 0, requestAlignment > 0, responseAlignment > 0 else { return nil }
        let alignment = max(requestAlignment, responseAlignment)
        let larger = max(requestSize, responseSize)
        let slot = (larger + alignment - 1) / alignment * alignment
        guard pageSize > Self.slotsOffset else { return nil }
        let fitting = (pageSize - Self.slotsOffset) / slot
        guard fitting > 0 else { return nil }
        slotSize = slot
        size = Self.roundDownToPowerOfTwo(UInt32(truncatingIfNeeded: min(fitting, Int(Int32.max))))
    }

    /// The layout for a request and a response entry type.
    public init?<Request: RingEntry, Response: RingEntry>(
        pageSize: Int, request: Request.Type, response: Response.Type
    ) {
        self.init(pageSize: pageSize,
                  requestSize: Request.wireSize, requestAlignment: Request.wireAlignment,
                  responseSize: Response.wireSize, responseAlignment: Response.wireAlignment)
    }

    /// Xen's __RD32: the largest power of two not above `value` (0 for 0).
    public static func roundDownToPowerOfTwo(_ value: UInt32) -> UInt32 {
        value == 0 ? 0 : UInt32(1) &<< UInt32(31 - value.leadingZeroBitCount)
    }

    /// The byte offset of the slot a free-running index names. Always inside
    /// the page: the index is masked by the ring size before it is used.
    @inline(__always)
    public func slotOffset(_ index: UInt32) -> Int {
        Self.slotsOffset + Int(truncatingIfNeeded: index & (size &- 1)) * slotSize
    }
}
