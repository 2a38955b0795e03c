import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore

/// The RT guest's block I/O (bootargs io=direct|split): every job of the I/O
/// task starts with one 4 KiB read, timed from the request to the data, so
/// the job's response time includes the I/O path. Direct: the guest's own
/// virtio-blk transport (passthrough). Split: the driver domain's back end.
struct BlockIO {
    enum Device {
        case direct(VirtioBlock)
        case split(BlockFrontend)
    }

    static let sectors = 8
    static let sampleCapacity = 1024

    var device: Device
    var requests: UInt32 = 0
    var errors: UInt32 = 0
    var meter = CostMeter()
    var nextSector: UInt64 = 0

    /// Brings the device up; nil (after an ERROR line) if it cannot be used.
    static func open(_ path: RTGuestIO.Path, memoryEnd: UInt64) -> BlockIO? {
        var out = GuestConsole()
        switch path {
        case .none:
            return nil
        case .direct(let transport, let interrupt, let physicalBase):
            do throws(VirtioError) {
                let disk = try VirtioBlock(base: UInt(transport),
                                           window: GuestDMAWindow(ramEnd: memoryEnd, physicalBase: physicalBase))
                VirtioBlock.attachInterrupt(interrupt)
                return BlockIO(device: .direct(disk))
            } catch {
                out.write("ERROR io: ")
                error.describe(to: &out)
                out.newline()
                return nil
            }
        case .split:
            // The handshake prints what failed.
            guard let frontend = withUnsafeMutableBytes(of: &sharedInfoStorage, { BlockFrontend.connect(sharedInfo: $0) })
            else { return nil }
            return BlockIO(device: .split(frontend))
        }
    }

    /// One timed read, cycling over the disk.
    mutating func roundTrip() {
        let index = Int(requests)
        let start = GuestClock.now
        let ok = withUnsafeMutableBytes(of: &ioBuffer) { storage in
            let base = (UInt(bitPattern: storage.baseAddress!) &+ 0xFFF) & ~UInt(0xFFF)
            let data = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: base), count: 4096)
            return read(into: data)
        }
        let span = GuestClock.now.since(start).nanoseconds
        let sample = UInt32(truncatingIfNeeded: min(span, UInt64(widening: UInt32.max)))
        if !ok { errors &+= 1 }
        if index < Self.sampleCapacity { ioSamples[index] = sample }
        meter.record(sample)
        requests &+= 1
    }

    private mutating func read(into data: UnsafeMutableRawBufferPointer) -> Bool {
        switch device {
        case .direct(var disk):
            let ok = read(from: &disk, into: data)
            device = .direct(disk)
            return ok
        case .split(var frontend):
            let ok = read(from: &frontend, into: data)
            device = .split(frontend)
            return ok
        }
    }

    /// The next `sectors` sectors, from the start again at the end of the disk.
    private mutating func read<Disk: BlockDevice>(from disk: inout Disk, into data: UnsafeMutableRawBufferPointer) -> Bool {
        let sectors = UInt64(clampingNonNegative: Self.sectors)
        if nextSector + sectors > disk.capacity { nextSector = 0 }
        defer { nextSector += sectors }
        return disk.read(sector: nextSector, count: Self.sectors, into: data).isOK
    }

    /// `IO path=<p> requests=<n> errors=<n>`, the BENCH line (ns = instructions
    /// under icount) with p99, and CHECK rt-io.
    func report<Sink: TextSink>(to out: inout Sink) {
        let direct: Bool
        if case .direct = device { direct = true } else { direct = false }
        out.write(direct ? "IO path=direct" : "IO path=split")
        out.write(" requests=")
        out.write(decimal: requests)
        out.write(" errors=")
        out.write(decimal: errors)
        if direct {
            out.write(" interrupts=")
            out.write(decimal: VirtioBlock.interrupts)
        }
        out.newline()
        let p99 = Percentile.nearestRank(99, sorting: &ioSamples, count: Int(requests))
        meter.write(source: "guest", name: direct ? "rt-io-direct" : "rt-io-split", p99: p99, to: &out)
        check("rt-io", requests > 0 && errors == 0, to: &out)
    }
}

/// One round trip's time per request (the first 1024), for the percentile.
nonisolated(unsafe) var ioSamples = InlineArray<1024, UInt32>(repeating: 0)
/// 8 KiB of BSS: one page-aligned 4 KiB buffer inside it.
nonisolated(unsafe) var ioBuffer = InlineArray<2048, UInt32>(repeating: 0)
/// 8 KiB of BSS: one whole, page-aligned page of it becomes shared_info.
nonisolated(unsafe) var sharedInfoStorage = InlineArray<2048, UInt32>(repeating: 0)
