import HypervisorCore

/// A TextSink that collects text on the host, so the core's allocation-free
/// renderers (error reasons, ranges) produce the same words here as on the UART.
public struct StringSink: TextSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public mutating func write(byte: UInt8) { bytes.append(byte) }
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Renders with a closure and returns the text.
    public static func render(_ body: (inout StringSink) -> Void) -> String {
        var sink = StringSink()
        body(&sink)
        return sink.text
    }
}

extension FDT {
    /// A slice of the blob as text (names, image names, bootargs).
    public func text(_ slice: FDTSlice) -> String {
        String(decoding: bytes(of: slice), as: UTF8.self)
    }

    /// The absolute path of a node.
    public func path(of node: FDTNode) -> String {
        StringSink.render { writePath(of: node.offset, to: &$0) }
    }
}
