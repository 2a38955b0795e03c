import GuestKit
import GuestRuntime
import HypervisorCore

/// 48 KiB of BSS: the data of one request (the most either path moves at
/// once, 44 KiB), page-aligned inside it: the split path grants whole pages.
nonisolated(unsafe) var transferStorage = InlineArray<12288, UInt32>(repeating: 0)

/// The first `bytes` bytes of the page-aligned transfer buffer.
func withTransferBuffer<Result>(_ bytes: Int, _ body: (UnsafeMutableRawBufferPointer) -> Result) -> Result {
    withUnsafeMutableBytes(of: &transferStorage) { storage in
        let base = (UInt(bitPattern: storage.baseAddress!) &+ 0xFFF) & ~UInt(0xFFF)
        return body(UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: base), count: bytes))
    }
}

/// One sample per timed round trip, in nanoseconds.
nonisolated(unsafe) var roundTripSamples = InlineArray<1000, UInt32>(repeating: 0)

enum DiskModes {
    static let sectorsPerRequest = VirtioBlock.maximumTransfer / VirtioBlock.sectorSize
    /// One 4 KiB read per round trip.
    static let roundTripSectors = 8

    /// Writes the pattern over `sectors` sectors from `first`, then flushes.
    static func write<Disk: BlockDevice>(_ disk: inout Disk, _ arguments: DiskGuestArguments, to out: inout GuestConsole) {
        guard fits(disk, arguments.first, arguments.sectors, check: "disk-write", to: &out) else { return }
        var sector = arguments.first
        let end = arguments.first + arguments.sectors
        while sector < end {
            let count = chunk(from: sector, to: end)
            let status = withTransferBuffer(count * VirtioBlock.sectorSize) { data in
                DiskPattern.fill(data, seed: arguments.seed, firstSector: sector)
                return disk.write(sector: sector, count: count, from: UnsafeRawBufferPointer(data))
            }
            guard status.isOK else { return failed("write", sector: sector, status, check: "disk-write", to: &out) }
            sector += UInt64(clampingNonNegative: count)
        }
        let flushed = disk.flush()
        guard flushed.isOK else { return failed("flush", sector: end, flushed, check: "disk-write", to: &out) }
        out.write("WRITE first=")
        out.write(decimal: arguments.first)
        out.write(" sectors=")
        out.write(decimal: arguments.sectors)
        out.write(" seed=")
        out.write(decimal: arguments.seed)
        out.write(" flushed=yes")
        out.newline()
        check("disk-write", true)
    }

    /// Reads the sectors back and compares them with the pattern.
    static func verify<Disk: BlockDevice>(_ disk: inout Disk, _ arguments: DiskGuestArguments, to out: inout GuestConsole) {
        guard fits(disk, arguments.first, arguments.sectors, check: "disk-verify", to: &out) else { return }
        var sector = arguments.first
        let end = arguments.first + arguments.sectors
        while sector < end {
            let count = chunk(from: sector, to: end)
            var mismatch: UInt64? = nil
            let status = withTransferBuffer(count * VirtioBlock.sectorSize) { data in
                let status = disk.read(sector: sector, count: count, into: data)
                if status.isOK {
                    mismatch = DiskPattern.firstMismatch(UnsafeRawBufferPointer(data), seed: arguments.seed,
                                                         firstSector: sector)
                }
                return status
            }
            guard status.isOK else { return failed("read", sector: sector, status, check: "disk-verify", to: &out) }
            if let mismatch {
                out.write("MISMATCH sector=")
                out.write(decimal: mismatch)
                out.newline()
                check("disk-verify", false)
                return
            }
            sector += UInt64(clampingNonNegative: count)
        }
        out.write("VERIFY first=")
        out.write(decimal: arguments.first)
        out.write(" sectors=")
        out.write(decimal: arguments.sectors)
        out.write(" seed=")
        out.write(decimal: arguments.seed)
        out.newline()
        check("disk-verify", true)
    }

    /// `count` 4 KiB reads at `first`, each timed from just before the
    /// request to just after its completion was seen (virtual counter, ns).
    static func roundTrips<Disk: BlockDevice>(_ disk: inout Disk, _ arguments: DiskGuestArguments, benchName: StaticString,
                                              to out: inout GuestConsole) {
        let sectors = UInt64(clampingNonNegative: roundTripSectors)
        guard fits(disk, arguments.first, sectors, check: "disk-roundtrip", to: &out) else { return }
        let count = Int(arguments.count)
        var meter = CostMeter()
        for index in 0..<count {
            let status = withTransferBuffer(roundTripSectors * VirtioBlock.sectorSize) { data in
                let start = GuestClock.now
                let status = disk.read(sector: arguments.first, count: roundTripSectors, into: data)
                let span = GuestClock.now.nanoseconds - start.nanoseconds
                let sample = UInt32(truncatingIfNeeded: min(span, UInt64(widening: UInt32.max)))
                roundTripSamples[index] = sample
                meter.record(sample)
                return status
            }
            guard status.isOK else {
                return failed("read", sector: arguments.first, status, check: "disk-roundtrip", to: &out)
            }
        }
        let p99 = Percentile.nearestRank(99, sorting: &roundTripSamples, count: count)
        meter.write(source: "guest", name: benchName, p99: p99, to: &out)
        check("disk-roundtrip", true)
    }

    /// `VIRTIO requests=<n> interrupts=<n>` once the interrupts of the last
    /// requests had a moment to arrive, and whether the passthrough interrupt path worked.
    static func reportInterrupts(_ disk: VirtioBlock, to out: inout GuestConsole) {
        let deadline = VirtualTimer.now &+ VirtualTimer.ticks(microseconds: 1000)
        while VirtioBlock.interrupts < disk.requests, VirtualTimer.now < deadline {}
        out.write("VIRTIO requests=")
        out.write(decimal: disk.requests)
        out.write(" interrupts=")
        out.write(decimal: VirtioBlock.interrupts)
        out.newline()
        check("disk-interrupts", disk.requests > 0 && VirtioBlock.interrupts > 0)
    }

    private static func chunk(from sector: UInt64, to end: UInt64) -> Int {
        Int(truncatingIfNeeded: min(end - sector, UInt64(clampingNonNegative: sectorsPerRequest)))
    }

    /// Whether `sectors` from `first` lie on the disk; reports the check as FAILED if not.
    static func fits<Disk: BlockDevice>(_ disk: Disk, _ first: UInt64, _ sectors: UInt64, check name: StaticString,
                             to out: inout GuestConsole) -> Bool {
        guard first >= disk.capacity || sectors > disk.capacity - first else { return true }
        out.write("ERROR sectors ")
        out.write(decimal: first)
        out.write("..")
        out.write(decimal: first + sectors)
        out.write(" are past the end of the disk (")
        out.write(decimal: disk.capacity)
        out.write(" sectors)")
        out.newline()
        check(name, false)
        return false
    }

    static func failed<Status: BlockRequestStatus>(_ what: StaticString, sector: UInt64, _ status: Status,
                               check name: StaticString, to out: inout GuestConsole) {
        out.write("ERROR ")
        out.write(what)
        out.write(" sector=")
        out.write(decimal: sector)
        out.write(" status=")
        out.write(status.name)
        out.newline()
        check(name, false)
    }
}
