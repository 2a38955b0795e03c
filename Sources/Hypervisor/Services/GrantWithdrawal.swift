import HVRegs
import HypervisorCore

/// What a restarting VM granted is withdrawn before its memory is cleared
/// (docs/LINUX.md, "Reboot"), as Xen's toolstack gets a fresh domain for the
/// new kernel: no other VM may reach the new incarnation's memory through a
/// grant of the old one. Its grant table is cleared at once, so no later
/// grant copy (a back end answering a request in flight) finds a grant, and
/// every page another VM has mapped from it, except the split-driver rings
/// the restart keeps, is taken back: the mapper's window page maps the
/// hypervisor's stand-in page until the mapper unmaps it (GrantTables.revoke).
enum GrantWithdrawal {
    /// Call holding LOCK_SHARED_TABLES, before the first load step. Returns
    /// how many mappings other VMs held were taken back.
    static func withdraw(vm: Int, config: SystemConfig, keeping kept: Range<UInt>?) -> Int {
        let layout = GrantLayout(vm: config.vms[vm])
        let tableBytes = Int(truncatingIfNeeded: layout.frames) &* 4096
        if let table = Machines.guestBytes(vm: vm, address: UInt32(truncatingIfNeeded: layout.table.value), length: tableBytes) {
            table.initializeMemory(as: UInt8.self, repeating: 0)
        }
        let granter = DomainID(truncatingIfNeeded: vm)
        let standIn = PhysicalAddress(UInt64(widening: UInt32(truncatingIfNeeded: hv_grant_stand_in())))
        var revoked = 0
        for mapper in 0..<Machines.count where mapper != vm {
            guard var stage2 = Machines.table[mapper].stage2 else { continue }
            revoked += EventAndGrantTables.grants.revoke(
                granter: granter, mappedBy: DomainID(truncatingIfNeeded: mapper), standIn: standIn,
                keeping: { frame in kept?.contains(UInt(truncatingIfNeeded: frame.value)) ?? false }, stage2: &stage2)
            Machines.table[mapper].stage2 = stage2
        }
        // The mappers may run on other CPUs: their TLBs must forget the pages too.
        hv_dsb()
        if revoked > 0 { hv_write_tlbiallnsnhis(0) }
        hv_dsb()
        hv_isb()
        return revoked
    }
}
