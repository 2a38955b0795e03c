import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore
import XenRings

/// `attack=blkif`: attacks the block back end of the driver domain through
/// this VM's own disk, connected through xenstore like any front end
/// (docs/GUESTS.md, "Hostile guest"). Every request the
/// back end must refuse is sent with `BlockFrontend.submit` as it is, with
/// grants this guest sets up itself (references 40 to 45), and the answer
/// must be the expected BLKIF_RSP_* status, never OKAY. Then event storms
/// on its block and console ports, and last a ring overrun, after which the
/// back end no longer serves this ring.
///
/// Nothing here must reach the disk: the test reads the image on the host
/// and finds this VM's slice still zero.
func attackBlockBackend(_ attempts: inout Attempts, vm: UInt32, memoryEnd: UInt32) {
    var out = GuestConsole()
    guard let frontend = withUnsafeMutableBytes(of: &sharedInfoStorage, { BlockFrontend.connect(sharedInfo: $0) }) else {
        attempts.record("hostile-blkif-setup", refused: false)
        return
    }
    frontend.describe(to: &out)

    withUnsafeMutableBytes(of: &attackPages) { storage in
        let base = (UInt(bitPattern: storage.baseAddress!) &+ 0xFFF) & ~UInt(0xFFF)
        let pages = BlockAttackPages(base: base)
        var attack = BlockAttack(frontend: frontend, pages: pages, vm: vm, memoryEnd: memoryEnd)
        attack.run(&attempts)
    }
}

/// attack=abandon: posts eight valid one-page writes to the start of the
/// slice without waiting for any answer, then crashes at once. The driver
/// domain finds them in the ring of a front end that is already stopped.
func abandonRequests() -> Never {
    guard var frontend = withUnsafeMutableBytes(of: &sharedInfoStorage, { BlockFrontend.connect(sharedInfo: $0) }) else {
        check("hostile-abandon", false)
        Hypervisor.shutdown(.crash)
    }
    let page = withUnsafeMutableBytes(of: &attackPages) { storage in
        (UInt(bitPattern: storage.baseAddress!) &+ 0xFFF) & ~UInt(0xFFF)
    }
    // 'Q' bytes: if the driver domain serves the writes after all, the host sees whose they were.
    BlockAttackPages.fill(UnsafeMutableRawPointer(bitPattern: page)!, with: 0x51)
    let frame = UInt32(truncatingIfNeeded: page &>> 12)
    GrantTable.grantAccess(reference: BlockAttack.sourceReference, to: frontend.connection.backend, frame: frame,
                           readOnly: true)
    var posted: UInt32 = 0
    var out = GuestConsole()
    for index in 0..<8 {
        var segments = InlineArray<11, BlkifSegment>(repeating: .zero)
        segments[0] = BlkifSegment(gref: BlockAttack.sourceReference, firstSector: 0, lastSector: 7)
        let request = BlkifRequest(operation: Blkif.operationWrite, segmentCount: 1, handle: 0, id: 0,
                                   sectorNumber: UInt64(clampingNonNegative: index * 8), segments: segments)
        if frontend.post(request) { posted &+= 1 }
    }
    out.write("ABANDON posted=")
    out.write(decimal: posted)
    out.newline()
    check("hostile-abandon", posted == 8)
    crashWithUndefinedInstruction()
}

/// Three whole pages: `source` (what refused writes would have written,
/// 0x5A bytes), `target` (where reads land) and `readOnly` (0xA5 bytes,
/// granted read-only: a read into it must leave it untouched).
struct BlockAttackPages {
    let base: UInt

    var source: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: base)! }
    var target: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: base &+ 0x1000)! }
    var readOnly: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: base &+ 0x2000)! }

    func frame(_ page: UnsafeMutableRawPointer) -> UInt32 {
        UInt32(truncatingIfNeeded: UInt(bitPattern: page) &>> 12)
    }

    static func fill(_ page: UnsafeMutableRawPointer, with byte: UInt8) {
        let bytes = page.assumingMemoryBound(to: UInt8.self)
        for offset in 0..<4096 { bytes[offset] = byte }
    }

    static func holds(_ page: UnsafeMutableRawPointer, only byte: UInt8) -> Bool {
        let bytes = page.assumingMemoryBound(to: UInt8.self)
        for offset in 0..<4096 where bytes[offset] != byte { return false }
        return true
    }
}

