import XCTest
@testable import GuestKit
import HypervisorCore
import TestSupport

/// The disk guest's pure parts: its bootargs, the pattern it writes and
/// verifies, the legacy virtqueue layout, the IPA-to-physical window a
/// driver hands devices, and the percentile of its round trips.
final class DiskGuestTests: XCTestCase {
    private let base = "virtio=0x1c130600 irq=75 physical-base=0x81400000"

    private func parse(_ text: String) throws -> DiskGuestArguments {
        try bootArguments(text) { try DiskGuestArguments($0) }
    }

    private func error(_ text: String) -> GuestArgumentError? {
        bootArguments(text) { arguments in
            do throws(GuestArgumentError) { _ = try DiskGuestArguments(arguments); return nil } catch { return error }
        }
    }

    private func failure(_ text: String) -> String? {
        error(text).map { "\($0.key) \($0.problem)" }
    }

    func testWriteArgumentsParseWithDefaults() throws {
        let parsed = try parse("\(base) mode=write sectors=200")
        XCTAssertEqual(parsed.transport, 0x1C13_0600)
        XCTAssertEqual(parsed.interrupt, 75)
        XCTAssertEqual(parsed.physicalBase, 0x8140_0000)
        XCTAssertEqual(parsed.mode, .write)
        XCTAssertEqual(parsed.sectors, 200)
        XCTAssertEqual(parsed.first, 0)
        XCTAssertEqual(parsed.seed, 1)
        XCTAssertEqual(parsed.count, 0)
    }

    func testVerifyAndRoundTripArguments() throws {
        let verify = try parse("mode=verify first=16 sectors=8 seed=4294967295 \(base)")
        XCTAssertEqual(verify.mode, .verify)
        XCTAssertEqual(verify.first, 16)
        XCTAssertEqual(verify.seed, .max)
        let trips = try parse("\(base) mode=roundtrip count=1000")
        XCTAssertEqual(trips.mode, .roundtrip)
        XCTAssertEqual(trips.count, 1000)
        XCTAssertEqual(trips.sectors, 0)
    }

    func testTheHypervisorsAppendedPhysicalBaseIsAccepted() throws {
        // The hypervisor appends ` physical-base=0x...` to a VM with a virtio window.
        let parsed = try parse("virtio=0x1c130600 irq=75 mode=roundtrip count=5 physical-base=0x81800000")
        XCTAssertEqual(parsed.physicalBase, 0x8180_0000)
    }

    func testUnknownKeysAreErrors() {
        XCTAssertEqual(failure("\(base) mode=write sectors=1 sector=3"), "key unknownValue")
        XCTAssertEqual(failure("\(base) mode=write sectors=1 verbose"), "key unknownValue")
        let word = bootArguments("\(base) mode=write sectors=1 colour=red") { arguments in
            arguments.firstUnknownWord(isKnown: DiskGuestArguments.isKnownKey).map { String(decoding: $0, as: UTF8.self) }
        }
        XCTAssertEqual(word, "colour=red")
        XCTAssertNil(bootArguments("\(base) mode=write sectors=1") {
            $0.firstUnknownWord(isKnown: DiskGuestArguments.isKnownKey)
        })
    }

    func testMissingAndMalformedValues() {
        XCTAssertEqual(failure("irq=75 physical-base=0x81400000 mode=write sectors=1"), "virtio missing")
        XCTAssertEqual(failure("virtio=1c130600 irq=75 physical-base=0x81400000 mode=write sectors=1"), "virtio malformed")
        XCTAssertEqual(failure("virtio=0x1c130650 irq=75 physical-base=0x81400000 mode=write sectors=1"), "virtio outOfRange")
        XCTAssertEqual(failure("virtio=0x1c130600 irq=75 mode=write sectors=1"), "physical-base missing")
        XCTAssertEqual(failure("virtio=0x1c130600 irq=75 physical-base=0x81400800 mode=write sectors=1"),
                       "physical-base outOfRange")
        XCTAssertEqual(failure("virtio=0x1c130600 irq=27 physical-base=0x81400000 mode=write sectors=1"), "irq outOfRange")
        XCTAssertEqual(failure("virtio=0x1c130600 physical-base=0x81400000 mode=write sectors=1"), "irq missing")
        XCTAssertEqual(failure("\(base) sectors=1"), "mode missing")
        XCTAssertEqual(failure("\(base) mode=erase sectors=1"), "mode unknownValue")
        XCTAssertEqual(failure("\(base) mode=write"), "sectors missing")
        XCTAssertEqual(failure("\(base) mode=write sectors=0"), "sectors outOfRange")
        XCTAssertEqual(failure("\(base) mode=write sectors=16777216 first=1"), "sectors outOfRange")
        XCTAssertEqual(failure("\(base) mode=write sectors=1 seed=4294967296"), "seed outOfRange")
        XCTAssertEqual(failure("\(base) mode=write sectors=1 count=3"), "count notAllowedHere")
        XCTAssertEqual(failure("\(base) mode=roundtrip count=3 sectors=3"), "sectors notAllowedHere")
        XCTAssertEqual(failure("\(base) mode=roundtrip"), "count missing")
        XCTAssertEqual(failure("\(base) mode=roundtrip count=1001"), "count outOfRange")
    }

