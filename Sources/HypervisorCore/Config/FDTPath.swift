// Paths: find a node by `/a/b`, and write the path of a node (for messages).

extension FDT {
    /// The node at an absolute path such as `/hypervisor` or `/vm@0/device@1c0a0000`.
    public func node(atPath path: StaticString) -> FDTNode? {
        path.withUTF8Buffer { text -> FDTNode? in
            guard text.count >= 1, text[0] == 0x2F else { return nil }  // "/"
            var current = root
            var start = 1
            while start < text.count {
                var stop = start
                while stop < text.count, text[stop] != 0x2F { stop += 1 }
                var found: FDTNode?
                var iterator = children(of: current)
                while let child = iterator.next() {
            guard child.name.count == stop - start else { continue }
                    var same = true
                    for i in 0..<child.name.count where bytes[child.name.offset + i] != text[start + i] {
                        same = false
                        break
                    }
                    if same { found = child; break }
                }
                guard let next = found else { return nil }
                current = next
                start = stop + 1
            }
            return current
        }
    }

    /// Writes the absolute path of the node whose BEGIN_NODE token is at
    /// `nodeOffset` (`/` for the root, `?` if there is no node there).
    public func writePath<Sink: TextSink>(of nodeOffset: Int, to sink: inout Sink) {
        // Walk from the root keeping the chain of open nodes; stop at the target.
        var chain = InlineArray<16, Int>(repeating: 0)  // FDT.maximumDepth
        var depth = 0
        var cursor = structureStart
        while let raw = bytes.bigEndianWord(at: cursor), cursor < structureEnd, let token = Token(rawValue: raw) {
            switch token {
            case .beginNode:
                guard let node = node(at: cursor), depth < chain.count else { sink.write("?"); return }
                chain[depth] = cursor
                depth += 1
                if cursor == nodeOffset {
                    if depth == 1 { sink.write("/"); return }
                    for level in 1..<depth {
                        sink.write("/")
                        if let named = self.node(at: chain[level]) { sink.write(named.name, of: self) }
                    }
                    return
                }
                cursor = node.contentOffset
            case .endNode:
                depth -= 1
                cursor += 4
            case .property:
                guard let step = propertyEnd(at: cursor) else { sink.write("?"); return }
                cursor = step.1
            case .nop:
                cursor += 4
            case .end:
                sink.write("?")
                return
            }
        }
        sink.write("?")
    }
}
