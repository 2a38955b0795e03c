import HVRegs
import HypervisorCore

/// The plumbing of the split console (docs/CONSOLE.md), laid at boot: for
/// every VM but the console backend, a Xen console ring page, grant 0 of its
/// table granting that page to the backend (mapped into the backend's grant
/// window), and an event channel between the two. Guests find it all with
/// hvm_op get_param (Hypercalls/HVMOp.swift); the hypervisor is not on the
/// data path afterwards.
enum SplitConsole {
    /// The ring page sits below the grant table (RAM end - 8 KiB) and the bootargs (RAM end - 4 KiB).
    static let ringOffsetFromEnd = UInt32(truncatingIfNeeded: GuestReservedPages.consoleRingPage * PageSize.small)

    nonisolated(unsafe) static var backend: Int? = nil
    /// Per frontend VM: its ring page (guest frame), its port, the backend's port for it.
    nonisolated(unsafe) static var ringFrame = InlineArray<8, UInt32>(repeating: 0)
    nonisolated(unsafe) static var frontendPort = InlineArray<8, UInt32>(repeating: 0)
    nonisolated(unsafe) static var backendPort = InlineArray<8, UInt32>(repeating: 0)

    /// Back-end grant window page `vm` holds that front end's console ring.
    static func backendWindowFrame(for vm: Int) -> UInt32 { BackendPlumbing.windowFrame(vm) }

    /// After every VM is created. Each step can only fail if the configuration
    /// check or the core is wrong, so a failure is a hypervisor bug.
    static func setUp(config: SystemConfig) {
        for vm in 0..<config.vmCount where config.vms[vm].consoleBackend { backend = vm }
        guard let backend else { return }
        for vm in 0..<Machines.count where vm != backend {
            let ring = Machines.table[vm].memoryBase &+ Machines.table[vm].memorySize &- ringOffsetFromEnd
            // Grant 0: Xen's GNTTAB_RESERVED_CONSOLE.
            BackendPlumbing.share(page: ring, of: vm, config: config, reference: 0, with: backend,
                                  at: backendWindowFrame(for: vm))
            ringFrame[vm] = ring &>> 12
            let ports = BackendPlumbing.bind(frontend: vm, backend: backend)
            frontendPort[vm] = ports.frontend
            backendPort[vm] = ports.backend
        }
        appendConsoleList(backend: backend)
    }

    /// The physical address of `vm`'s ring page, which its restart leaves
    /// uncleared (nil when `vm` has no ring): it is the console device's state,
    /// shared with the back end, which keeps its own copies of the indices (and
    /// drains what the old kernel left).
    static func ringPage(of vm: Int) -> UInt? {
        guard let backend, vm != backend,
              let page = Machines.guestBytes(vm: vm, address: ringFrame[vm] &<< 12, length: 4096),
              let address = page.baseAddress
        else { return nil }
        return UInt(bitPattern: address)
    }

    /// After `vm` is loaded again: grant 0 written again (the back end's
    /// mapping of the ring page never went), and a new port of `vm` bound to
    /// the back end's same port, which hvm_op get_param now names.
    static func reconnect(vm: Int, config: SystemConfig) {
        guard let backend, vm != backend else { return }
        BackendPlumbing.grant(page: ringFrame[vm] &<< 12, of: vm, config: config, reference: 0, to: backend)
        frontendPort[vm] = BackendPlumbing.rebind(frontend: vm, backend: backend, backendPort: backendPort[vm])
    }

    /// ` consoles=<domid>:<name>,...` after the backend's bootargs (last page of its memory).
    private static func appendConsoleList(backend: Int) {
        guard var sink = BootArgumentsPage.appender(vm: backend) else { return }
        sink.write(" consoles=")
        var first = true
        for vm in 0..<Machines.count where vm != backend {
            if !first { sink.write(",") }
            first = false
            sink.write(decimal: UInt32(truncatingIfNeeded: vm))
            sink.write(":")
            Machines.table[vm].writeName(to: &sink)
        }
        sink.finish()
    }
}
