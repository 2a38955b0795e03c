// Grant tables, v1 layout, for every domain: the checks and state behind
// GNTTABOP_map_grant_ref / unmap_grant_ref / copy / setup_table / query_size.
//
// Design. A granter writes grant_entry_v1 {flags, domid, frame} into its table
// page (see GrantLayout); the hypervisor only reads those entries and sets or
// clears GTF_reading / GTF_writing in them. What the hypervisor owns is each
// domain's maptrack: the grants that domain has mapped, by handle. Every
// operation is a pure decision over (the entries in guest memory, the
// maptracks, the caller's stage 2) that either changes nothing and returns a
// `GrantError` (with its GNTST_* code), or succeeds and returns its effect:
//   map   -> a 4 KiB page in the caller's grant window now maps the granted
//            frame, read-only or read/write, non-executable (done here, on the
//            caller's `Stage2Tables`; the window's tables were reserved when the
//            domain was added, so this cannot run out of table storage);
//   unmap -> that page is gone from the caller's stage 2; the hypervisor must
//            invalidate the caller's TLB entries before the guest runs again;
//   copy  -> "copy N bytes from physical A to physical B", both checked; the
//            hypervisor (or `PhysicalMemoryWindow.perform`) does it.
// Only the caller's own stage 2 ever changes: grants never alter the granter's.
//
// Xen's flag semantics. While a grant is mapped by its grantee the entry has
// GTF_reading, and GTF_writing while some mapping of it is writable; the last
// unmap clears them. A granter revokes by clearing GTF_permit_access, and
// should first check GTF_reading|GTF_writing: revoking a mapped grant does not
// tear the live mapping down (it stays until the grantee unmaps it), it only
// refuses new maps and copies. A granted entry is pinned to its first mapper:
// while mapped, another domain cannot map it (even if the granter rewrote
// domid) and a changed frame is refused. Every new map re-checks the entry.
// Apus runs one CPU and guests are stopped during a hypercall, so plain loads
// and stores to the entries stand in for Xen's cmpxchg.

/// A grant mapped into the caller's stage 2 (the effect of a map).
public struct GrantMapping: Equatable, Sendable {
    public var handle: UInt32
    public var hostAddress: GuestPhysicalAddress
    public var frame: PhysicalAddress
    public var writable: Bool

    public init(handle: UInt32, hostAddress: GuestPhysicalAddress, frame: PhysicalAddress, writable: Bool) {
        self.handle = handle
        self.hostAddress = hostAddress
        self.frame = frame
        self.writable = writable
    }
}

/// A grant unmapped from the caller's stage 2: invalidate the caller's TLB for `hostAddress`.
public struct GrantUnmapping: Equatable, Sendable {
    public var hostAddress: GuestPhysicalAddress
    public var frame: PhysicalAddress

    public init(hostAddress: GuestPhysicalAddress, frame: PhysicalAddress) {
        self.hostAddress = hostAddress
        self.frame = frame
    }
}

/// Bytes to copy between two checked physical ranges inside one page each.
public struct GrantCopy: Equatable, Sendable {
    public var source: PhysicalAddress
    public var destination: PhysicalAddress
    public var length: Int

    public init(source: PhysicalAddress, destination: PhysicalAddress, length: Int) {
        self.source = source
        self.destination = destination
        self.length = length
    }
}

/// A gnttab_map_grant_ref's inputs.
public struct GrantMapRequest: Equatable, Sendable {
    public var hostAddress: UInt64
    public var flags: UInt32
    public var reference: UInt32
    public var domain: DomainID

    public init(hostAddress: UInt64, flags: UInt32, reference: UInt32, domain: DomainID) {
        self.hostAddress = hostAddress
        self.flags = flags
        self.reference = reference
        self.domain = domain
    }
}

/// A gnttab_unmap_grant_ref's inputs.
public struct GrantUnmapRequest: Equatable, Sendable {
    public var hostAddress: UInt64
    public var deviceAddress: UInt64
    public var handle: UInt32

    public init(hostAddress: UInt64, deviceAddress: UInt64 = 0, handle: UInt32) {
        self.hostAddress = hostAddress
        self.deviceAddress = deviceAddress
        self.handle = handle
    }
}

struct GrantDomainState {
    var present = false
    var layout = GrantLayout(memory: GuestPhysicalRange(base: GuestPhysicalAddress(UInt64(0)), size: 0),
                             physicalBase: PhysicalAddress(UInt64(0)))
    var maptrack = Maptrack()
}

public struct GrantTables {
    public static let maximumDomains = 8
    /// Entries in one table page of 8-byte grant_entry_v1 (a domain has `GrantLayout.frames` pages).
    public static let entriesPerTable: UInt32 = 512

    /// Grant-mapped pages: Normal write-back memory, never executable; read-only or read/write.
    public static let readOnlyAttributes = Stage2Attributes(memoryAttributes: 0b1111, access: 0b01, shareability: 0b11, executeNever: true)
    public static let readWriteAttributes = Stage2Attributes(memoryAttributes: 0b1111, access: 0b11, shareability: 0b11, executeNever: true)

