// Node paths as xenstored accepts them: absolute ("/local/domain/3/device")
// or relative to the caller's home, /local/domain/<domid>; only letters,
// digits and "-/_@"; no empty component and no trailing "/" (except "/").

extension Xenstore {
    /// The absolute form of `input` as `domain` names it, written to `buffer`
    /// (capacity pathBytes). EINVAL for what xenstored refuses, E2BIG when
    /// valid but longer than this store's paths.
    func canonicalPath(_ input: Bytes, domain: UInt16, into buffer: UnsafeMutablePointer<UInt8>)
        throws(XenstoreError) -> Bytes
    {
        var writer = ByteWriter(buffer, capacity: capacities.pathBytes)
        if input.count > 0 && input[0] == 0x2F {
            guard input.count <= XenstoreLimits.absolutePathMax else { throw .EINVAL }
        } else {
            guard input.count <= XenstoreLimits.relativePathMax else { throw .EINVAL }
            Self.appendHome(of: domain, to: &writer)
            writer.append(0x2F)
        }
        guard Self.isValidPath(input, relative: !(input.count > 0 && input[0] == 0x2F)) else { throw .EINVAL }
        writer.append(input)
        guard !writer.overflowed else { throw .E2BIG }
        return writer.written
    }

    /// Whether `path` is an absolute path xenstored would accept (or, if
    /// `relative`, one that is valid after "/local/domain/<domid>/").
    static func isValidPath(_ path: Bytes, relative: Bool = false) -> Bool {
        guard path.count >= 1 && (path[0] == 0x2F) != relative else { return false }
        if path.count == 1 && !relative { return true }
        guard path[path.count - 1] != 0x2F else { return false }
        var previous: UInt8 = 0
        for index in 0..<path.count {
            let byte = path[index]
            let isLetterOrDigit = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A)
            guard isLetterOrDigit || byte == 0x2D || byte == 0x2F || byte == 0x5F || byte == 0x40 else { return false }
            if byte == 0x2F && previous == 0x2F { return false }
            previous = byte
        }
        return true
    }

    /// "/local/domain/<domid>": where a domain's relative paths live.
    static func appendHome(of domain: UInt16, to writer: inout ByteWriter) {
        writer.append("/local/domain/")
        writer.appendDecimal(UInt32(domain))
    }

    /// The parent of an absolute path other than "/".
    static func parent(of path: Bytes) -> Bytes {
        let slash = path.lastIndex(of: 0x2F) ?? 0
        return path.prefix(slash == 0 ? 1 : slash)
    }

    /// Whether `path` is `ancestor` or lies below it.
    static func isAtOrBelow(_ path: Bytes, _ ancestor: Bytes) -> Bool {
        guard path.hasPrefix(ancestor) else { return false }
        if path.count == ancestor.count || ancestor.count == 1 { return true }
        return path[ancestor.count] == 0x2F
    }

    /// Whether `child` is a direct child of `parent`.
    static func isDirectChild(_ child: Bytes, of parent: Bytes) -> Bool {
        guard child.count > parent.count, isAtOrBelow(child, parent) else { return false }
        let nameStart = parent.count == 1 ? 1 : parent.count + 1
        return child.dropFirst(nameStart).firstIndex(of: 0x2F) == nil
    }
}
