import HVRegs
import HypervisorCore

/// XENMEM_add_to_physmap of XENMAPSPACE_grant_table: frame `index` of the
/// VM's grant table (pages of its RAM, GrantLayout) appears at guest frame
/// `frame` too, inside the region its device tree names for it
/// (LinuxGuestLayout.grantFrames, tables reserved at creation). Mapping a
/// frame again moves it.
enum GrantFrameMapping {
    static let statusFrameFlag: UInt64 = 0x8000_0000  // XENMAPIDX_grant_table_status: v2 only

    /// 0, or Xen's -errno as the register value.
    static func map(vm: Int, index: UInt64, frame: UInt64) -> UInt32 {
        let region = LinuxGuestLayout.grantFrames
        guard Machines.table[vm].isLinux,
              let layout = EventAndGrantTables.grants.layout(of: DomainID(truncatingIfNeeded: vm)),
              index & statusFrameFlag == 0, index < UInt64(widening: layout.frames),
              frame < 0x10_0000, region.contains(GuestPhysicalAddress(frame &<< 12)),
              let physical = layout.physicalPage(GuestPhysicalAddress(layout.table.value &+ (index &<< 12))),
              var stage2 = Machines.table[vm].stage2
        else { return XenError.invalid.registerValue }
        let ipa = GuestPhysicalAddress(frame &<< 12)
        stage2.unmapPage(ipa)
        do {
            try stage2.mapPage(ipa, to: physical, attributes: GrantTables.readWriteAttributes)
        } catch {
            return XenError.invalid.registerValue
        }
        Machines.table[vm].stage2 = stage2
        hv_write_tlbiallnsnh(0)
        hv_dsb()
        hv_isb()
        return 0
    }
}
