// The image pack: every guest image a configuration names, in one blob linked
// into the hypervisor beside the DTB. Written by `apus pack` (host), read here.
//
// Layout (little-endian, like the CPU; offsets from the start of the pack):
//   0   magic   "APUSPACK" (8 bytes)
//   8   version u32 = 1
//   12  count   u32, at most ImagePack.maximumImages
//   16  count entries of 40 bytes: name (32 bytes, NUL-padded; a 32-byte name
//       has no NUL), offset u32, size u32
//   data: each image at its offset, a multiple of 4096, after the entry table;
//       images do not overlap. Aligned so that images can be copied (or, later,
//       mapped) a page at a time.

public enum ImagePackError: Error, Equatable, Sendable {
    case truncated
    case badMagic
    case unsupportedVersion(UInt32)
    case tooManyImages(count: UInt32, limit: Int)
    /// Entry `index` is malformed: empty name, misaligned or out-of-bounds data, or overlapping another.
    case badEntry(index: Int)
    case duplicateName(index: Int)

    public func write<Sink: TextSink>(to sink: inout Sink) {
        switch self {
        case .truncated: sink.write("image pack is truncated")
        case .badMagic: sink.write("not an image pack (magic is not APUSPACK)")
        case .unsupportedVersion(let version):
            sink.write("image pack version ")
            sink.write(decimal: version)
            sink.write(" is not supported (expected 1)")
        case .tooManyImages(let count, let limit):
            sink.write("image pack holds ")
            sink.write(decimal: count)
            sink.write(" images, at most ")
            sink.write(count: limit)
            sink.write(" are supported")
        case .badEntry(let index):
            sink.write("image pack entry ")
            sink.write(count: index)
            sink.write(" is malformed (name, alignment or bounds)")
        case .duplicateName(let index):
            sink.write("image pack entry ")
            sink.write(count: index)
            sink.write(" repeats an earlier name")
        }
    }
}

public struct ImagePack {
    public static let magic: StaticString = "APUSPACK"
    public static let version: UInt32 = 1
    public static let nameCapacity = 32
    public static let headerSize = 16
    public static let entrySize = 40
    public static let alignment = 4096
    public static let maximumImages = 64

    public let bytes: UnsafeRawBufferPointer
    public let count: Int

    /// Checks the whole pack up front; lookups then only compare names.
    public init(_ buffer: UnsafeRawBufferPointer) throws(ImagePackError) {
        guard buffer.count >= ImagePack.headerSize else { throw .truncated }
        let magicMatches = ImagePack.magic.withUTF8Buffer { magic in
            for i in 0..<magic.count where buffer[i] != magic[i] { return false }
            return true
        }
        guard magicMatches else { throw .badMagic }
        let version = buffer.littleEndianWord(at: 8) ?? 0
        guard version == ImagePack.version else { throw .unsupportedVersion(version) }
        let rawCount = buffer.littleEndianWord(at: 12) ?? 0
        guard rawCount <= UInt32(ImagePack.maximumImages) else {
            throw .tooManyImages(count: rawCount, limit: ImagePack.maximumImages)
        }
        let count = Int(rawCount)
        let tableEnd = ImagePack.headerSize + count * ImagePack.entrySize
        guard tableEnd <= buffer.count else { throw .truncated }
        bytes = buffer
        self.count = count
        for index in 0..<count {
            let entry = self.entry(index)
            guard entry.name.count > 0, entry.offset % ImagePack.alignment == 0, entry.offset >= tableEnd,
                  entry.offset <= buffer.count, entry.size <= buffer.count - entry.offset else {
                throw .badEntry(index: index)
            }
            for earlier in 0..<index {
                let other = self.entry(earlier)
                if bytes.slice(nameOf: earlier, equalsNameOf: index) { throw .duplicateName(index: index) }
                if entry.offset < other.offset + other.size && other.offset < entry.offset + entry.size {
                    throw .badEntry(index: index)
                }
            }
        }
    }

    /// Entry `index`: where its name is, and its data's offset and size (unchecked).
    func entry(_ index: Int) -> (name: FDTSlice, offset: Int, size: Int) {
        let start = ImagePack.headerSize + index * ImagePack.entrySize
        var length = 0
        while length < ImagePack.nameCapacity, bytes[start + length] != 0 { length += 1 }
        // Clamp so that a huge word cannot trap the conversion on the 32-bit target.
        func clamped(_ word: UInt32?) -> Int { Int(min(word ?? UInt32.max, UInt32(Int32.max))) }
        return (FDTSlice(offset: start, count: length),
                clamped(bytes.littleEndianWord(at: start + 32)), clamped(bytes.littleEndianWord(at: start + 36)))
    }

    /// The name of image `index` (bytes, no NUL).
    public func name(of index: Int) -> UnsafeRawBufferPointer {
        let name = entry(index).name
        return UnsafeRawBufferPointer(rebasing: bytes[name.offset..<(name.offset + name.count)])
    }

    /// The bytes of image `index`.
    public func image(at index: Int) -> UnsafeRawBufferPointer {
        let e = entry(index)
        return UnsafeRawBufferPointer(rebasing: bytes[e.offset..<(e.offset + e.size)])
    }

    /// The image whose name is exactly `name`.
    public func image(named name: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        for index in 0..<count {
            let candidate = self.name(of: index)
            guard candidate.count == name.count else { continue }
            var same = true
            for i in 0..<name.count where candidate[i] != name[i] { same = false; break }
            if same { return image(at: index) }
        }
        return nil
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func littleEndianWord(at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= count - 4 else { return nil }
        return UInt32(self[offset]) | UInt32(self[offset + 1]) &<< 8
            | UInt32(self[offset + 2]) &<< 16 | UInt32(self[offset + 3]) &<< 24
    }

    /// Whether the names of pack entries `a` and `b` are equal.
    fileprivate func slice(nameOf a: Int, equalsNameOf b: Int) -> Bool {
        let first = ImagePack.headerSize + a * ImagePack.entrySize
        let second = ImagePack.headerSize + b * ImagePack.entrySize
        for i in 0..<ImagePack.nameCapacity where self[first + i] != self[second + i] { return false }
        return true
    }
}
