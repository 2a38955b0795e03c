import Foundation
import HypervisorCore

/// Why an image pack could not be made.
public struct PackError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Writes the image pack format that `ImagePack` (HypervisorCore) reads; the
/// layout is documented there and in docs/CONFIG.md.
public enum ImagePackWriter {
    /// A pack of `images` (name, bytes), in the given order.
    public static func pack(_ images: [(name: String, bytes: [UInt8])]) throws(PackError) -> [UInt8] {
        guard images.count <= ImagePack.maximumImages else {
            throw PackError(message: "\(images.count) images, an image pack holds at most \(ImagePack.maximumImages)")
        }
        var seen = Set<String>()
        for image in images {
            let length = image.name.utf8.count
            guard length > 0, length <= ImagePack.nameCapacity, !image.name.utf8.contains(0) else {
                throw PackError(message: "image name \"\(image.name)\" must be 1 to \(ImagePack.nameCapacity) bytes")
            }
            guard seen.insert(image.name).inserted else { throw PackError(message: "image \"\(image.name)\" named twice") }
        }
        var out: [UInt8] = Array("APUSPACK".utf8)
        append(ImagePack.version, to: &out)
        append(UInt32(images.count), to: &out)
        var offset = aligned(ImagePack.headerSize + images.count * ImagePack.entrySize)
        var offsets: [Int] = []
        for image in images {
            offsets.append(offset)
            offset = aligned(offset + image.bytes.count)
        }
        guard offset <= Int(UInt32.max) else { throw PackError(message: "images too large for a pack (4 GiB)") }
        for (image, start) in zip(images, offsets) {
            var name = Array(image.name.utf8)
            name += [UInt8](repeating: 0, count: ImagePack.nameCapacity - name.count)
            out += name
            append(UInt32(start), to: &out)
            append(UInt32(image.bytes.count), to: &out)
        }
        for (image, start) in zip(images, offsets) {
            out += [UInt8](repeating: 0, count: start - out.count)
            out += image.bytes
        }
        return out
    }

    static func aligned(_ value: Int) -> Int { (value + ImagePack.alignment - 1) / ImagePack.alignment * ImagePack.alignment }

    static func append(_ value: UInt32, to out: inout [UInt8]) {
        out += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }
}