struct BlockAttack {
    /// Grant references this attack sets up (BlockFrontend's own are 8 to 18).
    static let sourceReference: UInt32 = 40
    static let targetReference: UInt32 = 41
    static let readOnlyReference: UInt32 = 42
    static let foreignReference: UInt32 = 43
    /// Granted to the back end, but naming frames that are not this VM's RAM.
    static let pastRAMReference: UInt32 = 44
    static let deviceReference: UInt32 = 45
    /// UART0's frame: a device, not memory.
    static let deviceFrame: UInt32 = 0x1C090
    /// Never granted by anyone (the entry stays zero).
    static let ungrantedReference: UInt32 = 300
    /// Events sent on each port by the storm.
    static let stormSends = 20_000

    var frontend: BlockFrontend
    let disk: BlockConnection
    let pages: BlockAttackPages
    let vm: UInt32
    /// The first address past this VM's RAM.
    let memoryEnd: UInt32

    init(frontend: BlockFrontend, pages: BlockAttackPages, vm: UInt32, memoryEnd: UInt32) {
        self.frontend = frontend
        disk = frontend.connection
        self.pages = pages
        self.vm = vm
        self.memoryEnd = memoryEnd
    }

    /// A domain that is neither the back end nor this VM.
    var foreignDomain: UInt16 {
        var domain: UInt16 = 0
        while domain == disk.backend || UInt32(domain) == vm { domain &+= 1 }
        return domain
    }