    public let memory: PhysicalMemoryWindow
    // Helpers that read `domains` are `mutating` on purpose: on armv7 a read
    // through a borrowed (non-mutating) self copied the whole 6.5 KB array to
    // the stack on every call (measured: ~165,000 instructions per map).
    var domains = InlineArray<8, GrantDomainState>(repeating: GrantDomainState())

    public init(memory: PhysicalMemoryWindow) {
        self.memory = memory
    }

    // MARK: Domains

    /// Gives domain `id` a grant table with `layout`, and reserves the stage-2
    /// tables of its grant window in `stage2` (its stage 2, already built: up to
    /// `Stage2Tables.reservePagesNeeded(for: layout.window)` more table pages).
    public mutating func addDomain(_ id: DomainID, layout: GrantLayout, stage2: inout Stage2Tables) throws(GrantSetupError) {
        guard Int(id) < GrantTables.maximumDomains, !domains[Int(id)].present else { throw .badDomain }
        guard layout.frames > 0, let table = layout.physicalPage(layout.table),
              memory.contains(table, length: Int(truncatingIfNeeded: layout.frames) &* 4096),
              layout.memory.contains(GuestPhysicalAddress(layout.table.value &+ UInt64(widening: layout.frames) &* PageSize.small &- 1)) else {
            throw .tableOutsideMemory
        }
        let window = layout.window
        guard window.size > 0, window.base.value % PageSize.small == 0, window.size % PageSize.small == 0,
              window.size / PageSize.small <= GrantWindow.maximumPages,
              window.base.value <= 0x1_0000_0000 - window.size else { throw .badWindow }
        if window.overlaps(layout.memory) { throw .windowOverlaps }
        var page = window.base.value
        while page < window.end {
            if stage2.translate(GuestPhysicalAddress(page)) != nil { throw .windowOverlaps }
            page += PageSize.small
        }
        do { try stage2.reserveTables(for: window) } catch { throw .stage2(error) }
        domains[Int(id)].layout = layout
        domains[Int(id)].maptrack = Maptrack()
        domains[Int(id)].present = true
    }

    public func layout(of id: DomainID) -> GrantLayout? {
        guard Int(id) < GrantTables.maximumDomains, domains[Int(id)].present else { return nil }
        return domains[Int(id)].layout
    }

    /// Domain `id`'s maptrack (for tests and diagnostics).
    public func maptrack(of id: DomainID) -> Maptrack? {
        guard Int(id) < GrantTables.maximumDomains, domains[Int(id)].present else { return nil }
        return domains[Int(id)].maptrack
    }

    mutating func isPresent(_ id: DomainID) -> Bool {
        Int(id) < GrantTables.maximumDomains && domains[Int(id)].present
    }

    /// Where entry `reference` of `granter`'s table really is.
    mutating func entryAddress(granter: DomainID, reference: UInt32) -> PhysicalAddress? {
        guard let table = domains[Int(granter)].layout.physicalPage(domains[Int(granter)].layout.table) else { return nil }
        return PhysicalAddress(table.value + UInt64(widening: reference) * UInt64(widening: UInt32(GrantEntry.size)))
    }

    /// The entry, if `granter` exists and `reference` is inside its table.
    public mutating func entry(granter: DomainID, reference: UInt32) throws(GrantError) -> GrantEntry {
        guard isPresent(granter) else { throw .badDomain }
        guard reference < domains[Int(granter)].layout.entryCount else { throw .badReference }
        guard let address = entryAddress(granter: granter, reference: reference),
              let entry = memory.loadEntry(at: address) else { throw .badReference }
        return entry
    }

    /// The checks every use of a grant makes: it is a full-page permit_access
    /// entry for `grantee`, writable if `write`, of a frame of the granter's RAM.
    mutating func checkGrant(_ entry: GrantEntry, granter: DomainID, grantee: DomainID, write: Bool) throws(GrantError) -> PhysicalAddress {
        guard entry.flags & GrantEntryFlags.typeMask == GrantEntryFlags.permitAccess,
              entry.flags & GrantEntryFlags.subPage == 0 else { throw .notGranted }
        guard entry.domain == grantee else { throw .grantedToAnotherDomain }
        if write && entry.flags & GrantEntryFlags.readOnly != 0 { throw .readOnlyGrant }
        guard let frame = domains[Int(granter)].layout.physicalFrame(UInt64(widening: entry.frame)),
              memory.contains(frame, length: 4096) else { throw .frameOutsideGranter }
        return frame
    }

    /// Whether a domain other than `grantee` has (`granter`, `reference`) mapped.
    mutating func mappedByOther(than grantee: DomainID, granter: DomainID, reference: UInt32) -> Bool {
        for d in 0..<GrantTables.maximumDomains where d != Int(grantee) && domains[d].present {
            if domains[d].maptrack.pins(granter: granter, reference: reference).mapped { return true }
        }
        return false
    }
}
