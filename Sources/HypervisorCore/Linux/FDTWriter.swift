// Writes a flattened device tree (DTB, version 17) into a caller's buffer,
// without allocating: the structure block grows from the front, the strings
// block is kept in a fixed area at the back and moved up behind the
// structure by `finish`. Property names are stored once (looked up before
// appending). Format facts as in FDT.swift (the reader).

public struct FDTWriter {
    /// Bytes reserved at the end of the buffer for property names.
    public static let stringsCapacity = 512
    static let reservationMapSize = 16  // one terminating (0, 0) entry

    let buffer: UnsafeMutableRawBufferPointer
    private var structureEnd: Int
    private var stringsLength = 0
    private var depth = 0
    /// Something did not fit, or the nodes are unbalanced: `finish` returns nil.
    public private(set) var failed = false

    public init(buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
        structureEnd = FDT.headerSize + FDTWriter.reservationMapSize
        if buffer.count < structureEnd + FDTWriter.stringsCapacity { failed = true }
    }

    private var stringsStart: Int { buffer.count - FDTWriter.stringsCapacity }

    public mutating func beginNode(_ name: StaticString) {
        token(.beginNode)
        name.withUTF8Buffer { bytes(UnsafeRawBufferPointer($0), terminated: true) }
        depth += 1
    }

    /// A node named `name@<unit in hex>`.
    public mutating func beginNode(_ name: StaticString, unit: UInt32) {
        token(.beginNode)
        name.withUTF8Buffer { bytes(UnsafeRawBufferPointer($0), terminated: false, pad: false) }
        var digits = InlineArray<9, UInt8>(repeating: 0)
        digits[0] = UInt8(ascii: "@")
        var count = 1
        var started = false
        var shift: UInt32 = 32
        while shift > 0 {
            shift -= 4
            let nibble = UInt8(truncatingIfNeeded: (unit >> shift) & 0xF)
            if nibble == 0 && !started && shift != 0 { continue }
            started = true
            digits[count] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            count += 1
        }
        for i in 0..<count { byte(digits[i]) }
        byte(0)
        align()
        depth += 1
    }

    public mutating func endNode() {
        if depth == 0 { failed = true; return }
        token(.endNode)
        depth -= 1
    }

    /// A property with no value (a flag such as `interrupt-controller`).
    public mutating func property(_ name: StaticString) {
        propertyHeader(name, length: 0)
    }

    public mutating func property(_ name: StaticString, cell: UInt32) {
        propertyHeader(name, length: 4)
        word(cell)
    }

    public mutating func property(_ name: StaticString, cells first: UInt32, _ second: UInt32) {
        propertyHeader(name, length: 8)
        word(first)
        word(second)
    }

    /// A property of `count` cells produced by `cell(index)`.
    public mutating func property(_ name: StaticString, count: Int, cell: (Int) -> UInt32) {
        propertyHeader(name, length: count * 4)
        for index in 0..<count { word(cell(index)) }
    }

    /// A string list: each string NUL-terminated.
    public mutating func property(_ name: StaticString, strings first: StaticString, _ second: StaticString? = nil) {
        let length = first.utf8CodeUnitCount + 1 + (second.map { $0.utf8CodeUnitCount + 1 } ?? 0)
        propertyHeader(name, length: length)
        first.withUTF8Buffer { bytes(UnsafeRawBufferPointer($0), terminated: true, pad: false) }
        second?.withUTF8Buffer { bytes(UnsafeRawBufferPointer($0), terminated: true, pad: false) }
        align()
    }

    /// A string property from bytes (e.g. bootargs from the configuration); stops at a NUL.
    public mutating func property(_ name: StaticString, text: UnsafeRawBufferPointer) {
        var length = 0
        while length < text.count, text[length] != 0 { length += 1 }
        propertyHeader(name, length: length + 1)
        bytes(UnsafeRawBufferPointer(rebasing: text[0..<length]), terminated: true)
    }

    /// Ends the tree: the total size, or nil when it did not fit or is unbalanced.
    public mutating func finish() -> Int? {
        token(.end)
        guard !failed, depth == 0 else { return nil }
        let structureSize = structureEnd - (FDT.headerSize + FDTWriter.reservationMapSize)
        let stringsOffset = structureEnd
        // Move the names up behind the structure block (the areas may not overlap backwards).
        for i in 0..<stringsLength { buffer[stringsOffset + i] = buffer[stringsStart + i] }
        let total = stringsOffset + stringsLength
        for i in 0..<FDTWriter.reservationMapSize { buffer[FDT.headerSize + i] = 0 }
        store(FDT.magic, at: 0)
        store(UInt32(truncatingIfNeeded: total), at: 4)
        store(UInt32(truncatingIfNeeded: FDT.headerSize + FDTWriter.reservationMapSize), at: 8)
        store(UInt32(truncatingIfNeeded: stringsOffset), at: 12)
        store(UInt32(truncatingIfNeeded: FDT.headerSize), at: 16)  // the reservation map
        store(17, at: 20)  // version
        store(16, at: 24)  // last compatible version
        store(0, at: 28)   // boot CPU
        store(UInt32(truncatingIfNeeded: stringsLength), at: 32)
        store(UInt32(truncatingIfNeeded: structureSize), at: 36)
        return total
    }

    // MARK: Encoding

    private mutating func propertyHeader(_ name: StaticString, length: Int) {
        token(.property)
        word(UInt32(truncatingIfNeeded: length))
        word(UInt32(truncatingIfNeeded: nameOffset(name)))
    }

    /// The offset of `name` in the strings block, adding it when new.
    private mutating func nameOffset(_ name: StaticString) -> Int {
        name.withUTF8Buffer { wanted -> Int in
            var start = 0
            while start < stringsLength {
                var length = 0
                while buffer[stringsStart + start + length] != 0 { length += 1 }
                if length == wanted.count {
                    var same = true
                    for i in 0..<length where buffer[stringsStart + start + i] != wanted[i] { same = false; break }
                    if same { return start }
                }
                start += length + 1
            }
            guard stringsLength + wanted.count + 1 <= FDTWriter.stringsCapacity else { failed = true; return 0 }
            for i in 0..<wanted.count { buffer[stringsStart + stringsLength + i] = wanted[i] }
            buffer[stringsStart + stringsLength + wanted.count] = 0
            stringsLength += wanted.count + 1
            return start
        }
    }

    private mutating func token(_ token: FDT.Token) { word(token.rawValue) }

    private mutating func word(_ value: UInt32) {
        guard structureEnd + 4 <= stringsStart else { failed = true; return }
        store(value, at: structureEnd)
        structureEnd += 4
    }

    private mutating func byte(_ value: UInt8) {
        guard structureEnd < stringsStart else { failed = true; return }
        buffer[structureEnd] = value
        structureEnd += 1
    }

    private mutating func bytes(_ text: UnsafeRawBufferPointer, terminated: Bool, pad: Bool = true) {
        for b in text { byte(b) }
        if terminated { byte(0) }
        if pad { align() }
    }

    private mutating func align() {
        while structureEnd & 3 != 0 { byte(0) }
    }

    private func store(_ value: UInt32, at offset: Int) {
        buffer[offset] = UInt8(truncatingIfNeeded: value >> 24)
        buffer[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        buffer[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        buffer[offset + 3] = UInt8(truncatingIfNeeded: value)
    }
}
