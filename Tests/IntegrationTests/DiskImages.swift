import Foundation
import TestSupport
import XCTest

/// Disk images for the virtio-blk systems: sparse, zeroed files in the
/// temporary folder, the QEMU arguments that attach them, and the image's
/// words as the host reads them back.
enum DiskImages {
    /// A new image of `bytes`, removed when `test` ends.
    static func make(bytes: UInt64, for test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("apus-disk-\(UUID().uuidString).img")
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: bytes)
        try handle.close()
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// `-drive`/`-device` pairs attaching `images` in order: QEMU puts the
    /// first on virtio-mmio transport 3, the second on transport 2.
    static func arguments(_ images: [URL]) -> [String] {
        images.enumerated().flatMap { index, image in
            ["-drive", "if=none,id=d\(index),format=raw,file=\(image.path)", "-device", "virtio-blk-device,drive=d\(index)"]
        }
    }

    /// Little-endian u32 at `offset` of an image's bytes.
    static func word(_ data: Data, _ offset: Int) -> UInt32 {
        data[offset..<(offset + 4)].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }
}
