import HVRegs
import HypervisorCore

/// The plumbing of xenstore (docs/XENSTORE.md), laid at boot: the console
/// driver domain is the xenstore server. For every other VM, a xenstore ring
/// page (a page it keeps, GuestReservedPages.xenstoreRingPage), grant 1 of its
/// table granting it to the server (Xen's GNTTAB_RESERVED_XENSTORE) mapped
/// into the server's grant window, and an event channel between the two.
/// Both ends find them with hvm_op get_param STORE_PFN/STORE_EVTCHN
/// (Hypercalls/HVMOp.swift), the server naming the guest's domain id. Only
/// VMs that cannot restart (VMRestart.canRestart) get one for now.
enum XenstorePlumbing {
    static let ringOffsetFromEnd = UInt32(truncatingIfNeeded: GuestReservedPages.xenstoreRingPage * PageSize.small)
    /// Xen's GNTTAB_RESERVED_XENSTORE.
    static let ringReference: UInt32 = 1
    /// Server grant window pages 16 + domid hold the rings (0 + domid: consoles, 8 + domid: blkif rings).
    static let firstWindowPage = 16

    nonisolated(unsafe) static var server: Int? = nil
    /// Per guest VM: its ring page (guest frame, 0: no ring), its port, the server's port for it.
    nonisolated(unsafe) static var ringFrame = InlineArray<8, UInt32>(repeating: 0)
    nonisolated(unsafe) static var guestPort = InlineArray<8, UInt32>(repeating: 0)
    nonisolated(unsafe) static var serverPort = InlineArray<8, UInt32>(repeating: 0)

    static func serverWindowFrame(for vm: Int) -> UInt32 { BackendPlumbing.windowFrame(firstWindowPage + vm) }

    /// After every VM is created; a failure is a hypervisor bug (the configuration check makes each step possible).
    static func setUp(config: SystemConfig) {
        for vm in 0..<config.vmCount where config.vms[vm].consoleBackend { server = vm }
        guard let server else { return }
        // A VM that may restart gets no ring yet: its connection would have to
        // be reset with it (watches, transactions), which is not done.
        for vm in 0..<Machines.count where vm != server && !VMRestart.canRestart(vm: vm, config: config) {
            let ring = Machines.table[vm].memoryBase &+ Machines.table[vm].memorySize &- ringOffsetFromEnd
            // Zeroed: both streams empty, connection 0 (XENSTORE_CONNECTED), no error.
            BackendPlumbing.share(page: ring, of: vm, config: config, reference: ringReference, with: server,
                                  at: serverWindowFrame(for: vm))
            ringFrame[vm] = ring &>> 12
            let ports = BackendPlumbing.bind(frontend: vm, backend: server)
            guestPort[vm] = ports.frontend
            serverPort[vm] = ports.backend
        }
    }
}
