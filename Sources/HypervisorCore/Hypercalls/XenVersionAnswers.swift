// What xen_version answers besides the version number (version.h, features.h).

public enum XenVersionAnswers {
    /// xen_extraversion_t is char[16]; Linux prints it after the version.
    public static let extraVersionSize = 16
    public static let extraVersion: StaticString = ".0-apus"
    /// xen_capabilities_info_t is char[1024].
    public static let capabilitiesSize = 1024
    public static let capabilities: StaticString = "xen-3.0-armv7l "

    /// XENFEAT bits of submap 0: the set Xen gives an ARM domU, bits 0
    /// (writable_page_tables), 2 (auto_translated_physmap), 13, 14 and 16.
    /// Without 0 and 2 Linux takes a grant-table path that needs
    /// setup_table frames and quietly goes without grants.
    public static func features(submap: UInt32) -> UInt32 {
        submap == 0 ? (1 << 0) | (1 << 2) | (1 << 13) | (1 << 14) | (1 << 16) : 0
    }
}
