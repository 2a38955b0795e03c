import GuestKit
import HypervisorCore

/// Bootargs of the ping guest:
///   role=server|client peer=<domid> rounds=<n> [port=<server's port>]
/// `port` is where the client binds; without it the client assumes Xen's
/// deterministic choice: a domain's first alloc_unbound gets its first free
/// port, 1 (port 0 is reserved). A server given `port` checks that it got it.
struct PingArguments {
    enum Role { case server, client }

    static let maximumRounds: UInt64 = 100_000
    /// Domain ids are VM indexes; Apus runs at most 8 VMs.
    static let maximumDomain: UInt64 = 7
    /// Apus gives a domain 64 ports, port 0 reserved.
    static let maximumPort: UInt64 = 63
    static let firstFreePort: UInt32 = 1

    var role: Role
    var peer: UInt16
    var rounds: UInt32
    var port: UInt32?

    init(_ arguments: BootArguments, vm: UInt32) throws(GuestArgumentError) {
        if arguments.value("role", equals: "server") {
            role = .server
        } else if arguments.value("role", equals: "client") {
            role = .client
        } else if arguments.value("role") == nil {
            throw GuestArgumentError("role", .missing, "missing")
        } else {
            throw GuestArgumentError("role", .unknownValue, "expected server or client")
        }
        let peer = try arguments.requiredInteger(
            "peer", from: 0, to: Self.maximumDomain, detail: "a domain id, 0..7")
        guard peer != UInt64(widening: vm) else {
            throw GuestArgumentError("peer", .outOfRange, "must be another VM than this one")
        }
        self.peer = UInt16(truncatingIfNeeded: peer)
        rounds = UInt32(truncatingIfNeeded: try arguments.requiredInteger(
            "rounds", from: 1, to: Self.maximumRounds, detail: "1..100000"))
        if arguments.value("port") != nil {
            port = UInt32(truncatingIfNeeded: try arguments.requiredInteger(
                "port", from: 1, to: Self.maximumPort, detail: "an event channel port, 1..63"))
        } else {
            port = nil
        }
    }
}
