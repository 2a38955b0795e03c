// Xen's grant-table ABI (xen/include/public/grant_table.h), the v1 subset Apus
// speaks: GNTTABOP_* sub-operations of grant_table_op (hypercall 20), the
// GTF_* flags of a grant_entry_v1, the GNTMAP_* flags of a map request, the
// GNTCOPY_* flags of a copy, and the GNTST_* status codes written back per
// operation. Values looked up in the public header; the code is ours.

/// A Xen domain id (domid_t). In Apus, VM index i is domain i.
public typealias DomainID = UInt16

/// DOMID_SELF: "the calling domain" where the ABI allows it.
public let domainSelf: DomainID = 0x7FF0

/// grant_table_op sub-operations (GNTTABOP_*).
public enum GrantTableCommand: UInt32, Sendable {
    case mapGrantRef = 0
    case unmapGrantRef = 1
    case setupTable = 2
    case dumpTable = 3
    case transfer = 4
    case copy = 5
    case querySize = 6
    case unmapAndReplace = 7
    case setVersion = 8
    case getStatusFrames = 9
    case getVersion = 10
    case swapGrantRef = 11
}

/// Per-operation status codes (GNTST_*), written into each argument struct.
public enum GrantStatus: Int16, Sendable {
    case okay = 0
    case generalError = -1
    case badDomain = -2
    case badGrantRef = -3
    case badHandle = -4
    case badVirtualAddress = -5
    case badDeviceAddress = -6
    case noDeviceSpace = -7
    case permissionDenied = -8
    case badPage = -9
    case badCopyArgument = -10
    case addressTooBig = -11
    case tryAgain = -12
}

/// grant_entry_v1.flags (GTF_*).
public enum GrantEntryFlags {
    public static let typeMask: UInt16 = 0b11
    public static let invalid: UInt16 = 0
    public static let permitAccess: UInt16 = 1
    public static let acceptTransfer: UInt16 = 2
    public static let transitive: UInt16 = 3
    /// The grantee may only read. [guest]
    public static let readOnly: UInt16 = 1 &<< 2
    /// Mapped for reading by the grantee. [hypervisor]
    public static let reading: UInt16 = 1 &<< 3
    /// Mapped for writing by the grantee. [hypervisor]
    public static let writing: UInt16 = 1 &<< 4
    /// Sub-page grant (v2 only; refused here).
    public static let subPage: UInt16 = 1 &<< 8
}

/// gnttab_map_grant_ref.flags (GNTMAP_*).
public enum GrantMapFlags {
    public static let deviceMap: UInt32 = 1 &<< 0
    public static let hostMap: UInt32 = 1 &<< 1
    public static let readOnly: UInt32 = 1 &<< 2
    public static let applicationMap: UInt32 = 1 &<< 3
    public static let containsPTE: UInt32 = 1 &<< 4
    public static let canFail: UInt32 = 1 &<< 5
}

/// gnttab_copy.flags (GNTCOPY_*).
public enum GrantCopyFlags {
    /// source.u is a grant reference in source.domid's table (else a frame of the caller).
    public static let sourceGrantRef: UInt16 = 1 &<< 0
    /// dest.u is a grant reference in dest.domid's table (else a frame of the caller).
    public static let destinationGrantRef: UInt16 = 1 &<< 1
    public static let canFail: UInt16 = 1 &<< 2
}
