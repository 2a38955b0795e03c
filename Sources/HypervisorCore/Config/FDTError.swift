// Why a buffer is not a usable flattened device tree (DTB). The hypervisor
// reads its configuration from a DTB linked into its image; the host reads
// whatever file it is given. Either way a malformed tree is an error value,
// never an out-of-bounds read.

public enum FDTError: Error, Equatable, Sendable {
    /// Shorter than the 40-byte header, or than the header's total size.
    case truncated(needed: Int, available: Int)
    /// The first word is not 0xd00dfeed.
    case badMagic(found: UInt32)
    /// Not readable by a version-17 reader.
    case unsupportedVersion(version: UInt32, lastCompatible: UInt32)
    /// A block (structure, strings, memory reservations) lies outside the tree or is misaligned.
    case badBlock(FDTBlock)
    /// The structure block is not a well-formed token sequence; `offset` is where it went wrong.
    case badStructure(offset: Int)
    /// A property name offset points outside the strings block or is not NUL-terminated.
    case badPropertyName(offset: Int)
    /// Nodes nested deeper than the reader supports.
    case tooDeep(limit: Int)

    /// The words shown to people (host and hypervisor alike).
    public func write<Sink: TextSink>(to sink: inout Sink) {
        switch self {
        case .truncated(let needed, let available):
            sink.write("truncated: needs ")
            sink.write(decimal: UInt64(clampingNonNegative: needed))
            sink.write(" bytes, has ")
            sink.write(decimal: UInt64(clampingNonNegative: available))
        case .badMagic(let found):
            sink.write("not a device tree blob (magic ")
            sink.write(hex: found)
            sink.write(", expected 0xd00dfeed)")
        case .unsupportedVersion(let version, let lastCompatible):
            sink.write("unsupported version ")
            sink.write(decimal: version)
            sink.write(" (last compatible ")
            sink.write(decimal: lastCompatible)
            sink.write("), need 17")
        case .badBlock(let block):
            sink.write(block.name)
            sink.write(" block lies outside the blob or is misaligned")
        case .badStructure(let offset):
            sink.write("malformed structure block at byte ")
            sink.write(decimal: UInt64(clampingNonNegative: offset))
        case .badPropertyName(let offset):
            sink.write("property name outside the strings block at byte ")
            sink.write(decimal: UInt64(clampingNonNegative: offset))
        case .tooDeep(let limit):
            sink.write("nodes nested deeper than ")
            sink.write(decimal: UInt64(clampingNonNegative: limit))
            sink.write(" levels")
        }
    }
}

/// The three blocks a DTB header points to.
public enum FDTBlock: Equatable, Sendable {
    case structure, strings, memoryReservations

    public var name: StaticString {
        switch self {
        case .structure: "structure"
        case .strings: "strings"
        case .memoryReservations: "memory reservation"
        }
    }
}
