// Xen's xenstore wire protocol (xen/include/public/io/xs_wire.h): every
// message is a 16-byte header (type, req_id, tx_id, len; little-endian
// UInt32s) followed by `len` payload bytes, mostly NUL-terminated strings.

/// A message type; unknown values are kept so they can be refused (ENOSYS).
public struct XenstoreMessageType: Equatable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let control = XenstoreMessageType(rawValue: 0)
    public static let directory = XenstoreMessageType(rawValue: 1)
    public static let read = XenstoreMessageType(rawValue: 2)
    public static let getPermissions = XenstoreMessageType(rawValue: 3)
    public static let watch = XenstoreMessageType(rawValue: 4)
    public static let unwatch = XenstoreMessageType(rawValue: 5)
    public static let transactionStart = XenstoreMessageType(rawValue: 6)
    public static let transactionEnd = XenstoreMessageType(rawValue: 7)
    public static let introduce = XenstoreMessageType(rawValue: 8)
    public static let release = XenstoreMessageType(rawValue: 9)
    public static let getDomainPath = XenstoreMessageType(rawValue: 10)
    public static let write = XenstoreMessageType(rawValue: 11)
    public static let mkdir = XenstoreMessageType(rawValue: 12)
    public static let rm = XenstoreMessageType(rawValue: 13)
    public static let setPermissions = XenstoreMessageType(rawValue: 14)
    public static let watchEvent = XenstoreMessageType(rawValue: 15)
    public static let error = XenstoreMessageType(rawValue: 16)
    public static let isDomainIntroduced = XenstoreMessageType(rawValue: 17)
    public static let resume = XenstoreMessageType(rawValue: 18)
    public static let setTarget = XenstoreMessageType(rawValue: 19)
    public static let resetWatches = XenstoreMessageType(rawValue: 21)
    public static let directoryPart = XenstoreMessageType(rawValue: 22)
}

/// The errors xenstored replies with: an XS_ERROR message whose payload is
/// the errno's name, NUL-terminated (xs_wire.h's xsd_errors table).
public enum XenstoreError: UInt8, Error, Equatable, Sendable {
    case EINVAL, EACCES, EEXIST, EISDIR, ENOENT, ENOMEM, ENOSPC, EIO, ENOTEMPTY
    case ENOSYS, EROFS, EBUSY, EAGAIN, EISCONN, E2BIG, EPERM

    /// The string on the wire (without the NUL the reply appends).
    public var wireName: StaticString {
        switch self {
        case .EINVAL: "EINVAL"
        case .EACCES: "EACCES"
        case .EEXIST: "EEXIST"
        case .EISDIR: "EISDIR"
        case .ENOENT: "ENOENT"
        case .ENOMEM: "ENOMEM"
        case .ENOSPC: "ENOSPC"
        case .EIO: "EIO"
        case .ENOTEMPTY: "ENOTEMPTY"
        case .ENOSYS: "ENOSYS"
        case .EROFS: "EROFS"
        case .EBUSY: "EBUSY"
        case .EAGAIN: "EAGAIN"
        case .EISCONN: "EISCONN"
        case .E2BIG: "E2BIG"
        case .EPERM: "EPERM"
        }
    }
}

/// Limits xs_wire.h fixes for every xenstore.
public enum XenstoreLimits {
    public static let headerSize = 16
    /// XENSTORE_PAYLOAD_MAX: a longer message is a protocol violation.
    public static let payloadMax = 4096
    /// XENSTORE_ABS_PATH_MAX and XENSTORE_REL_PATH_MAX.
    public static let absolutePathMax = 3072
    public static let relativePathMax = 2048
    /// The largest message either side sends.
    public static let messageMax = headerSize + payloadMax
}

/// A message header as it travels.
public struct XenstoreHeader: Equatable, Sendable {
    public var type: XenstoreMessageType
    public var requestID: UInt32
    public var transactionID: UInt32
    public var length: UInt32

    public init(type: XenstoreMessageType, requestID: UInt32, transactionID: UInt32, length: UInt32) {
        self.type = type
        self.requestID = requestID
        self.transactionID = transactionID
        self.length = length
    }

    /// Decodes the 16 bytes at `bytes`.
    public init(decoding bytes: UnsafePointer<UInt8>) {
        type = XenstoreMessageType(rawValue: Self.load(bytes, 0))
        requestID = Self.load(bytes, 4)
        transactionID = Self.load(bytes, 8)
        length = Self.load(bytes, 12)
    }

    /// Writes the 16 header bytes to `bytes`.
    public func encode(into bytes: UnsafeMutablePointer<UInt8>) {
        Self.store(type.rawValue, bytes, 0)
        Self.store(requestID, bytes, 4)
        Self.store(transactionID, bytes, 8)
        Self.store(length, bytes, 12)
    }

    // Byte by byte: the header may sit at any alignment in a buffer.
    private static func load(_ bytes: UnsafePointer<UInt8>, _ offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[offset + index]) << UInt32(8 * index) }
        return value
    }

    private static func store(_ value: UInt32, _ bytes: UnsafeMutablePointer<UInt8>, _ offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt32(8 * index)) }
    }
}
