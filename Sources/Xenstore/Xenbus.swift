/// XenbusState (xen/include/public/io/xenbus.h): where a split device's front
/// end or back end is in the handshake, as each writes it to its `state` key.
public struct XenbusState: Equatable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let unknown = XenbusState(rawValue: 0)
    public static let initialising = XenbusState(rawValue: 1)
    public static let initWait = XenbusState(rawValue: 2)
    public static let initialised = XenbusState(rawValue: 3)
    public static let connected = XenbusState(rawValue: 4)
    public static let closing = XenbusState(rawValue: 5)
    public static let closed = XenbusState(rawValue: 6)
}