    mutating func run(_ attempts: inout Attempts) {
        BlockAttackPages.fill(pages.source, with: 0x5A)
        BlockAttackPages.fill(pages.target, with: 0)
        BlockAttackPages.fill(pages.readOnly, with: 0xA5)
        let backend = disk.backend
        GrantTable.grantAccess(reference: Self.sourceReference, to: backend, frame: pages.frame(pages.source), readOnly: false)
        GrantTable.grantAccess(reference: Self.targetReference, to: backend, frame: pages.frame(pages.target), readOnly: false)
        GrantTable.grantAccess(reference: Self.readOnlyReference, to: backend, frame: pages.frame(pages.readOnly), readOnly: true)
        GrantTable.grantAccess(reference: Self.foreignReference, to: foreignDomain, frame: pages.frame(pages.source),
                               readOnly: false)
        GrantTable.grantAccess(reference: Self.pastRAMReference, to: backend, frame: memoryEnd &>> 12, readOnly: false)
        GrantTable.grantAccess(reference: Self.deviceReference, to: backend, frame: Self.deviceFrame, readOnly: true)

        // Control: a proper read of the slice's first page is served, so the
        // refusals below are answers, not a back end that is not listening.
        check("hostile-blkif-control-read", controlRead())

        let read = Blkif.operationRead, write = Blkif.operationWrite
        let error = Blkif.responseError, unsupported = Blkif.responseNotSupported
        let whole = segment(Self.targetReference)
        let wholeSource = segment(Self.sourceReference)

        // Sector ranges outside the slice.
        let last = disk.sectors &- 1
        expect(&attempts, "hostile-blkif-read-past-slice", request(read, sector: last, whole), error)
        expect(&attempts, "hostile-blkif-write-past-slice", request(write, sector: last, wholeSource), error)
        expect(&attempts, "hostile-blkif-write-at-slice-end", request(write, sector: disk.sectors, wholeSource), error)
        // sector + 8 wraps past 2^64 to a small number: an unchecked sum would pass.
        expect(&attempts, "hostile-blkif-read-sector-wraps", request(read, sector: UInt64.max &- 6, whole), error)
        expect(&attempts, "hostile-blkif-write-sector-max", request(write, sector: UInt64.max, wholeSource), error)

        // Grants.
        expect(&attempts, "hostile-blkif-write-ungranted-ref",
               request(write, sector: 0, segment(Self.ungrantedReference)), error)
        expect(&attempts, "hostile-blkif-write-huge-ref", request(write, sector: 0, segment(0xFFFF_FFFF)), error)
        expect(&attempts, "hostile-blkif-write-foreign-grant",
               request(write, sector: 0, segment(Self.foreignReference)), error)
        // The first page is fine, the second is not: nothing at all may be written.
        expect(&attempts, "hostile-blkif-write-half-granted",
               request(write, sector: 0, wholeSource, segment(Self.ungrantedReference)), error)
        expect(&attempts, "hostile-blkif-read-into-readonly",
               request(read, sector: 0, segment(Self.readOnlyReference)), error)
        attempts.record("hostile-blkif-readonly-page-intact",
                        refused: BlockAttackPages.holds(pages.readOnly, only: 0xA5))
        expect(&attempts, "hostile-blkif-read-ungranted-ref",
               request(read, sector: 0, segment(Self.ungrantedReference)), error)
        // Grants of frames outside its RAM: the next VM's memory (or the
        // hypervisor's) and a device. The hypervisor must refuse the copies.
        expect(&attempts, "hostile-blkif-read-into-frame-past-ram",
               request(read, sector: 0, segment(Self.pastRAMReference)), error)
        expect(&attempts, "hostile-blkif-write-from-device-frame",
               request(write, sector: 0, segment(Self.deviceReference)), error)

        // Malformed requests.
        expect(&attempts, "hostile-blkif-operation-2", request(2, sector: 0, whole), unsupported)
        expect(&attempts, "hostile-blkif-operation-255", request(0xFF, sector: 0, wholeSource), unsupported)
        expect(&attempts, "hostile-blkif-read-no-segments", request(read, sector: 0), error)
        var many = request(read, sector: 0, whole)
        many.segmentCount = 200
        expect(&attempts, "hostile-blkif-read-200-segments", many, error)
        var twelve = request(write, sector: 0, wholeSource)
        for index in 0..<Blkif.maxSegmentsPerRequest { twelve.segments[index] = wholeSource }
        twelve.segmentCount = 12
        expect(&attempts, "hostile-blkif-write-12-segments", twelve, error)
        expect(&attempts, "hostile-blkif-first-after-last",
               request(read, sector: 0, BlkifSegment(gref: Self.targetReference, firstSector: 5, lastSector: 2)), error)
        expect(&attempts, "hostile-blkif-last-sector-8",
               request(write, sector: 0, BlkifSegment(gref: Self.sourceReference, firstSector: 0, lastSector: 8)),
               error)
        expect(&attempts, "hostile-blkif-last-sector-255",
               request(write, sector: 0, BlkifSegment(gref: Self.sourceReference, firstSector: 0, lastSector: 0xFF)),
               error)
        expect(&attempts, "hostile-blkif-flush-with-segments",
               request(Blkif.operationFlushDiskCache, sector: 0, wholeSource), error)

        storm()
        // Control: the back end still serves this ring after the storm.
        check("hostile-blkif-served-after-storm", controlRead())

        overrun(&attempts)

        for reference in Self.sourceReference...Self.deviceReference { _ = GrantTable.endAccess(reference: reference) }
    }

    private func segment(_ reference: UInt32) -> BlkifSegment {
        BlkifSegment(gref: reference, firstSector: 0, lastSector: Blkif.sectorsPerPage - 1)
    }

    /// A request with the segments given (none, one or two).
    private func request(_ operation: UInt8, sector: UInt64, _ first: BlkifSegment? = nil,
                         _ second: BlkifSegment? = nil) -> BlkifRequest {
        var request = BlkifRequest(operation: operation, segmentCount: 0, handle: 0, id: 0, sectorNumber: sector)
        if let first {
            request.segments[0] = first
            request.segmentCount = 1
            if let second {
                request.segments[1] = second
                request.segmentCount = 2
            }
        }
        return request
    }

