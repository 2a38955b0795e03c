import GuestSupport
import HypervisorCore
import XenRings

/// A virtual disk served by the block back end of the driver domain
/// (docs/BLOCK.md), found and connected through xenstore as Linux's
/// xen-blkfront does it (BlockFrontendHandshake): Xen's blkif ring on a page
/// of this guest's own, granted to the back end, an event channel it
/// allocated, and the data pages granted to the back end for each request
/// (grant references 8 to 18).
///
/// One request at a time: submit, notify, wait in WFI for the response
/// (woken by the event, or by the virtual timer at the deadline), revoke the
/// grants.
public struct BlockFrontend: BlockDevice {
    /// How long the `BlockDevice` calls wait for the back end.
    public static let patience = TimeSpan.milliseconds(1000)

    public enum Status: BlockRequestStatus {
        case ok
        /// The back end answered with this BLKIF_RSP_* status.
        case refused(Int16)
        /// The buffer or the sector count cannot be sent (not page-aligned, 0 or more than 88 sectors).
        case badBuffer
        /// The back end published responses beyond what was asked: the ring is not used again.
        case ringBroken
        /// Earlier requests that timed out still fill the ring.
        case ringFull
        case timedOut

        public var isOK: Bool { self == .ok }

        public var name: StaticString {
            switch self {
            case .ok: "ok"
            case .refused(let status): status == Blkif.responseNotSupported ? "refused-unsupported" : "refused-error"
            case .badBuffer: "bad-buffer"
            case .ringBroken: "ring-broken"
            case .ringFull: "ring-full"
            case .timedOut: "timed-out"
            }
        }
    }

    public static let firstDataReference: UInt32 = 8
    public static let maximumSectors = Blkif.maxSegmentsPerRequest * Int(Blkif.sectorsPerPage)

    public let connection: BlockConnection
    var ring: BlkifFrontRing<GuestBarriers>
    var nextID: UInt64 = 1
    var broken = false

    init?(_ connection: BlockConnection) {
        guard let page = UnsafeMutableRawPointer(bitPattern: UInt(connection.ring)),
              let ring = BlkifFrontRing(attaching: page, at: 0, barriers: GuestBarriers())
        else { return nil }
        self.connection = connection
        self.ring = ring
        EventChannels.setHandler(port: connection.port, eventArrived)
    }

    /// A front end ready to use: `sharedInfo` (storage of the guest's holding
    /// a whole page) registered as the domain's shared_info, events and the
    /// virtual timer taken (EventWaiting), the disk found and connected
    /// through xenstore. Nil, after an `ERROR ...` line, when any of it fails.
    public static func connect(sharedInfo: UnsafeMutableRawBufferPointer) -> BlockFrontend? {
        guard EventWaiting.start(sharedInfo: sharedInfo) else {
            var out = GuestConsole()
            out.write("ERROR vbd: shared_info registration failed")
            out.newline()
            return nil
        }
        guard let connection = BlockFrontendHandshake.connect() else { return nil }
        return BlockFrontend(connection)
    }

    /// `BLKIF backend=<domid> vdev=<n> ring=<address> ring-ref=<r> port=<port> sectors=<n>`.
    public func describe<Sink: TextSink>(to out: inout Sink) {
        out.write("BLKIF backend=")
        out.write(decimal: UInt32(connection.backend))
        out.write(" vdev=")
        out.write(decimal: connection.virtualDevice)
        out.write(" ring=")
        out.write(hex: connection.ring)
        out.write(" ring-ref=")
        out.write(decimal: connection.ringReference)
        out.write(" port=")
        out.write(decimal: connection.port)
        out.write(" sectors=")
        out.write(decimal: connection.sectors)
        out.newline()
    }

    public var capacity: UInt64 { connection.sectors }

    public mutating func read(sector: UInt64, count: Int, into buffer: UnsafeMutableRawBufferPointer) -> Status {
        guard buffer.count >= count * 512, let base = buffer.baseAddress else { return .badBuffer }
        return read(sector: sector, count: count, into: base, deadline: GuestClock.now + Self.patience)
    }

    public mutating func write(sector: UInt64, count: Int, from buffer: UnsafeRawBufferPointer) -> Status {
        guard buffer.count >= count * 512, let base = buffer.baseAddress else { return .badBuffer }
        return write(sector: sector, count: count, from: base, deadline: GuestClock.now + Self.patience)
    }

