import ApusTools
import Foundation
import HypervisorCore
import XCTest

/// The host's image pack writer against the core's reader, and `apus pack`'s logic.
final class PackWriterTests: XCTestCase {
    func testRoundTrip() throws {
        let images: [(name: String, bytes: [UInt8])] = [
            ("rt.bin", Array(0..<200).map { UInt8($0) }),
            ("empty.bin", []),
            (String(repeating: "n", count: 32), [UInt8](repeating: 9, count: 4097)),
        ]
        let pack = try ImagePackWriter.pack(images)
        XCTAssertEqual(Array(pack.prefix(8)), Array("APUSPACK".utf8))
        try pack.withUnsafeBytes { raw in
            let reader = try ImagePack(raw)
            XCTAssertEqual(reader.count, 3)
            for image in images {
                let found = try XCTUnwrap(Array(image.name.utf8).withUnsafeBytes { reader.image(named: $0) }, image.name)
                XCTAssertEqual(Array(found), image.bytes)
                XCTAssertEqual((Int(bitPattern: found.baseAddress) - Int(bitPattern: raw.baseAddress)) % 4096, 0, "data is 4 KiB aligned")
            }
        }
    }

    func testWriterRefusesBadNames() {
        XCTAssertThrowsError(try ImagePackWriter.pack([(String(repeating: "n", count: 33), [1])]))
        XCTAssertThrowsError(try ImagePackWriter.pack([("", [1])]))
        XCTAssertThrowsError(try ImagePackWriter.pack([("a", [1]), ("a", [2])]))
    }

    func testPacksTheImagesAConfigurationNames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("apus-pack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rt = GuestImageFixture.bytes(size: 40, fill: 1), load = GuestImageFixture.bytes(size: 30, fill: 2)
        try rt.write(to: directory.appendingPathComponent("rt.bin"))
        try load.write(to: directory.appendingPathComponent("load.bin"))
        try Data([6]).write(to: directory.appendingPathComponent("unused.bin"))
        let config = CheckRulesTests.repository.appendingPathComponent("Configs/two-vms.dts").path
        let blob = try ConfigInput.deviceTreeBlob(path: config)
        let options = CheckOptions(imagesDirectory: directory.path)
        let pack = try ConfigPack.pack(blob: blob, options: options).get()
        try pack.withUnsafeBytes { raw in
            let reader = try ImagePack(raw)
            XCTAssertEqual(reader.count, 2)
            XCTAssertEqual(Array(reader.image(at: 0)), Array(rt))
            XCTAssertEqual(Array(reader.image(at: 1)), Array(load))
        }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("load.bin"))
        guard case .failure(.invalid(let failure)) = ConfigPack.pack(blob: blob, options: options) else {
            return XCTFail("a missing image was packed")
        }
        XCTAssertEqual(failure.message, "/vm@1: property \"image\": image \"load.bin\" not found in \(directory.path)")
    }
}
