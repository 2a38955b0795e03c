// Why a grant operation was refused: one case per check, so tests can tell the
// checks apart, each with the Xen status code (GNTST_*) the guest sees. Where
// Xen answers GNTST_general_error for several checks, so do we.

public enum GrantError: Error, Equatable, Sendable {
    /// The named domain does not exist (or has no grant table).
    case badDomain
    /// The reference is not below the table size.
    case badReference
    /// The map request lacks GNTMAP_host_map.
    case noHostMap
    /// GNTMAP_device_map, application_map or contains_pte: no IOMMU, no PV page tables.
    case unsupportedMapFlags
    /// The entry is not a plain (full-page, v1) GTF_permit_access entry.
    case notGranted
    /// The entry grants access to another domain.
    case grantedToAnotherDomain
    /// A writable map of, or a copy into, a GTF_readonly grant.
    case readOnlyGrant
    /// The granted frame is not a page of the granter's RAM.
    case frameOutsideGranter
    /// A local frame (copy with a frame number) is not a page of the caller's RAM.
    case frameOutsideCaller
    /// A copy side names a frame of a domain other than DOMID_SELF.
    case foreignFrame
    /// The entry is mapped by another domain (the granter changed the domid while mapped).
    case mappedByAnotherDomain
    /// The entry's frame changed while the grant is mapped.
    case frameChangedWhileMapped
    /// host_addr is not page aligned.
    case hostAddressMisaligned
    /// host_addr is outside the caller's grant window.
    case hostAddressOutsideWindow
    /// host_addr is already mapped.
    case hostAddressInUse
    /// The caller's maptrack has no free slot.
    case maptrackFull
    /// The handle is out of range or not in use by the caller.
    case badHandle
    /// The unmap's host_addr is not where the handle's mapping is.
    case hostAddressMismatch
    /// The unmap's dev_bus_addr is neither 0 nor the mapped frame.
    case deviceAddressMismatch
    /// offset + len exceeds a page on either side of a copy.
    case copyCrossesPage
    /// setup_table or query_size for a domain other than the caller.
    case notPermitted
    /// setup_table asked for more frames than the one table page.
    case tooManyFrames
    /// Stage 2 could not take the mapping (table storage exhausted: a setup bug).
    case stage2Refused

    /// The GNTST_* code written back to the guest.
    public var status: GrantStatus {
        switch self {
        case .badDomain: .badDomain
        case .badReference, .noHostMap: .badGrantRef
        case .unsupportedMapFlags, .notGranted, .grantedToAnotherDomain, .readOnlyGrant, .mappedByAnotherDomain,
             .frameChangedWhileMapped, .deviceAddressMismatch, .tooManyFrames, .stage2Refused: .generalError
        case .frameOutsideGranter, .frameOutsideCaller: .badPage
        case .foreignFrame, .notPermitted: .permissionDenied
        case .hostAddressMisaligned, .hostAddressOutsideWindow, .hostAddressInUse, .hostAddressMismatch: .badVirtualAddress
        case .maptrackFull: .noDeviceSpace
        case .badHandle: .badHandle
        case .copyCrossesPage: .badCopyArgument
        }
    }
}

/// Why a domain could not be given a grant table.
public enum GrantSetupError: Error, Equatable, Sendable {
    /// The domain id is not below `GrantTables.maximumDomains`, or already registered.
    case badDomain
    /// The grant table page is not a page of the domain's RAM.
    case tableOutsideMemory
    /// The grant window is misaligned, empty, larger than `GrantWindow.maximumPages`, or beyond 4 GiB.
    case badWindow
    /// The grant window overlaps the domain's RAM, a passthrough device or the virtual GIC.
    case windowOverlaps
    /// The window's stage-2 tables could not be made.
    case stage2(Stage2Error)
}
