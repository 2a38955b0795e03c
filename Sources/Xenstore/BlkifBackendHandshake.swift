// The block back end's half of Xen's xenbus handshake (docs/BLOCK.md) as
// decisions only: given what the front end's `state` says, what the back end
// does. The driver domain (BlkifNegotiation) reads the states and carries
// out the steps (mapping, binding, writing its own `state`); keeping the
// decisions here lets host tests walk the whole machine, including a front
// end that restarts.

/// The back end of one disk.
public struct BlkifBackendHandshake: Equatable, Sendable {
    /// What the back end last wrote to its `state` (unknown: not published yet).
    public private(set) var state = XenbusState.unknown
    /// Whether it serves a ring the front end granted.
    public private(set) var isConnected = false

    /// What to do, in this order: let go of the ring served, map and bind the
    /// front end's (then report `connected()` if that worked), write `first`
    /// then `then` to the back end's `state` (unknown: nothing).
    public struct Reaction: Equatable, Sendable {
        public var disconnect = false
        public var connect = false
        public var first = XenbusState.unknown
        public var then = XenbusState.unknown

        public init(disconnect: Bool = false, connect: Bool = false,
                    first: XenbusState = .unknown, then: XenbusState = .unknown) {
            self.disconnect = disconnect
            self.connect = connect
            self.first = first
            self.then = then
        }
    }

    public init() {}

    /// The toolstack published the disk: the back end waits in InitWait.
    public mutating func start() -> Reaction { write(Reaction(), .initWait) }

    /// The front end's `state` reads `front` (a watch fired).
    public mutating func frontendChanged(to front: XenbusState) -> Reaction {
        guard state != .unknown else { return Reaction() }
        if front == .initialised || front == .connected {
            return isConnected ? Reaction() : Reaction(connect: true)
        }
        if front == .closing { return write(letGo(), .closing) }
        if front == .closed || front == .initialising {
            let reaction = letGo()
            return state == .initWait ? reaction : write(write(reaction, .closed), .initWait)
        }
        return Reaction()
    }

    /// The front end's ring is mapped and its port bound: Connected.
    public mutating func connected() -> Reaction {
        isConnected = true
        return write(Reaction(), .connected)
    }

    /// The front end's domain restarted and its entries were published again:
    /// whatever the old incarnation had connected is let go, and the back end
    /// waits for the new one in InitWait.
    public mutating func frontendRestarted() -> Reaction {
        guard state != .unknown else { return Reaction() }
        return write(letGo(), .initWait)
    }

    private mutating func letGo() -> Reaction {
        defer { isConnected = false }
        return Reaction(disconnect: isConnected)
    }

    private mutating func write(_ reaction: Reaction, _ next: XenbusState) -> Reaction {
        var reaction = reaction
        if reaction.first == .unknown { reaction.first = next } else { reaction.then = next }
        state = next
        return reaction
    }
}
