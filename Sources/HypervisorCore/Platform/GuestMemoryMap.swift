// What every guest sees, whatever the platform: its RAM at one guest-physical
// base, a GIC (distributor emulated by the hypervisor, CPU interface mapped
// onto the real GICV), a grant window, and the pages Apus keeps at the end of
// the guest's RAM. The hypervisor, the guest library, the guest link map
// (generated from here) and `apus check` all read these.

public enum GuestMemoryMap {
    /// Where every VM's RAM starts (and its images are linked).
    public static let ramBase = GuestPhysicalAddress(UInt32(0x8000_0000))
    /// The guest's GIC: distributor page, then CPU interface.
    public static let gic = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x2C00_1000)), size: 0x2000)
    /// The emulated distributor (GICD), one page.
    public static let gicDistributor = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x2C00_1000)), size: 0x1000)
    /// The guest's GIC CPU interface: the physical GICV, mapped by stage 2.
    public static let gicCPUInterface = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x2C00_2000)), size: 0x2000)
    /// Where a domain maps pages other VMs grant it (docs/GRANTS.md): not RAM.
    public static let grantWindow = GrantWindow.standard

    /// The last page of a VM's RAM: the boot arguments the hypervisor writes.
    public static func bootArgumentsPage(ramEnd: UInt64) -> GuestPhysicalAddress {
        GuestPhysicalAddress(ramEnd &- PageSize.small)
    }

    /// The second-to-last page of a VM's RAM: its grant table.
    public static func grantTablePage(ramEnd: UInt64) -> GuestPhysicalAddress {
        GuestPhysicalAddress(ramEnd &- 2 &* PageSize.small)
    }
}