    func testThroughputNeedsSectorsAndCount() throws {
        let parsed = try parse("\(base) mode=throughput sectors=8192 count=1000 first=8")
        XCTAssertEqual(parsed.mode, .throughput)
        XCTAssertEqual(parsed.sectors, 8192)
        XCTAssertEqual(parsed.count, 1000)
        XCTAssertEqual(parsed.first, 8)
        XCTAssertEqual(failure("\(base) mode=throughput count=5"), "sectors missing")
        XCTAssertEqual(failure("\(base) mode=throughput sectors=8"), "count missing")
        XCTAssertEqual(failure("\(base) mode=throughput sectors=8 count=1001"), "count outOfRange")
        XCTAssertEqual(failure("\(base) mode=throughput sectors=0 count=5"), "sectors outOfRange")
        XCTAssertEqual(failure("path=both mode=throughput sectors=8 count=5 \(base)"),
                       "path notAllowedHere")
    }

    func testBothPathsNeedTheDevice() throws {
        let both = try parse("path=both mode=roundtrip count=200 virtio=0x1c130400 irq=74 physical-base=0x81400000")
        XCTAssertEqual(both.path, .both)
        XCTAssertEqual(both.transport, 0x1C13_0400)
        XCTAssertEqual(both.interrupt, 74)
        XCTAssertEqual(both.physicalBase, 0x8140_0000)
        XCTAssertEqual(both.mode, .roundtrip)
        XCTAssertEqual(both.count, 200)
        // The device's keys are required (the disk is found through xenstore at run time).
        XCTAssertEqual(failure("path=both mode=roundtrip count=5"), "virtio missing")
        XCTAssertEqual(failure("path=both mode=roundtrip count=5 virtio=0x1c130400 irq=74"), "physical-base missing")
        // Only round trips compare the paths.
        XCTAssertEqual(failure("path=both mode=write sectors=8 \(base)"), "path notAllowedHere")
        XCTAssertEqual(failure("path=both mode=verify sectors=8 \(base)"), "path notAllowedHere")
        XCTAssertEqual(failure("path=all mode=roundtrip count=5 \(base)"), "path unknownValue")
        // path=split needs no device keys; no path is direct. The old side channel is an unknown key.
        let split = try parse("path=split mode=roundtrip count=5")
        XCTAssertEqual(split.path, .split)
        XCTAssertEqual(failure("path=split mode=roundtrip count=5 blkif=0:0x30001000:3:4096"), "key unknownValue")
        XCTAssertEqual(split.transport, 0)
        XCTAssertEqual(try parse("\(base) mode=roundtrip count=5").path, .direct)
    }

    func testConsoleLines() throws {
        XCTAssertEqual(try parse("\(base) mode=roundtrip count=5").lines, 0)
        XCTAssertEqual(try parse("\(base) mode=roundtrip count=5 lines=20").lines, 20)
        XCTAssertEqual(try parse("\(base) mode=write sectors=1 lines=1000").lines, 1000)
        XCTAssertEqual(failure("\(base) mode=roundtrip count=5 lines=0"), "lines outOfRange")
        XCTAssertEqual(failure("\(base) mode=roundtrip count=5 lines=1001"), "lines outOfRange")
        XCTAssertEqual(failure("\(base) mode=roundtrip count=5 lines=many"), "lines malformed")
    }

    func testPatternIsReproducibleAndDependsOnSeedAndSector() {
        var buffer = [UInt8](repeating: 0, count: 3 * 512)
        buffer.withUnsafeMutableBytes { DiskPattern.fill($0, seed: 7, firstSector: 16) }
        // Word 0 is the sector number, word 1 the seed (what `od` shows at 512 * sector).
        XCTAssertEqual(Array(buffer[0..<8]), [16, 0, 0, 0, 7, 0, 0, 0])
        XCTAssertEqual(Array(buffer[1024..<1032]), [18, 0, 0, 0, 7, 0, 0, 0])
        XCTAssertEqual(buffer.withUnsafeBytes { DiskPattern.firstMismatch($0, seed: 7, firstSector: 16) }, nil)
        XCTAssertEqual(buffer.withUnsafeBytes { DiskPattern.firstMismatch($0, seed: 8, firstSector: 16) }, 16)
        XCTAssertEqual(buffer.withUnsafeBytes { DiskPattern.firstMismatch($0, seed: 7, firstSector: 17) }, 17)
        buffer[512 + 300] ^= 1
        XCTAssertEqual(buffer.withUnsafeBytes { DiskPattern.firstMismatch($0, seed: 7, firstSector: 16) }, 17)
        let zeros = [UInt8](repeating: 0, count: 512)
        XCTAssertEqual(zeros.withUnsafeBytes { DiskPattern.firstMismatch($0, seed: 7, firstSector: 0) }, 0)
        // The hash words differ between sectors and seeds.
        XCTAssertNotEqual(DiskPattern.word(seed: 7, sector: 16, index: 2), DiskPattern.word(seed: 7, sector: 17, index: 2))
        XCTAssertNotEqual(DiskPattern.word(seed: 7, sector: 16, index: 2), DiskPattern.word(seed: 8, sector: 16, index: 2))
        XCTAssertNotEqual(DiskPattern.word(seed: 7, sector: 16, index: 2), DiskPattern.word(seed: 7, sector: 16, index: 3))
    }

