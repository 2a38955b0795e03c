import HypervisorCore

/// Collects output bytes on the host, as the UART does on the target.
public struct ByteBuffer: TextSink {
    public var bytes: [UInt8] = []
    public init() {}
    public mutating func write(byte: UInt8) { bytes.append(byte) }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
