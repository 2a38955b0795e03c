// A read-only view of a flattened device tree (DTB, format version 17).
//
// `init` checks the header and then walks the whole structure block once,
// checking every token, name and property against the buffer. After that the
// node and property accessors cannot meet malformed data, so they do not throw;
// they still read through bounds-checked helpers (FDTBytes.swift) so that even
// a reader bug cannot read outside the buffer.
//
// Facts (Devicetree Specification v0.4, ch. 5): big-endian words; header of ten
// words; structure block tokens BEGIN_NODE 1 (NUL-terminated name, padded to 4),
// END_NODE 2, PROP 3 (length, name offset, value padded to 4), NOP 4, END 9.

public struct FDT {
    /// The tree's bytes, cut to the header's total size.
    public let bytes: UnsafeRawBufferPointer
    let structureStart: Int
    let structureEnd: Int
    let stringsStart: Int
    let stringsEnd: Int

    /// Deepest nesting accepted (the root is depth 1); bounds the path renderer's stack.
    public static let maximumDepth = 16

    static let magic: UInt32 = 0xD00D_FEED
    static let headerSize = 40

    enum Token: UInt32 {
        case beginNode = 1, endNode = 2, property = 3, nop = 4, end = 9
    }

    public init(_ buffer: UnsafeRawBufferPointer) throws(FDTError) {
        guard buffer.count >= FDT.headerSize, let magic = buffer.bigEndianWord(at: 0) else {
            throw .truncated(needed: FDT.headerSize, available: buffer.count)
        }
        guard magic == FDT.magic else { throw .badMagic(found: magic) }
        // Header words as Int; on the 32-bit target a word above Int.max becomes
        // Int.max, which every bounds check below then rejects.
        func word(_ index: Int) -> Int {
            let value = buffer.bigEndianWord(at: index * 4) ?? 0
            return value > UInt32(Int32.max) ? Int(Int32.max) : Int(value)
        }
        let totalSize = word(1)
        guard totalSize >= FDT.headerSize, totalSize <= buffer.count else {
            throw .truncated(needed: totalSize, available: buffer.count)
        }
        let version = UInt32(truncatingIfNeeded: word(5))
        let lastCompatible = UInt32(truncatingIfNeeded: word(6))
        guard version >= 17, lastCompatible <= 17 else {
            throw .unsupportedVersion(version: version, lastCompatible: lastCompatible)
        }
        let structureOffset = word(2), stringsOffset = word(3), reservationsOffset = word(4)
        let stringsSize = word(8), structureSize = word(9)
        // Int is 32 bits on the target: compare without adding, so nothing can wrap.
        guard structureOffset >= FDT.headerSize, structureOffset % 4 == 0, structureSize % 4 == 0,
              structureOffset <= totalSize, structureSize <= totalSize - structureOffset else {
            throw .badBlock(.structure)
        }
        guard stringsOffset >= FDT.headerSize, stringsOffset <= totalSize,
              stringsSize <= totalSize - stringsOffset else {
            throw .badBlock(.strings)
        }
        guard reservationsOffset >= FDT.headerSize, reservationsOffset % 8 == 0,
              reservationsOffset <= totalSize - 16 else {
            throw .badBlock(.memoryReservations)
        }
        bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<totalSize])
        structureStart = structureOffset
        structureEnd = structureOffset + structureSize
        stringsStart = stringsOffset
        stringsEnd = stringsOffset + stringsSize
        try checkStructure()
    }

    /// One pass over the structure block: a single root node, balanced nesting,
    /// properties before child nodes, names and values inside the block, property
    /// names inside the strings block, and END last.
    private func checkStructure() throws(FDTError) {
        var offset = structureStart
        var depth = 0
        var sawRoot = false
        var childSeen = false  // a child node has begun at the current depth
        while true {
            guard let raw = bytes.bigEndianWord(at: offset), offset + 4 <= structureEnd,
                  let token = Token(rawValue: raw) else {
                throw .badStructure(offset: offset)
            }
            let tokenOffset = offset
            offset += 4
            switch token {
            case .beginNode:
                if depth == 0 && sawRoot { throw .badStructure(offset: tokenOffset) }
                guard let length = bytes.terminatedLength(at: offset, limit: structureEnd) else {
                    throw .badStructure(offset: tokenOffset)
                }
                // Only the root has an empty name.
                if (depth == 0) != (length == 0) { throw .badStructure(offset: tokenOffset) }
                offset = alignedToWord(offset + length + 1)
                depth += 1
                if depth > FDT.maximumDepth { throw .tooDeep(limit: FDT.maximumDepth) }
                sawRoot = true
                childSeen = false
            case .endNode:
                if depth == 0 { throw .badStructure(offset: tokenOffset) }
                depth -= 1
                childSeen = true
            case .property:
                if depth == 0 || childSeen { throw .badStructure(offset: tokenOffset) }
                guard let length = bytes.bigEndianWord(at: offset),
                      let nameOffset = bytes.bigEndianWord(at: offset + 4),
                      offset + 8 <= structureEnd else {
                    throw .badStructure(offset: tokenOffset)
                }
                let valueStart = offset + 8
                guard length <= UInt32(structureEnd - valueStart) else { throw .badStructure(offset: tokenOffset) }
                guard nameOffset < UInt32(stringsEnd - stringsStart),
                      let nameLength = bytes.terminatedLength(at: stringsStart + Int(nameOffset), limit: stringsEnd),
                      nameLength > 0 else {
                    throw .badPropertyName(offset: tokenOffset)
                }
                offset = alignedToWord(valueStart + Int(length))
                if offset > structureEnd { throw .badStructure(offset: tokenOffset) }
            case .nop:
                break
            case .end:
                if depth != 0 || !sawRoot { throw .badStructure(offset: tokenOffset) }
                return
            }
        }
    }
}