    func testLegacyVirtqueueLayout() {
        let layout = VirtqueueLayout(size: 8, align: 4096)
        XCTAssertEqual(layout.descriptorsOffset, 0)
        XCTAssertEqual(layout.availableOffset, 128)
        XCTAssertEqual(layout.availableEnd, 128 + 4 + 16 + 2)
        XCTAssertEqual(layout.usedOffset, 4096)
        XCTAssertEqual(layout.totalSize, 4096 + 4 + 64 + 2)
        // Linux's vring_size(256, 4096): 4096 + 512 + 6 rounded up, + 6 + 8 * 256.
        let large = VirtqueueLayout(size: 256, align: 4096)
        XCTAssertEqual(large.usedOffset, 8192)
        XCTAssertEqual(large.totalSize, 8192 + 6 + 2048)
        // The scratch area the runtime uses (0x800..0xFFF) lies past the available ring.
        XCTAssertLessThanOrEqual(layout.availableEnd, 0x800)
    }

    func testDMAWindowTranslatesOnlyGuestRAM() {
        let window = GuestDMAWindow(ramEnd: 0x8040_0000, physicalBase: 0x8140_0000)
        XCTAssertEqual(window.physical(of: 0x8000_0000, length: 1), 0x8140_0000)
        XCTAssertEqual(window.physical(of: 0x8001_2345, length: 512), 0x8141_2345)
        XCTAssertEqual(window.physical(of: 0x803F_F000, length: 0x1000), 0x817F_F000)
        XCTAssertNil(window.physical(of: 0x803F_F001, length: 0x1000))   // straddles the end
        XCTAssertNil(window.physical(of: 0x7FFF_FFFF, length: 2))        // starts below RAM
        XCTAssertNil(window.physical(of: 0x8000_0000, length: 0))
        XCTAssertNil(window.physical(of: 0xFFFF_FFF0, length: 0x20))     // wraps
        let high = GuestDMAWindow(ramEnd: 0x1_0000_0000, physicalBase: 0xF000_0000)
        XCTAssertNil(high.physical(of: 0x9000_0000, length: 0x1000))     // physical past 4 GiB
    }

    func testNearestRankPercentile() {
        var samples: [UInt32] = Array((1...100).reversed())
        samples.withUnsafeMutableBufferPointer { buffer in
            Percentile.sort(buffer)
            XCTAssertEqual(Array(buffer), Array(1...100))
            XCTAssertEqual(Percentile.nearestRank(99, ofSorted: buffer), 99)
            XCTAssertEqual(Percentile.nearestRank(100, ofSorted: buffer), 100)
            XCTAssertEqual(Percentile.nearestRank(50, ofSorted: buffer), 50)
        }
        var few: [UInt32] = [5, 1, 9]
        few.withUnsafeMutableBufferPointer { buffer in
            Percentile.sort(buffer)
            XCTAssertEqual(Percentile.nearestRank(99, ofSorted: buffer), 9)
            XCTAssertEqual(Percentile.nearestRank(1, ofSorted: buffer), 1)
        }
        var none: [UInt32] = []
        none.withUnsafeMutableBufferPointer { XCTAssertEqual(Percentile.nearestRank(99, ofSorted: $0), 0) }
    }

    func testBenchLineWithPercentile() {
        var meter = CostMeter()
        for value: UInt32 in [30, 10, 20] { meter.record(value) }
        var sink = ByteBuffer()
        meter.write(source: "guest", name: "disk-read-4k", p99: 30, to: &sink)
        XCTAssertEqual(sink.text, "BENCH guest disk-read-4k n=3 min=10 mean=20 p99=30 max=30\n")
        var plain = ByteBuffer()
        meter.write(name: "decide", to: &plain)
        XCTAssertEqual(plain.text, "BENCH hypervisor decide n=3 min=10 mean=20 max=30\n")
    }
}
