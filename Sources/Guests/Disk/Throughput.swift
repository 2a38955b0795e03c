import GuestKit
import GuestRuntime
import HypervisorCore

/// mode=throughput, Apus's row of make bench's disk table (docs/BENCHMARKS.md,
/// "Disk throughput: Linux and Apus"), what Linux/disk-bench does with dd:
/// a sequential write of `sectors` from `first`, a sequential read of them,
/// both in the largest requests the front end takes (88 sectors, 44 KiB: the
/// 11 segments of one blkif request), one at a time; then `count` 4 KiB reads
/// one after the other over consecutive 4 KiB blocks, each timed. Lines:
///   DISKBENCH op=write bytes=<n> ns=<elapsed> requests=<n>
///   DISKBENCH op=read bytes=<n> ns=<elapsed> requests=<n>
///   DISKBENCH op=read-4k bytes=<n> ns=<elapsed> requests=<n>
///   BENCH guest disk-read-4k n=... min=... mean=... p99=... max=...   (each read, ns)
enum DiskThroughput {
    static func run<Disk: BlockDevice>(_ disk: inout Disk, _ arguments: DiskGuestArguments, to out: inout GuestConsole) {
        let blockSectors = UInt64(clampingNonNegative: DiskModes.roundTripSectors)
        guard DiskModes.fits(disk, arguments.first, arguments.sectors, check: "disk-throughput", to: &out),
              DiskModes.fits(disk, arguments.first, UInt64(widening: arguments.count) * blockSectors, check: "disk-throughput", to: &out)
        else { return }
        // The data written is the pattern of the first request's sectors, filled once: the
        // times cover the requests only, as dd's do (it copies from /dev/zero).
        withTransferBuffer(DiskModes.sectorsPerRequest * VirtioBlock.sectorSize) { data in
            DiskPattern.fill(data, seed: arguments.seed, firstSector: arguments.first)
        }
        guard sequential(&disk, write: true, arguments, to: &out),
              sequential(&disk, write: false, arguments, to: &out)
        else { return }
        readBlocks(&disk, arguments, to: &out)
    }

    /// Writes (or reads) the sectors in requests of up to 88 sectors and prints the line.
    private static func sequential<Disk: BlockDevice>(_ disk: inout Disk, write: Bool, _ arguments: DiskGuestArguments,
                                                      to out: inout GuestConsole) -> Bool {
        let end = arguments.first + arguments.sectors
        var sector = arguments.first
        var requests: UInt64 = 0
        let start = GuestClock.now
        while sector < end {
            let count = Int(truncatingIfNeeded: min(end - sector, UInt64(clampingNonNegative: DiskModes.sectorsPerRequest)))
            let status = withTransferBuffer(count * VirtioBlock.sectorSize) { data in
                write ? disk.write(sector: sector, count: count, from: UnsafeRawBufferPointer(data))
                    : disk.read(sector: sector, count: count, into: data)
            }
            guard status.isOK else {
                DiskModes.failed(write ? "write" : "read", sector: sector, status, check: "disk-throughput", to: &out)
                return false
            }
            sector += UInt64(clampingNonNegative: count)
            requests += 1
        }
        let elapsed = GuestClock.now.nanoseconds - start.nanoseconds
        line(write ? "write" : "read", bytes: arguments.sectors * 512, nanoseconds: elapsed, requests: requests, to: &out)
        return true
    }

    /// `count` 4 KiB reads, one at a time, of consecutive blocks from `first`.
    private static func readBlocks<Disk: BlockDevice>(_ disk: inout Disk, _ arguments: DiskGuestArguments,
                                                      to out: inout GuestConsole) {
        let count = Int(arguments.count)
        let blockSectors = DiskModes.roundTripSectors
        var meter = CostMeter()
        let start = GuestClock.now
        for index in 0..<count {
            let sector = arguments.first + UInt64(clampingNonNegative: index * blockSectors)
            let status = withTransferBuffer(blockSectors * VirtioBlock.sectorSize) { data in
                let before = GuestClock.now
                let status = disk.read(sector: sector, count: blockSectors, into: data)
                let span = GuestClock.now.nanoseconds - before.nanoseconds
                let sample = UInt32(truncatingIfNeeded: min(span, UInt64(widening: UInt32.max)))
                roundTripSamples[index] = sample
                meter.record(sample)
                return status
            }
            guard status.isOK else {
                return DiskModes.failed("read", sector: sector, status, check: "disk-throughput", to: &out)
            }
        }
        let elapsed = GuestClock.now.nanoseconds - start.nanoseconds
        line("read-4k", bytes: UInt64(clampingNonNegative: count * blockSectors * 512), nanoseconds: elapsed, requests: UInt64(clampingNonNegative: count), to: &out)
        let p99 = Percentile.nearestRank(99, sorting: &roundTripSamples, count: count)
        meter.write(source: "guest", name: "disk-read-4k", p99: p99, to: &out)
        check("disk-throughput", true)
    }

    private static func line(_ operation: StaticString, bytes: UInt64, nanoseconds: UInt64, requests: UInt64,
                             to out: inout GuestConsole) {
        out.write("DISKBENCH op=")
        out.write(operation)
        out.write(" bytes=")
        out.write(decimal: bytes)
        out.write(" ns=")
        out.write(decimal: nanoseconds)
        out.write(" requests=")
        out.write(decimal: requests)
        out.newline()
    }
}
