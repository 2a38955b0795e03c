import GuestSupport
import XenRings

/// The page the server grants read-write (ref 0) and the one it grants
/// read-only (ref 1), as 32-bit words. Both sides use volatile accesses:
/// the other domain changes the words between our loads.
enum PingPage {
    /// Written by the client: the sequence number of its request (from 1).
    static let request = 0
    /// Written by the server: request + 1, once it has served that request.
    static let reply = 1
    /// Written by the server before granting, read by the client after mapping.
    static let marker = 2
    /// Written by the client just before each send: the low 32 bits of its
    /// virtual counter (CNTVOFF is 0 in every VM, so both sides read one clock).
    static let sentAt = 3
    /// Written by the server just before it sleeps for the next request: the
    /// last request it served. The client sends the next one only once it sees
    /// it, so every timed notification wakes a blocked server.
    static let waiting = 4

    /// "PING" in the read-write page, "RDON" in the read-only one.
    static let readWriteMarker: UInt32 = 0x5049_4E47
    static let readOnlyMarker: UInt32 = 0x5244_4F4E

    static func read(_ page: UInt32, _ word: Int) -> UInt32 { g_read32(UInt(page) + UInt(word * 4)) }
    static func write(_ page: UInt32, _ word: Int, _ value: UInt32) {
        g_mmio_write32(UInt(page) + UInt(word * 4), value)
    }
}

/// The server's two grants. Xen reserves references 0-7 (0 is the console
/// ring the hypervisor grants to a console backend), so these start at 8.
enum PingGrants {
    static let readWrite: UInt32 = 8
    static let readOnly: UInt32 = 9
}

/// Where the client maps the two grants: pages of its grant window.
enum GrantWindowPages {
    static let readWrite: UInt32 = 0x3000_0000
    static let readOnly: UInt32 = 0x3000_1000
}
