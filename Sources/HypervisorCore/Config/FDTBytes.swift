// Bounds-checked big-endian reads from the DTB buffer. Every read in the FDT
// reader goes through here, so a corrupted offset yields nil, not a fault.

/// A span of bytes inside the DTB (a node name, a property name or value), by
/// offset so that it can live in error values and config records without
/// holding a pointer.
public struct FDTSlice: Equatable, Hashable, Sendable {
    public var offset: Int
    public var count: Int
    public init(offset: Int, count: Int) { self.offset = offset; self.count = count }
    public static let empty = FDTSlice(offset: 0, count: 0)
}

extension UnsafeRawBufferPointer {
    /// The big-endian 32-bit word at `offset`, or nil when it does not fit.
    @inline(__always)
    func bigEndianWord(at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= count - 4 else { return nil }
        return UInt32(self[offset]) &<< 24 | UInt32(self[offset + 1]) &<< 16
            | UInt32(self[offset + 2]) &<< 8 | UInt32(self[offset + 3])
    }

    /// The length of the NUL-terminated string at `offset` if its NUL lies before `limit`.
    func terminatedLength(at offset: Int, limit: Int) -> Int? {
        guard offset >= 0 else { return nil }
        let stop = Swift.min(limit, count)
        var i = offset
        while i < stop {
            if self[i] == 0 { return i - offset }
            i += 1
        }
        return nil
    }

    /// Whether the bytes of `slice` equal `text`.
    func slice(_ slice: FDTSlice, equals text: StaticString) -> Bool {
        guard slice.offset >= 0, slice.count >= 0, slice.offset <= count - slice.count,
              slice.count == text.utf8CodeUnitCount else { return false }
        return text.withUTF8Buffer { expected in
            for i in 0..<slice.count where self[slice.offset + i] != expected[i] { return false }
            return true
        }
    }

    /// Whether two slices of this buffer hold the same bytes.
    func slice(_ a: FDTSlice, equals b: FDTSlice) -> Bool {
        guard a.count == b.count, a.offset >= 0, b.offset >= 0,
              a.offset <= count - a.count, b.offset <= count - b.count else { return false }
        for i in 0..<a.count where self[a.offset + i] != self[b.offset + i] { return false }
        return true
    }
}

/// Rounds up to the next multiple of four (structure block tokens are word-aligned).
@inline(__always)
func alignedToWord(_ offset: Int) -> Int { (offset + 3) & ~3 }
