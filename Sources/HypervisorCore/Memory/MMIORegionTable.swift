// The guest-physical regions of one VM that stage 2 leaves unmapped on
// purpose and the hypervisor answers: the emulated GIC distributor and the
// VM's sub-page device windows (forwarded to the physical registers); later
// virtual devices. Built once when the VM is created; a data abort is looked
// up here by address and routed (emulate, forward, or refuse: the guest gets
// the abort it would get for any address it was not given). Pure and
// host-tested; Sources/Hypervisor/Traps/GuestMMIO.swift performs the route.

/// Who answers accesses to a region.
public enum MMIORegionKind: Equatable, Sendable {
    /// The VM's virtual GIC distributor (the VirtualGIC model).
    case distributor
    /// A window of a passed-through device smaller than a page, replayed on
    /// the physical registers (identity-mapped: IPA == physical address).
    case forwarded
}

public struct MMIORegion: Equatable, Sendable {
    public var range: GuestPhysicalRange
    public var kind: MMIORegionKind
    public init(range: GuestPhysicalRange, kind: MMIORegionKind) {
        self.range = range
        self.kind = kind
    }
}

public enum MMIORegionError: Error, Equatable, Sendable {
    /// A region of size zero.
    case empty
    /// The region overlaps one already in the table.
    case overlaps(MMIORegion)
    /// The table holds `MMIORegionTable.capacity` regions already.
    case full
}

/// Where a trapped access goes.
public enum MMIORoute: Equatable, Sendable {
    /// Emulated by the VM's virtual GIC distributor, at `offset` in it.
    case distributor(offset: UInt32, access: DataAbortSyndrome)
    /// Performed on the physical device register.
    case forward(ForwardedAccess)
    /// Not performed: the guest gets a data abort.
    case refuse(MMIORefusal)
}

/// Why an access is not performed.
public enum MMIORefusal: Equatable, Sendable {
    /// The address is in none of the VM's regions (another VM's device, or nobody's).
    case noRegion
    /// ISV = 0: the syndrome does not describe the access (e.g. LDM/STM, LDRD).
    case noSyndrome
    /// A doubleword, or an address not aligned to the access size.
    case unsupportedAccess
    /// PC (or a register number beyond it) as the transfer register: not forwarded.
    case unsupportedRegister
}

/// A small fixed table, searched in order: a handful of regions per VM.
public struct MMIORegionTable: Equatable, Sendable {
    /// The distributor, `VMConfig.maximumDevices` forwarded windows, and room
    /// for virtual devices.
    public static let capacity = 8

    @usableFromInline var regions: InlineArray<8, MMIORegion>
    public private(set) var count: Int

    public init() {
        regions = InlineArray(repeating: MMIORegion(range: GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0)), size: 0), kind: .distributor))
        count = 0
    }

    /// The table of a VM of a validated configuration: the platform's guest
    /// GIC distributor and the windows of the VM's devices that are not whole pages.
    public init(vm: VMConfig, platform: Platform) throws(MMIORegionError) {
        self.init()
        let distributor = GuestPhysicalRange(base: platform.virtualGIC.base, size: UInt64(widening: DistributorRegisters.frameSize))
        try add(MMIORegion(range: distributor, kind: .distributor))
        for d in 0..<vm.deviceCount where !vm.devices[d].isWholePages {
            let window = vm.devices[d].registers
            try add(MMIORegion(range: GuestPhysicalRange(base: GuestPhysicalAddress(window.base.value), size: window.size), kind: .forwarded))
        }
    }

    public subscript(index: Int) -> MMIORegion { regions[index] }

    public mutating func add(_ region: MMIORegion) throws(MMIORegionError) {
        guard region.range.size > 0 else { throw .empty }
        for i in 0..<count where regions[i].range.overlaps(region.range) { throw .overlaps(regions[i]) }
        guard count < MMIORegionTable.capacity else { throw .full }
        regions[count] = region
        count += 1
    }

    /// The region holding `address`, if any. Inlined (with `route`) into the
    /// trap path so that the table is read in place, never copied.
    @inlinable @inline(__always)
    public func region(containing address: GuestPhysicalAddress) -> MMIORegion? {
        // Through the span: subscripting the InlineArray itself copies all of it per read.
        let regions = self.regions.span
        for i in 0..<count where regions[i].range.contains(address) { return regions[i] }
        return nil
    }

    /// Where the trapped access goes.
    @inlinable @inline(__always)
    public func route(_ access: DataAbortSyndrome) -> MMIORoute {
        guard let region = region(containing: access.address) else { return .refuse(.noRegion) }
        guard access.isValid else { return .refuse(.noSyndrome) }
        switch region.kind {
        case .distributor:
            let offset = UInt32(truncatingIfNeeded: access.address.value &- region.range.base.value)
            return .distributor(offset: offset, access: access)
        case .forwarded:
            return ForwardedAccess.decide(access)
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a.regions[i] != b.regions[i] { return false }
        return true
    }
}