    /// A READ of the slice's first 8 sectors through BlockFrontend's own path.
    private mutating func controlRead() -> Bool {
        let status = frontend.read(sector: 0, count: Int(Blkif.sectorsPerPage), into: pages.target,
                                   deadline: GuestClock.now + .milliseconds(1000))
        return status == .ok
    }

    /// Sends `request` and records it as refused iff the answer is `expected`.
    /// `BLKIF <name> status=<answer>` for each.
    private mutating func expect(_ attempts: inout Attempts, _ name: StaticString, _ request: BlkifRequest,
                                 _ expected: Int16) {
        let status = frontend.submit(request, deadline: GuestClock.now + .milliseconds(1000))
        var out = GuestConsole()
        out.write("BLKIF ")
        out.write(name)
        out.write(" status=")
        if case .refused(let code) = status {
            out.write(signed: Int64(widening: Int(code)))
        } else {
            out.write(status.name)
        }
        out.newline()
        attempts.record(name, refused: status == .refused(expected))
    }

    /// EVTCHNOP_send on the block port and on the console port, `stormSends`
    /// times each, as fast as it can: `STORM block=<n> console=<n> errors=<n> elapsed=<us>`.
    private func storm() {
        let consolePort = GuestConsole.inputPort
        let start = GuestClock.now
        var errors: UInt64 = 0
        var consoleSends: UInt64 = 0
        for _ in 0..<Self.stormSends {
            if EventChannels.send(disk.port) != 0 { errors &+= 1 }
            if let consolePort {
                if EventChannels.send(consolePort) != 0 { errors &+= 1 }
                consoleSends &+= 1
            }
        }
        var out = GuestConsole()
        out.write("STORM block=")
        out.write(decimal: UInt64(clampingNonNegative: Self.stormSends))
        out.write(" console=")
        out.write(decimal: consoleSends)
        out.write(" errors=")
        out.write(decimal: errors)
        out.write(" elapsed=")
        out.write(decimal: GuestClock.now.since(start).nanoseconds / 1_000)
        out.newline()
    }

    /// Publishes a req_prod far beyond what the ring holds, notifies, and
    /// gives the back end time to see it. The back end must drop the ring:
    /// a proper read afterwards is never answered.
    private mutating func overrun(_ attempts: inout Attempts) {
        guard let page = UnsafeMutableRawPointer(bitPattern: UInt(disk.ring)),
              let layout = SharedRingLayout(pageSize: 4096, request: BlkifRequest.self, response: BlkifResponse.self)
        else { return }
        let ring = SharedRingPage(memory: SharedMemory(page), layout: layout)
        let bogus = ring.requestProducer &+ 0x1000
        g_dsb()
        ring.requestProducer = bogus
        g_dsb()
        _ = EventChannels.send(disk.port)
        var out = GuestConsole()
        out.write("OVERRUN published req_prod=")
        out.write(decimal: bogus)
        out.newline()
        let until = GuestClock.now + .milliseconds(100)
        while GuestClock.now < until {
            GuestClock.arm(at: until)
            GuestClock.waitForInterrupt()
        }
        let status = frontend.read(sector: 0, count: Int(Blkif.sectorsPerPage), into: pages.target,
                                   deadline: GuestClock.now + .milliseconds(200))
        out.write("BLKIF after-overrun status=")
        out.write(status.name)
        out.newline()
        attempts.record("hostile-blkif-overrun-dropped", refused: status == .timedOut)
    }
}

/// 8 KiB of BSS: one whole, page-aligned page of it becomes shared_info.
nonisolated(unsafe) var sharedInfoStorage = InlineArray<2048, UInt32>(repeating: 0)

/// 16 KiB of BSS: the three page-aligned pages of `BlockAttackPages`.
nonisolated(unsafe) var attackPages = InlineArray<4096, UInt32>(repeating: 0)
