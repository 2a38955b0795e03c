import GuestKit
import GuestRuntime
import HypervisorCore
import XenRings

/// One front end's disk as the block back end serves it: its slice of the
/// virtio disk and, once the front end connected through xenstore
/// (BlkifNegotiation), the blkif ring it granted (mapped in our grant
/// window) and the port bound to its event channel. Each request is copied out of the ring, validated against
/// the slice, served through the bounce buffer with grant copies, and
/// answered; a request that fails any check gets an error response and
/// touches neither the disk nor any page.
struct ServedDisk {
    /// waiting: no ring (before the front end connects, after it closes).
    enum State { case waiting, serving, gone, dropped }

    /// Requests served per disk per pass: one busy front end cannot starve the others.
    static let batchLimit = 8

    /// From `disks=`: whose disk, and which slice.
    let disk: BlockBackendDisk
    var ring: BlkifBackRing<SharedPageBarriers>? = nil
    /// Bound to the front end's `event-channel`: responses are signalled on
    /// it, and it stops being interdomain when the front end's VM is gone.
    var port: UInt32 = 0
    var state = State.waiting
    /// Whether the slice lies inside the device (checked once at attach).
    let sliceFits: Bool
    var served: UInt32 = 0
    var refused: UInt32 = 0

    init(disk: BlockBackendDisk, capacity: UInt64) {
        self.disk = disk
        sliceFits = disk.firstSector <= capacity && disk.sectorCount <= capacity - disk.firstSector
    }

    /// Serves up to `batchLimit` requests; true if any was served (more may wait).
    mutating func serve(device: inout VirtioBlock, bounce: UnsafeMutableRawBufferPointer) -> Bool {
        guard state == .serving, var ring else { return false }
        defer { self.ring = ring }
        var answered = 0
        var notify = false
        while answered < Self.batchLimit {
            switch ring.consumeRequest() {
            case .empty:
                guard case .entries(let count) = ring.finalCheckForRequests(), count > 0 else {
                    if notify { _ = EventChannels.send(port) }
                    return answered > 0
                }
            case .overrun(let overrun):
                drop(overrun)
                return answered > 0
            case .entry(let request):
                let status = perform(request, device: &device, bounce: bounce)
                if status == Blkif.responseOkay { served &+= 1 } else { refused &+= 1 }
                _ = ring.produce(request.response(status: status))
                if ring.push() { notify = true }
                answered += 1
            }
        }
        if notify { _ = EventChannels.send(port) }
        return true
    }

    /// The BLKIF_RSP_* status of one request, after doing it if it is valid.
    private func perform(_ request: BlkifRequest, device: inout VirtioBlock,
                         bounce: UnsafeMutableRawBufferPointer) -> Int16 {
        guard sliceFits else { return Blkif.responseError }
        let valid: ValidBlkifRequest
        switch BlkifValidation(request, capacitySectors: disk.sectorCount) {
        case .refused(let refusal): return refusal.status
        case .valid(let request): valid = request
        }
        if valid.operation == .flushDiskCache {
            return device.flush() == .ok ? Blkif.responseOkay : Blkif.responseError
        }
        let transfer = BlkifTransfer(valid, sliceStart: disk.firstSector)
        let data = UnsafeMutableRawBufferPointer(rebasing: bounce[0..<transfer.byteCount])
        let count = Int(truncatingIfNeeded: transfer.sectors)
        if valid.operation == .write {
            // Every page is copied in before the disk is touched: a bad grant writes nothing.
            guard copySegments(transfer, bounce: bounce, intoBounce: true) else { return Blkif.responseError }
            return device.write(sector: transfer.diskSector, count: count, from: UnsafeRawBufferPointer(data)) == .ok
                ? Blkif.responseOkay : Blkif.responseError
        }
        guard device.read(sector: transfer.diskSector, count: count, into: data) == .ok else { return Blkif.responseError }
        return copySegments(transfer, bounce: bounce, intoBounce: false) ? Blkif.responseOkay : Blkif.responseError
    }

    /// One grant copy per segment, split where it crosses a bounce page.
    private func copySegments(_ transfer: BlkifTransfer, bounce: UnsafeMutableRawBufferPointer, intoBounce: Bool) -> Bool {
        let bounceBase = UInt32(truncatingIfNeeded: UInt(bitPattern: bounce.baseAddress!))
        for index in 0..<transfer.segmentCount {
            let copy = transfer.copy(index)
            var done = 0
            while done < copy.length {
                let local = bounceBase &+ UInt32(truncatingIfNeeded: copy.bufferOffset + done)
                let pieceInPage = 4096 - Int(local & 0xFFF)
                let length = UInt16(truncatingIfNeeded: min(copy.length - done, pieceInPage))
                let grantOffset = UInt16(truncatingIfNeeded: copy.pageOffset + done)
                let localOffset = UInt16(truncatingIfNeeded: local & 0xFFF)
                let result = intoBounce
                    ? GrantTable.copy(fromReference: copy.gref, of: disk.domain, offset: grantOffset,
                                      toFrame: local &>> 12, offset: localOffset, length: length)
                    : GrantTable.copy(fromFrame: local &>> 12, offset: localOffset, toReference: copy.gref,
                                      of: disk.domain, offset: grantOffset, length: length)
                guard result.succeeded else { return false }
                done += Int(length)
            }
        }
        return true
    }

    /// Serves the ring the front end granted through xenstore (mapped at
    /// `page`) on `port` from now on.
    mutating func connect(ring page: UnsafeMutableRawPointer, port: UInt32) -> Bool {
        guard let ring = BlkifBackRing(attaching: page, barriers: SharedPageBarriers()) else { return false }
        self.ring = ring
        self.port = port
        state = .serving
        return true
    }

    /// The front end closed: its ring is no longer read (a dropped one stays dropped until a new connection).
    mutating func disconnect() {
        ring = nil
        port = 0
        if state == .serving { state = .waiting }
    }

    /// The front end left (its port is no longer bound): stop serving it.
    mutating func retire() { if state == .serving { state = .gone } }

    /// `OVERRUN disk dom=<d> prod=<p> cons=<c>: dropped`: the ring's indices
    /// are not believable; the port is masked and the ring never read again.
    private mutating func drop(_ overrun: RingOverrun) {
        state = .dropped
        let domain = UInt32(disk.domain)
        reportDroppedRing(port: port, overrun) { out in
            out.write("disk dom=")
            out.write(decimal: domain)
        }
    }
}
