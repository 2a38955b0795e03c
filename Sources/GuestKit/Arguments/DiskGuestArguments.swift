// Bootargs of the disk guest (docs/GUESTS.md, "Disk guest"):
//   [path=direct] virtio=0x<transport base> irq=<INTID> physical-base=0x<where RAM really is>
//   path=split: the disk the driver domain serves (the VM's `disk`, found through xenstore)
//   path=both: the keys of both (mode=roundtrip only): times `count` direct reads, then `count` split reads
//   mode=write|verify sectors=<n> [first=<n>] [seed=<n>]
//   mode=roundtrip count=<n> [first=<n>] [seed=<n>]
//   mode=throughput sectors=<n> count=<n> [first=<n>] [seed=<n>]: times a sequential write and read of
//     `sectors` in the largest requests, then `count` 4 KiB reads one at a time (docs/BENCHMARKS.md)
//   [lines=<n>]: after the mode, times n console lines through the ring (if any), then n through console_io
// Every word must be one of these keys: a typo is an error, not a default.
import HypervisorCore

public struct DiskGuestArguments: Sendable {
    /// Which disk: the guest's own virtio-blk device, or the driver domain's back end.
    public enum Path: Equatable, Sendable {
        case direct
        case split
        /// The guest's own device and the driver domain's disk, measured one after the other (roundtrip only).
        case both
    }

    public enum Mode: Equatable, Sendable {
        case write
        case verify
        case roundtrip
        /// Sequential write and read throughput, then 4 KiB reads one at a time.
        case throughput
    }

    public var path: Path
    /// The virtio-mmio transport's base (0x200-aligned: one legacy transport); 0 for path=split.
    public var transport: UInt32
    /// The SPI the transport raises.
    public var interrupt: UInt32
    /// Where guest RAM (IPA 0x80000000) really lies: devices DMA to physical addresses.
    public var physicalBase: UInt32
    public var mode: Mode
    public var seed: UInt32
    /// First sector written, verified or read.
    public var first: UInt64
    /// Sectors to write or verify, or to write and read for throughput (0 for roundtrip).
    public var sectors: UInt64
    /// 4 KiB reads to time (roundtrip and throughput; 0 otherwise).
    public var count: UInt32
    /// Console lines to time per console path after the mode (0: none).
    public var lines: UInt32

    /// 2^24 sectors = 8 GiB.
    public static let maximumSectors: UInt64 = 1 &<< 24
    /// Round trips kept for the percentile (the guest stores every sample).
    public static let maximumRoundTrips: UInt64 = 1000
    public static let transportSize: UInt32 = 0x200

    public init(_ arguments: BootArguments) throws(GuestArgumentError) {
        if arguments.firstUnknownWord(isKnown: Self.isKnownKey) != nil {
            throw GuestArgumentError("key", .unknownValue,
                                     "unknown key (known: path virtio irq physical-base mode seed first sectors count lines)")
        }
        let split: Bool
        let direct: Bool
        if arguments.value("path", equals: "split") {
            (split, direct) = (true, false)
        } else if arguments.value("path") == nil || arguments.value("path", equals: "direct") {
            (split, direct) = (false, true)
        } else if arguments.value("path", equals: "both") {
            (split, direct) = (true, true)
        } else {
            throw GuestArgumentError("path", .unknownValue, "expected direct, split or both")
        }
        if direct {
            transport = try arguments.requiredHex("virtio", alignment: Self.transportSize,
                                     detail: "0x<transport base>, nonzero and 0x200-aligned")
            physicalBase = try arguments.requiredHex("physical-base", alignment: 0x1000,
                                        detail: "0x<physical address of guest RAM>, nonzero and page-aligned")
            interrupt = UInt32(truncatingIfNeeded: try arguments.requiredInteger(
                "irq", from: 32, to: 159, detail: "an SPI, 32..159"))
        } else {
            transport = 0
            physicalBase = 0
            interrupt = 0
        }
        path = split ? (direct ? .both : .split) : .direct

        if arguments.value("mode", equals: "write") {
            mode = .write
        } else if arguments.value("mode", equals: "verify") {
            mode = .verify
        } else if arguments.value("mode", equals: "roundtrip") {
            mode = .roundtrip
        } else if arguments.value("mode", equals: "throughput") {
            mode = .throughput
        } else if arguments.value("mode") == nil {
            throw GuestArgumentError("mode", .missing, "missing (write, verify, roundtrip or throughput)")
        } else {
            throw GuestArgumentError("mode", .unknownValue, "expected write, verify, roundtrip or throughput")
        }

        seed = arguments.value("seed") == nil ? 1 : UInt32(truncatingIfNeeded: try arguments.requiredInteger(
            "seed", from: 0, to: UInt64(widening: UInt32.max), detail: "0..4294967295"))
        first = arguments.value("first") == nil ? 0 : try arguments.requiredInteger(
            "first", from: 0, to: Self.maximumSectors - 1, detail: "a sector, 0..16777215")
        lines = arguments.value("lines") == nil ? 0 : UInt32(truncatingIfNeeded: try arguments.requiredInteger(
            "lines", from: 1, to: Self.maximumRoundTrips, detail: "1..1000"))

        if mode != .roundtrip, case .both = path {
            throw GuestArgumentError("path", .notAllowedHere, "path=both only with mode=roundtrip")
        }
        switch mode {
        case .write, .verify, .throughput:
            if mode != .throughput, arguments.value("count") != nil {
                throw GuestArgumentError("count", .notAllowedHere, "only with mode=roundtrip or mode=throughput")
            }
            sectors = try arguments.requiredInteger(
                "sectors", from: 1, to: Self.maximumSectors, detail: "1..16777216")
            guard first + sectors <= Self.maximumSectors else {
                throw GuestArgumentError("sectors", .outOfRange, "first + sectors must be at most 16777216")
            }
        case .roundtrip:
            guard arguments.value("sectors") == nil else {
                throw GuestArgumentError("sectors", .notAllowedHere, "only with mode=write, verify or throughput")
            }
            sectors = 0
        }
        switch mode {
        case .write, .verify:
            count = 0
        case .roundtrip, .throughput:
            count = UInt32(truncatingIfNeeded: try arguments.requiredInteger(
                "count", from: 1, to: Self.maximumRoundTrips, detail: "1..1000"))
        }
    }

    public static func isKnownKey(_ key: UnsafeRawBufferPointer) -> Bool {
        BootArguments.key(key, is: "path") || BootArguments.key(key, is: "virtio")
            || BootArguments.key(key, is: "irq")
            || BootArguments.key(key, is: "physical-base") || BootArguments.key(key, is: "mode")
            || BootArguments.key(key, is: "seed") || BootArguments.key(key, is: "first")
            || BootArguments.key(key, is: "sectors") || BootArguments.key(key, is: "count")
            || BootArguments.key(key, is: "lines")
    }
}
