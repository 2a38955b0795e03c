import HVRegs
import HypervisorCore
import XenRings

/// The plumbing of xenstore (docs/XENSTORE.md), laid at boot: the console
/// driver domain is the xenstore server. For every other VM, a xenstore ring
/// page (a page it keeps, GuestReservedPages.xenstoreRingPage), grant 1 of its
/// table granting it to the server (Xen's GNTTAB_RESERVED_XENSTORE) mapped
/// into the server's grant window, and an event channel between the two.
/// Both ends find them with hvm_op get_param STORE_PFN/STORE_EVTCHN
/// (Hypercalls/HVMOp.swift), the server naming the guest's domain id.
///
/// A VM that restarts keeps its ring page (the server's mapping of it stays)
/// and asks the server for a reset on it, as a Xen guest does with
/// XENSTORE_RECONNECT: its connection field is set to 1 and the server is
/// notified; the server starts the domain afresh and sets it back to 0. The
/// new kernel starts only then (VMRestart), with grant 1 written again and a
/// new port bound to the server's same port.
enum XenstorePlumbing {
    static let ringOffsetFromEnd = UInt32(truncatingIfNeeded: GuestReservedPages.xenstoreRingPage * PageSize.small)
    /// Xen's GNTTAB_RESERVED_XENSTORE.
    static let ringReference: UInt32 = 1
    /// Server grant window pages 16 + domid hold the rings (0 + domid: consoles, 8 + domid: blkif rings).
    static let firstWindowPage = 16
    /// struct xenstore_domain_interface's `connection` and its values (xs_wire.h).
    static let connectionOffset: UInt32 = 2068
    static let connected: UInt32 = 0
    static let reconnect: UInt32 = 1

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
        for vm in 0..<Machines.count where vm != server {
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

    /// `vm`'s `connection` word on its ring page (nil: it has no ring).
    private static func connectionWord(of vm: Int) -> UnsafeMutablePointer<UInt32>? {
        guard ringFrame[vm] != 0,
              let word = Machines.guestBytes(vm: vm, address: (ringFrame[vm] &<< 12) &+ connectionOffset, length: 4)?.baseAddress
        else { return nil }
        return word.assumingMemoryBound(to: UInt32.self)
    }

    /// `vm` begins to restart (its old ports are still bound): its ring asks
    /// for XENSTORE_RECONNECT and the server is notified on its port for `vm`.
    /// Called holding LOCK_SHARED_TABLES.
    static func requestReset(vm: Int) {
        guard let word = connectionWord(of: vm) else { return }
        hv_dsb()
        word.pointee = reconnect
        hv_dsb()
        if case .success(let notification) = EventAndGrantTables.events.send(
            caller: DomainID(truncatingIfNeeded: vm), port: guestPort[vm]) {
            EventAndGrantTables.deliver(notification)
        }
    }

    /// Whether `vm`'s new kernel must still wait for the server to answer the
    /// reset (not when the server has stopped: nobody would answer).
    static func awaitingReset(vm: Int) -> Bool {
        guard let server, Machines.table[server].isRunnable, let word = connectionWord(of: vm) else { return false }
        return word.pointee == reconnect
    }

    /// After `vm` is loaded again: grant 1 written again (the server's mapping
    /// of the ring page never went), and a new port of `vm` bound to the
    /// server's same port, which hvm_op get_param now names.
    static func reconnect(vm: Int, config: SystemConfig) {
        guard let server, vm != server, ringFrame[vm] != 0 else { return }
        BackendPlumbing.grant(page: ringFrame[vm] &<< 12, of: vm, config: config, reference: ringReference, to: server)
        guestPort[vm] = BackendPlumbing.rebind(frontend: vm, backend: server, backendPort: serverPort[vm])
    }
}