    public mutating func flush() -> Status { flush(deadline: GuestClock.now + Self.patience) }

    /// Reads `count` sectors from `sector` into the page-aligned `buffer`.
    public mutating func read(sector: UInt64, count: Int, into buffer: UnsafeMutableRawPointer,
                              deadline: Instant) -> Status {
        transfer(Blkif.operationRead, sector: sector, count: count, buffer: UInt(bitPattern: buffer), deadline: deadline)
    }

    /// Writes `count` sectors from the page-aligned `buffer` at `sector`.
    public mutating func write(sector: UInt64, count: Int, from buffer: UnsafeRawPointer, deadline: Instant) -> Status {
        transfer(Blkif.operationWrite, sector: sector, count: count, buffer: UInt(bitPattern: buffer), deadline: deadline)
    }

    /// Asks the back end to make every completed write durable.
    public mutating func flush(deadline: Instant) -> Status {
        submit(BlkifRequest(operation: Blkif.operationFlushDiskCache, segmentCount: 0, handle: 0, id: 0,
                            sectorNumber: 0), deadline: deadline)
    }

    /// Sends `request` as it is (its id is replaced) and waits for the
    /// answer. The caller grants whatever its segments name: this is the way
    /// to send requests a well-behaved driver would not (tests, hostile guests).
    public mutating func submit(_ request: BlkifRequest, deadline: Instant) -> Status {
        guard !broken else { return .ringBroken }
        let id = nextID
        guard post(request) else { return .ringFull }
        return awaitResponse(id: id, deadline: deadline)
    }

    /// Publishes `request` (its id replaced) and notifies the back end
    /// without waiting for the answer: false when the ring is full. For a
    /// guest that means to stop with requests in flight (tests).
    public mutating func post(_ request: BlkifRequest) -> Bool {
        guard !broken else { return false }
        var request = request
        request.id = nextID
        nextID &+= 1
        guard ring.produce(request) else { return false }
        if ring.push() { _ = EventChannels.send(connection.port) }
        return true
    }

    private mutating func transfer(_ operation: UInt8, sector: UInt64, count: Int, buffer: UInt,
                                   deadline: Instant) -> Status {
        guard count > 0, count <= Self.maximumSectors, buffer & 0xFFF == 0 else { return .badBuffer }
        let sectorsPerPage = Int(Blkif.sectorsPerPage)
        let pages = (count + sectorsPerPage - 1) / sectorsPerPage
        var request = BlkifRequest(operation: operation, segmentCount: UInt8(truncatingIfNeeded: pages), handle: 0,
                                   id: 0, sectorNumber: sector)
        let firstFrame = UInt32(truncatingIfNeeded: buffer &>> 12)
        for page in 0..<pages {
            let reference = Self.firstDataReference &+ UInt32(truncatingIfNeeded: page)
            // The back end only reads the pages of a write.
            GrantTable.grantAccess(reference: reference, to: connection.backend,
                                   frame: firstFrame &+ UInt32(truncatingIfNeeded: page),
                                   readOnly: operation == Blkif.operationWrite)
            let sectors = min(sectorsPerPage, count - page * sectorsPerPage)
            request.segments[page] = BlkifSegment(gref: reference, firstSector: 0,
                                                  lastSector: UInt8(truncatingIfNeeded: sectors - 1))
        }
        let status = submit(request, deadline: deadline)
        for page in 0..<pages { _ = GrantTable.endAccess(reference: Self.firstDataReference &+ UInt32(truncatingIfNeeded: page)) }
        return status
    }

    /// Waits for the response to `id`; responses to earlier requests that
    /// timed out are skipped.
    private mutating func awaitResponse(id: UInt64, deadline: Instant) -> Status {
        while true {
            switch ring.consumeResponse() {
            case .entry(let response):
                guard response.id == id else { continue }
                return response.status == Blkif.responseOkay ? .ok : .refused(response.status)
            case .overrun:
                broken = true
                return .ringBroken
            case .empty:
                if case .entries(let count) = ring.finalCheckForResponses(), count > 0 { continue }
                if GuestClock.now >= deadline { return .timedOut }
                EventWaiting.sleep(until: deadline)
            }
        }
    }
}
