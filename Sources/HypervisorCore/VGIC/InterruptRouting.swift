// The physical routing table: which VM owns each physical SPI, fixed from the
// configuration at boot. The hypervisor asks it on every physical interrupt it
// does not handle itself; an SPI nobody owns is counted, and the hypervisor
// deactivates and masks it. SGIs and PPIs are per-CPU and belong to the
// hypervisor (timer, maintenance) or to whichever VCPU runs (virtual timer):
// the table has no owner for them.

public enum RoutingError: Error, Equatable, Sendable {
    /// Only SPIs (32..159) can be assigned.
    case notAnSPI(UInt32)
    /// VM indices are 0..<`InterruptRouting.maximumVMs`.
    case vmOutOfRange(Int)
    /// The SPI is already another VM's.
    case alreadyOwned(UInt32, by: Int)
}

public struct InterruptRouting: Sendable {
    public static let maximumVMs = 255
    static let firstSPI: UInt32 = 32
    static let noOwner: UInt8 = 0xFF

    /// Owner of SPI 32 + n, `noOwner` when none.
    var owners: InlineArray<128, UInt8>
    /// Physical interrupts that arrived with no owner (see `route`).
    public private(set) var unownedArrivals: UInt32

    public init() {
        owners = InlineArray(repeating: InterruptRouting.noOwner)
        unownedArrivals = 0
    }

    /// Gives SPI `intid` to `vm`. Assigning it again to the same VM is harmless.
    public mutating func assign(_ intid: UInt32, to vm: Int) throws(RoutingError) {
        guard intid >= InterruptRouting.firstSPI && intid < InterruptSet.capacity else { throw .notAnSPI(intid) }
        guard vm >= 0 && vm < InterruptRouting.maximumVMs else { throw .vmOutOfRange(vm) }
        let index = Int(intid &- InterruptRouting.firstSPI)
        let current = owners[index]
        if current != InterruptRouting.noOwner && Int(current) != vm { throw .alreadyOwned(intid, by: Int(current)) }
        owners[index] = UInt8(truncatingIfNeeded: vm)
    }

    /// Gives every SPI of `set` to `vm`; SGIs and PPIs in it are an error. Stops at the first error.
    public mutating func assign(_ set: InterruptSet, to vm: Int) throws(RoutingError) {
        var remaining = set
        while let intid = remaining.first {
            try assign(intid, to: vm)
            remaining.remove(intid)
        }
    }

    /// The VM that owns physical interrupt `intid`, nil for none (and for SGIs and PPIs).
    public func owner(of intid: UInt32) -> Int? {
        guard intid >= InterruptRouting.firstSPI && intid < InterruptSet.capacity else { return nil }
        let current = owners[Int(intid &- InterruptRouting.firstSPI)]
        return current == InterruptRouting.noOwner ? nil : Int(current)
    }

    /// `owner(of:)` read in place, for the hypervisor's interrupt path: a
    /// non-mutating call on a global copies the whole table first (Embedded Swift).
    @inline(__always)
    public mutating func ownerInPlace(of intid: UInt32) -> Int? {
        guard intid >= InterruptRouting.firstSPI && intid < InterruptSet.capacity else { return nil }
        let current = owners[Int(intid &- InterruptRouting.firstSPI)]
        return current == InterruptRouting.noOwner ? nil : Int(current)
    }

    /// `owner(of:)` for an interrupt that just arrived: counts it in `unownedArrivals`
    /// when nobody owns it.
    public mutating func route(_ intid: UInt32) -> Int? {
        let vm = owner(of: intid)
        if vm == nil { unownedArrivals &+= 1 }
        return vm
    }

    /// The SPIs `vm` owns: its VirtualGIC's `passthroughSPIs`.
    public func spis(ownedBy vm: Int) -> InterruptSet {
        var set = InterruptSet()
        for index in 0..<128 where Int(owners[index]) == vm && owners[index] != InterruptRouting.noOwner {
            set.insert(InterruptRouting.firstSPI &+ UInt32(truncatingIfNeeded: index))
        }
        return set
    }

    /// SPIs nobody owns: the hypervisor keeps them disabled at the physical distributor.
    public var unowned: InterruptSet {
        var set = InterruptSet.spis
        for index in 0..<128 where owners[index] != InterruptRouting.noOwner {
            set.remove(InterruptRouting.firstSPI &+ UInt32(truncatingIfNeeded: index))
        }
        return set
    }
}
