// GNTTABOP_copy for one request: each side is either a grant reference in some
// domain's table (GNTCOPY_source_gref / GNTCOPY_dest_gref; DOMID_SELF allowed)
// or a frame of the caller's own RAM (domid must be DOMID_SELF). Reading needs
// a grant for the caller; writing needs one without GTF_readonly. The copy is
// done in one step while no guest runs, so the entry's GTF_reading/GTF_writing,
// which Xen sets only for the duration of the copy, are left as they were.

/// One side of a gnttab_copy.
public struct GrantCopySide: Equatable, Sendable {
    /// A grant reference (true) or a guest frame number of the caller (false).
    public var isReference: Bool
    /// The reference or the frame number (xen_pfn_t on ARM: 64 bits).
    public var value: UInt64
    public var domain: DomainID
    public var offset: UInt16

    public init(isReference: Bool, value: UInt64, domain: DomainID, offset: UInt16) {
        self.isReference = isReference
        self.value = value
        self.domain = domain
        self.offset = offset
    }

    public static func reference(_ reference: UInt32, of domain: DomainID, offset: UInt16) -> GrantCopySide {
        GrantCopySide(isReference: true, value: UInt64(widening: reference), domain: domain, offset: offset)
    }

    public static func frame(_ frame: UInt64, offset: UInt16) -> GrantCopySide {
        GrantCopySide(isReference: false, value: frame, domain: domainSelf, offset: offset)
    }
}

/// A gnttab_copy's inputs.
public struct GrantCopyRequest: Equatable, Sendable {
    public var source: GrantCopySide
    public var destination: GrantCopySide
    public var length: UInt16

    public init(source: GrantCopySide, destination: GrantCopySide, length: UInt16) {
        self.source = source
        self.destination = destination
        self.length = length
    }
}

extension GrantTables {
    /// Decides the copy `request` by `caller`; perform the result with `memory.perform(_:)`.
    public mutating func copy(_ request: GrantCopyRequest, by caller: DomainID) throws(GrantError) -> GrantCopy {
        guard isPresent(caller) else { throw .badDomain }
        let length = UInt32(request.length)
        guard UInt32(request.source.offset) + length <= 4096, UInt32(request.destination.offset) + length <= 4096 else {
            throw .copyCrossesPage
        }
        let source = try resolve(request.source, caller: caller, write: false)
        let destination = try resolve(request.destination, caller: caller, write: true)
        return GrantCopy(source: PhysicalAddress(source.value + UInt64(widening: UInt32(request.source.offset))),
                         destination: PhysicalAddress(destination.value + UInt64(widening: UInt32(request.destination.offset))),
                         length: Int(length))
    }

    /// The physical page one side of a copy names, after its checks.
    private mutating func resolve(_ side: GrantCopySide, caller: DomainID, write: Bool) throws(GrantError) -> PhysicalAddress {
        if !side.isReference {
            guard side.domain == domainSelf else { throw .foreignFrame }
            guard let page = domains[Int(caller)].layout.physicalFrame(side.value),
                  memory.contains(page, length: 4096) else { throw .frameOutsideCaller }
            return page
        }
        let granter = side.domain == domainSelf ? caller : side.domain
        guard isPresent(granter) else { throw .badDomain }
        guard side.value < UInt64(widening: domains[Int(granter)].layout.entryCount) else { throw .badReference }
        let reference = UInt32(truncatingIfNeeded: side.value)
        let entry = try entry(granter: granter, reference: reference)
        let frame = try checkGrant(entry, granter: granter, grantee: caller, write: write)
        if mappedByOther(than: caller, granter: granter, reference: reference) { throw .mappedByAnotherDomain }
        return frame
    }
}

extension GrantTables {
    /// GNTTABOP_setup_table: the guest frame number of the first of `domain`'s
    /// table pages (the others follow it). `domain` must be the caller or
    /// DOMID_SELF; `frames` is nr_frames.
    public mutating func setupTable(for domain: DomainID, frames: UInt32, by caller: DomainID) throws(GrantError) -> UInt64 {
        let target = domain == domainSelf ? caller : domain
        guard target == caller else { throw .notPermitted }
        guard let layout = layout(of: target) else { throw .badDomain }
        guard frames <= layout.frames else { throw .tooManyFrames }
        return layout.tableFrame
    }

    /// GNTTABOP_query_size: (nr_frames, max_nr_frames) of `domain`'s table.
    public mutating func querySize(for domain: DomainID, by caller: DomainID) throws(GrantError) -> (frames: UInt32, maximum: UInt32) {
        let target = domain == domainSelf ? caller : domain
        guard target == caller else { throw .notPermitted }
        guard let layout = layout(of: target) else { throw .badDomain }
        return (layout.frames, layout.frames)
    }
}
