// Typed reads of property values: 32-bit cells, one string, a string list.
// All return nil when the value does not have the asked-for shape, so the
// config parser can name the property and say what shape was expected.

extension FDT {
    /// The number of 32-bit cells in the value, or nil if its length is not a multiple of 4.
    public func cellCount(of property: FDTProperty) -> Int? {
        property.value.count % 4 == 0 ? property.value.count / 4 : nil
    }

    /// Cell `index` of the value (big-endian), or nil past its end.
    public func cell(_ index: Int, of property: FDTProperty) -> UInt32? {
        guard index >= 0, index < property.value.count / 4 else { return nil }
        return bytes.bigEndianWord(at: property.value.offset + index * 4)
    }

    /// The value as one non-empty NUL-terminated string (without the NUL), or nil.
    public func string(of property: FDTProperty) -> FDTSlice? {
        let value = property.value
        guard value.count >= 2, let length = bytes.terminatedLength(at: value.offset, limit: value.offset + value.count),
              length == value.count - 1 else { return nil }
        return FDTSlice(offset: value.offset, count: length)
    }

    /// The value as a string list (`"a", "b"`): the strings, or nil when the
    /// value is empty, unterminated or holds an empty string.
    public func strings(of property: FDTProperty) -> FDTStringList? {
        let value = property.value
        guard value.count >= 2, value.offset >= 0, value.offset <= bytes.count - value.count,
              bytes[value.offset + value.count - 1] == 0 else { return nil }
        var i = value.offset
        let end = value.offset + value.count
        while i < end {
            guard let length = bytes.terminatedLength(at: i, limit: end), length > 0 else { return nil }
            i += length + 1
        }
        return FDTStringList(bytes: bytes, cursor: value.offset, end: end)
    }

    /// Whether a string-list value contains `text`.
    public func property(_ property: FDTProperty, contains text: StaticString) -> Bool {
        guard var list = strings(of: property) else { return false }
        while let item = list.next() {
            if bytes.slice(item, equals: text) { return true }
        }
        return false
    }

    /// Whether the bytes of `slice` are `text`.
    public func slice(_ slice: FDTSlice, equals text: StaticString) -> Bool {
        bytes.slice(slice, equals: text)
    }

    /// Whether two slices of the blob hold the same bytes.
    public func slice(_ a: FDTSlice, equals b: FDTSlice) -> Bool { bytes.slice(a, equals: b) }

    /// The bytes of a slice (empty if it lies outside the blob).
    public func bytes(of slice: FDTSlice) -> UnsafeRawBufferPointer {
        guard slice.offset >= 0, slice.count >= 0, slice.offset <= bytes.count - slice.count else {
            return UnsafeRawBufferPointer(rebasing: bytes[0..<0])
        }
        return UnsafeRawBufferPointer(rebasing: bytes[slice.offset..<(slice.offset + slice.count)])
    }
}

/// The strings of a checked string-list value.
public struct FDTStringList: IteratorProtocol {
    let bytes: UnsafeRawBufferPointer
    var cursor: Int
    let end: Int

    public mutating func next() -> FDTSlice? {
        guard cursor < end, let length = bytes.terminatedLength(at: cursor, limit: end) else { return nil }
        defer { cursor += length + 1 }
        return FDTSlice(offset: cursor, count: length)
    }
}

extension TextSink {
    /// Writes DTB bytes as text, replacing anything unprintable with `?` so
    /// that a hostile or corrupted name cannot send control codes to a terminal.
    public mutating func write(_ slice: FDTSlice, of fdt: FDT) {
        for byte in fdt.bytes(of: slice) {
            write(byte: byte >= 0x20 && byte < 0x7F ? byte : 0x3F)
        }
    }
}
