// Nodes and properties of a checked FDT, and iteration over them. A node is
// named by the offset of its BEGIN_NODE token, which is stable and small, so
// config records and error values can refer to nodes without pointers.

/// A node of the tree.
public struct FDTNode: Equatable, Hashable, Sendable {
    /// Offset of the node's BEGIN_NODE token in the blob.
    public var offset: Int
    /// The node's name including any unit address (`vm@0`); empty for the root.
    public var name: FDTSlice
    /// Offset of the first token after the name.
    var contentOffset: Int

    /// No node: for configurations built in code (tests) rather than read from a tree.
    public static let none = FDTNode(offset: -1, name: .empty, contentOffset: -1)
}

/// A property: its name (in the strings block) and its raw value bytes.
public struct FDTProperty: Equatable, Sendable {
    public var name: FDTSlice
    public var value: FDTSlice
}

extension FDT {
    /// The root node (`/`).
    public var root: FDTNode { node(at: structureStart)! }

    /// The node whose BEGIN_NODE token is at `offset` (after NOPs), if any.
    func node(at offset: Int) -> FDTNode? {
        var offset = offset
        while bytes.bigEndianWord(at: offset) == Token.nop.rawValue { offset += 4 }
        guard bytes.bigEndianWord(at: offset) == Token.beginNode.rawValue,
              let length = bytes.terminatedLength(at: offset + 4, limit: structureEnd) else { return nil }
        return FDTNode(offset: offset, name: FDTSlice(offset: offset + 4, count: length),
                       contentOffset: alignedToWord(offset + 4 + length + 1))
    }

    /// The properties of `node`, in blob order.
    public func properties(of node: FDTNode) -> FDTPropertyIterator {
        FDTPropertyIterator(fdt: self, start: node.contentOffset)
    }

    /// The direct children of `node`, in blob order.
    public func children(of node: FDTNode) -> FDTChildIterator {
        FDTChildIterator(fdt: self, start: node.contentOffset)
    }

    /// The property of `node` called `name`.
    public func property(_ name: StaticString, of node: FDTNode) -> FDTProperty? {
        var iterator = properties(of: node)
        while let property = iterator.next() {
            if bytes.slice(property.name, equals: name) { return property }
        }
        return nil
    }

    /// The direct child of `node` whose full name is `name`.
    public func child(_ name: StaticString, of node: FDTNode) -> FDTNode? {
        var iterator = children(of: node)
        while let child = iterator.next() {
            if bytes.slice(child.name, equals: name) { return child }
        }
        return nil
    }

    /// Whether the node's name, up to any `@unit-address`, is `base`.
    public func node(_ node: FDTNode, isNamed base: StaticString) -> Bool {
        var length = 0
        while length < node.name.count, bytes[node.name.offset + length] != 0x40 { length += 1 }  // "@"
        return bytes.slice(FDTSlice(offset: node.name.offset, count: length), equals: base)
    }

    /// The token offset after a PROP token's value, or nil past the block.
    func propertyEnd(at offset: Int) -> (FDTProperty, Int)? {
        guard let length = bytes.bigEndianWord(at: offset + 4),
              let nameOffset = bytes.bigEndianWord(at: offset + 8),
              length <= UInt32(max(0, structureEnd - offset - 12)),
              nameOffset < UInt32(max(0, stringsEnd - stringsStart)),
              let nameLength = bytes.terminatedLength(at: stringsStart + Int(nameOffset), limit: stringsEnd)
        else { return nil }
        let property = FDTProperty(name: FDTSlice(offset: stringsStart + Int(nameOffset), count: nameLength),
                                   value: FDTSlice(offset: offset + 12, count: Int(length)))
        return (property, alignedToWord(offset + 12 + Int(length)))
    }

    /// The offset just past the END_NODE of the node whose BEGIN_NODE is at `offset`.
    func skipNode(at offset: Int) -> Int? {
        guard let first = node(at: offset) else { return nil }
        var cursor = first.contentOffset
        var depth = 1
        while depth > 0 {
            guard let raw = bytes.bigEndianWord(at: cursor), cursor < structureEnd,
                  let token = Token(rawValue: raw) else { return nil }
            switch token {
            case .beginNode:
                guard let inner = node(at: cursor) else { return nil }
                cursor = inner.contentOffset
                depth += 1
            case .endNode:
                cursor += 4
                depth -= 1
            case .property:
                guard let step = propertyEnd(at: cursor) else { return nil }
                cursor = step.1
            case .nop:
                cursor += 4
            case .end:
                return nil
            }
        }
        return cursor
    }
}

/// The properties of one node.
/// (A plain iterator, not a Sequence: Sequence brings Array-building defaults
/// that -no-allocations rejects. Use `while let x = iterator.next()`.)
public struct FDTPropertyIterator: IteratorProtocol {
    let fdt: FDT
    var cursor: Int

    init(fdt: FDT, start: Int) { self.fdt = fdt; cursor = start }

    public mutating func next() -> FDTProperty? {
        while let raw = fdt.bytes.bigEndianWord(at: cursor), cursor < fdt.structureEnd {
            if raw == FDT.Token.nop.rawValue { cursor += 4; continue }
            guard raw == FDT.Token.property.rawValue, let step = fdt.propertyEnd(at: cursor) else {
                return nil
            }
            cursor = step.1
            return step.0
        }
        return nil
    }
}

/// The direct children of one node.
public struct FDTChildIterator: IteratorProtocol {
    let fdt: FDT
    var cursor: Int

    init(fdt: FDT, start: Int) { self.fdt = fdt; cursor = start }

    public mutating func next() -> FDTNode? {
        // Step over the parent's properties first (they precede its children).
        while let raw = fdt.bytes.bigEndianWord(at: cursor), cursor < fdt.structureEnd {
            if raw == FDT.Token.nop.rawValue { cursor += 4; continue }
            if raw == FDT.Token.property.rawValue {
                guard let step = fdt.propertyEnd(at: cursor) else { return nil }
                cursor = step.1
                continue
            }
            guard raw == FDT.Token.beginNode.rawValue, let child = fdt.node(at: cursor),
                  let next = fdt.skipNode(at: cursor) else { return nil }
            cursor = next
            return child
        }
        return nil
    }
}
