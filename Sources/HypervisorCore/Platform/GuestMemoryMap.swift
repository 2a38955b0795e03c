// What every guest sees, whatever the platform: its RAM at one guest-physical
// base, a GIC (distributor emulated by the hypervisor, CPU interface mapped
// onto the real GICV) and a grant window. The hypervisor, the guest library,
// the guest link map (generated from here) and `apus check` all read these.
// The pages Apus keeps at the end of every guest's RAM: GuestReservedPages.

public enum GuestMemoryMap {
    /// Where every VM's RAM starts (and its images are linked).
    public static let ramBase = GuestPhysicalAddress(UInt32(0x8000_0000))
    /// The guest's GIC: the distributor (one page), then right after it the CPU interface (two pages).
    public static let gic = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x2C00_1000)), size: 0x3000)
    /// The emulated distributor (GICD), one page.
    public static let gicDistributor = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x2C00_1000)), size: 0x1000)
    /// The guest's GIC CPU interface: the physical GICV, mapped by stage 2.
    public static let gicCPUInterface = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x2C00_2000)), size: 0x2000)
    /// Where a domain maps pages other VMs grant it (docs/GRANTS.md): not RAM.
    public static let grantWindow = GrantWindow.standard
}
