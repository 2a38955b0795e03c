import HypervisorCore
import TestSupport
import XCTest

/// The image pack reader on hand-assembled packs (the host writer's round trip
/// is tested in ApusToolsTests/PackWriterTests).
final class ImagePackReaderTests: XCTestCase {
    private func littleEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }

    private func entry(_ name: String, offset: UInt32, size: UInt32) -> [UInt8] {
        let bytes = Array(name.utf8)
        return bytes + [UInt8](repeating: 0, count: 32 - bytes.count) + littleEndian(offset) + littleEndian(size)
    }

    /// Two images: "a.bin" (3 bytes at 4096) and "b.bin" (5000 bytes at 8192).
    private func samplePack() -> [UInt8] {
        var pack = Array("APUSPACK".utf8) + littleEndian(1) + littleEndian(2)
        pack += entry("a.bin", offset: 4096, size: 3) + entry("b.bin", offset: 8192, size: 5000)
        pack += [UInt8](repeating: 0, count: 4096 - pack.count) + [1, 2, 3]
        pack += [UInt8](repeating: 0, count: 8192 - pack.count) + [UInt8](repeating: 7, count: 5000)
        return pack
    }

    private func open(_ bytes: [UInt8]) -> Result<Int, ImagePackError> {
        bytes.withUnsafeBytes { raw -> Result<Int, ImagePackError> in
            do throws(ImagePackError) { return .success(try ImagePack(raw).count) } catch { return .failure(error) }
        }
    }

    func testLookupByName() throws {
        try samplePack().withUnsafeBytes { raw in
            let pack = try ImagePack(raw)
            XCTAssertEqual(pack.count, 2)
            let a = try XCTUnwrap("a.bin".utf8CString.withUnsafeBytes { pack.image(named: UnsafeRawBufferPointer(rebasing: $0.dropLast())) })
            XCTAssertEqual(Array(a), [1, 2, 3])
            let b = try XCTUnwrap(Array("b.bin".utf8).withUnsafeBytes { pack.image(named: $0) })
            XCTAssertEqual(b.count, 5000)
            XCTAssertEqual(Int(bitPattern: b.baseAddress) - Int(bitPattern: raw.baseAddress), 8192)
            XCTAssertNil(Array("a.bi".utf8).withUnsafeBytes { pack.image(named: $0) })
            XCTAssertNil(Array("a.bin ".utf8).withUnsafeBytes { pack.image(named: $0) })
        }
    }

    func testRejectsMalformedPacks() {
        let good = samplePack()
        XCTAssertEqual(open(good), .success(2))
        XCTAssertEqual(open(Array(good.prefix(15))), .failure(.truncated))
        var magic = good
        magic[3] = 0
        XCTAssertEqual(open(magic), .failure(.badMagic))
        var version = good
        version[8] = 2
        XCTAssertEqual(open(version), .failure(.unsupportedVersion(2)))
        var count = good
        count.replaceSubrange(12..<16, with: littleEndian(65))
        XCTAssertEqual(open(count), .failure(.tooManyImages(count: 65, limit: 64)))
        var table = good
        table.replaceSubrange(12..<16, with: littleEndian(64))  // entries 2... are zero bytes: no name
        XCTAssertEqual(open(table), .failure(.badEntry(index: 2)))
        XCTAssertEqual(open(Array(good.prefix(8192 + 4999))), .failure(.badEntry(index: 1)))
        var misaligned = good
        misaligned.replaceSubrange((16 + 32)..<(16 + 36), with: littleEndian(4097))
        XCTAssertEqual(open(misaligned), .failure(.badEntry(index: 0)))
        var intoTable = good
        intoTable.replaceSubrange((16 + 32)..<(16 + 36), with: littleEndian(0))
        XCTAssertEqual(open(intoTable), .failure(.badEntry(index: 0)))
        var huge = good
        huge.replaceSubrange((16 + 40 + 36)..<(16 + 40 + 40), with: littleEndian(0xFFFF_FFFF))
        XCTAssertEqual(open(huge), .failure(.badEntry(index: 1)))
        var overlapping = good
        overlapping.replaceSubrange((16 + 40 + 32)..<(16 + 40 + 36), with: littleEndian(4096))
        XCTAssertEqual(open(overlapping), .failure(.badEntry(index: 1)))
        var duplicate = good
        duplicate[16 + 40] = UInt8(ascii: "a")
        XCTAssertEqual(open(duplicate), .failure(.duplicateName(index: 1)))
        var unnamed = good
        unnamed[16] = 0
        XCTAssertEqual(open(unnamed), .failure(.badEntry(index: 0)))
    }

    /// Random corruptions of a valid pack never crash: they open or fail.
    func testRandomCorruptionsNeverCrash() {
        var random = SplitMix64(seed: 77)
        let good = samplePack()
        for round in 0..<2000 {
            var bytes = good
            if round % 3 == 0 {
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
            } else {
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    bytes[Int(random.next() % 96)] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            bytes.withUnsafeBytes { raw in
                guard let pack = try? ImagePack(raw) else { return }
                for index in 0..<pack.count {
                    let image = pack.image(at: index)
                    _ = image.reduce(0, &+)
                    _ = pack.image(named: pack.name(of: index))
                }
            }
        }
    }
}
