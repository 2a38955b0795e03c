// One domain's record of the grants it has mapped (Xen's "maptrack"): a fixed
// array of `capacity` slots; a slot's index is the grant handle the guest gets
// back and hands in to unmap. A handle is only ever looked up in the caller's
// own maptrack, so another domain's handle names nothing of theirs.

public struct MaptrackEntry: Equatable, Sendable {
    public var inUse: Bool
    public var writable: Bool
    /// Whose grant, and which entry of their table.
    public var granter: DomainID
    public var reference: UInt32
    /// Where it is mapped (in the mapper's grant window) and what it maps.
    public var hostAddress: GuestPhysicalAddress
    public var frame: PhysicalAddress
    /// The granter restarted and took its page back (`GrantTables.revoke`):
    /// the handle now maps a stand-in page and pins nothing of the granter's.
    public var revoked = false

    public static let free = MaptrackEntry(inUse: false, writable: false, granter: 0, reference: 0,
                                           hostAddress: GuestPhysicalAddress(UInt64(0)), frame: PhysicalAddress(UInt64(0)))
}

public struct Maptrack: Sendable {
    /// Mappings one domain may hold at once (Xen's default is far larger; Apus's
    /// split drivers need a ring page and a few data pages per device).
    public static let capacity = 32

    var slots = InlineArray<32, MaptrackEntry>(repeating: .free)

    public init() {}

    /// The entry behind `handle`, if it is in use.
    public func entry(_ handle: UInt32) -> MaptrackEntry? {
        guard handle < UInt32(Maptrack.capacity) else { return nil }
        let slot = slots[Int(handle)]
        return slot.inUse ? slot : nil
    }

    /// Mappings in use.
    public var count: Int {
        var n = 0
        for i in 0..<Maptrack.capacity where slots[i].inUse { n += 1 }
        return n
    }

    func freeSlot() -> Int? {
        for i in 0..<Maptrack.capacity where !slots[i].inUse { return i }
        return nil
    }

    func isMapped(at hostAddress: GuestPhysicalAddress) -> Bool {
        for i in 0..<Maptrack.capacity where slots[i].inUse && slots[i].hostAddress == hostAddress { return true }
        return false
    }

    /// Pins of (`granter`, `reference`): any mapping, and whether one is writable,
    /// and the frame the first one mapped.
    func pins(granter: DomainID, reference: UInt32) -> (mapped: Bool, writable: Bool, frame: PhysicalAddress) {
        var mapped = false, writable = false
        var frame = PhysicalAddress(UInt64(0))
        for i in 0..<Maptrack.capacity
        where slots[i].inUse && !slots[i].revoked && slots[i].granter == granter && slots[i].reference == reference {
            if !mapped { frame = slots[i].frame }
            mapped = true
            if slots[i].writable { writable = true }
        }
        return (mapped, writable, frame)
    }
}
