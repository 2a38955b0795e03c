// Where one domain's grant machinery lives in its guest-physical space.
//
// - The grant table: ONE 4 KiB page of the domain's own RAM holding 512
//   grant_entry_v1. By default the second-to-last page of RAM (the last page
//   holds the bootargs the hypervisor writes); GNTTABOP_setup_table and
//   GNTTABOP_query_size report it (nr_frames = max_nr_frames = 1), so a guest
//   that asks Xen-style learns where it is. The hypervisor reads the entries
//   there and sets GTF_reading / GTF_writing in them.
// - The grant window: guest-physical space that is NOT RAM where the domain maps
//   pages others grant it (map_grant_ref's host_addr must lie here). Default
//   0x3000_0000 + 2 MiB (512 pages): between the vexpress peripherals and the
//   GIC below and guest RAM at 0x8000_0000 above; one level-3 table covers it.

public enum GrantWindow {
    /// The default grant window: 0x3000_0000 to 0x301F_FFFF.
    public static let standard = GuestPhysicalRange(base: GuestPhysicalAddress(UInt32(0x3000_0000)), size: PageSize.block)
    /// The largest window a domain may have (one level-3 table's worth).
    public static let maximumPages: UInt64 = 512
}

public struct GrantLayout: Equatable, Sendable {
    /// The domain's RAM as it sees it, and where that RAM really is.
    public var memory: GuestPhysicalRange
    public var physicalBase: PhysicalAddress
    /// The guest-physical page holding the domain's grant table.
    public var table: GuestPhysicalAddress
    /// Where the domain maps pages granted to it.
    public var window: GuestPhysicalRange
    /// Consecutive table pages from `table` (query_size's nr_frames and max_nr_frames).
    public var frames: UInt32

    public init(memory: GuestPhysicalRange, physicalBase: PhysicalAddress, table: GuestPhysicalAddress? = nil,
                window: GuestPhysicalRange = GrantWindow.standard, frames: UInt32 = 1) {
        self.memory = memory
        self.physicalBase = physicalBase
        self.table = table ?? GuestReservedPages.page(GuestReservedPages.grantTablePage, of: memory)
        self.window = window
        self.frames = frames
    }

    /// The layout of a configured VM: one table page, or for a Linux VM the
    /// two frames Linux needs at least (LinuxGuestLayout).
    public init(vm: VMConfig) {
        if vm.isLinux {
            self.init(memory: vm.memory, physicalBase: vm.physicalBase, table: LinuxGuestLayout.grantTable(memory: vm.memory),
                      frames: LinuxGuestLayout.grantFrameCount)
        } else {
            self.init(memory: vm.memory, physicalBase: vm.physicalBase)
        }
    }

    /// Entries in the table: 512 grant_entry_v1 per page.
    public var entryCount: UInt32 { frames &* GrantTables.entriesPerTable }

    /// Where the page at guest-physical `page` (page aligned) really is, if it is RAM of this domain.
    public func physicalPage(_ page: GuestPhysicalAddress) -> PhysicalAddress? {
        guard page.value % PageSize.small == 0, memory.contains(page) else { return nil }
        return PhysicalAddress(physicalBase.value + (page.value - memory.base.value))
    }

    /// The page of RAM with frame number `frame`, really.
    public func physicalFrame(_ frame: UInt64) -> PhysicalAddress? {
        guard frame < 0x10_0000 else { return nil }  // beyond the 4 GiB IPA space
        return physicalPage(GuestPhysicalAddress(frame &<< 12))
    }

    /// The guest-physical frame number of the (first) grant table page.
    public var tableFrame: UInt64 { table.value &>> 12 }
}
