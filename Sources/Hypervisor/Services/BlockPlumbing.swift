import HVRegs
import HypervisorCore
import XenRings

/// The plumbing of the split block device (docs/BLOCK.md), laid at boot for
/// every VM with a `disk`: a blkif ring page (initialised), grant 1 of its
/// table granting it to the block back end (mapped into the back end's grant
/// window), an event channel, and both ends told where it all is through
/// their bootargs. The hypervisor is not on the data path afterwards.
enum BlockPlumbing {
    /// The ring page sits below the console ring (RAM end - 12 KiB).
    static let ringOffsetFromEnd = UInt32(truncatingIfNeeded: GuestReservedPages.blockRingPage * PageSize.small)
    /// Grant 2 (Xen reserves 0-7; 0 is the console ring, 1 the xenstore ring).
    static let ringReference: UInt32 = 2
    /// Back-end grant window pages 8 + domid hold the rings (0 + domid: consoles).
    static let firstWindowPage = 8

    nonisolated(unsafe) static var backend: Int? = nil
    /// Per front end VM: its ring page (guest address, 0: no disk), the back end's port for it.
    nonisolated(unsafe) static var ringPage = InlineArray<8, UInt32>(repeating: 0)
    nonisolated(unsafe) static var backendPort = InlineArray<8, UInt32>(repeating: 0)

    static func setUp(config: SystemConfig) {
        var backend: Int? = nil
        for vm in 0..<config.vmCount where config.vms[vm].blockBackend { backend = vm }
        self.backend = backend
        guard let backend, var backendList = BootArgumentsPage.appender(vm: backend) else { return }
        backendList.write(" disks=")
        var first = true
        for vm in 0..<config.vmCount where vm != backend {
            guard let slice = config.vms[vm].disk else { continue }
            let ring = Machines.table[vm].memoryBase &+ Machines.table[vm].memorySize &- ringOffsetFromEnd
            let window = BackendPlumbing.windowFrame(firstWindowPage + vm)
            BackendPlumbing.share(page: ring, of: vm, config: config, reference: ringReference, with: backend, at: window)
            guard let page = Machines.guestBytes(vm: vm, address: ring, length: 4096)?.baseAddress,
                  let layout = SharedRingLayout(pageSize: 4096, request: BlkifRequest.self, response: BlkifResponse.self)
            else { Panic.halt("a blkif ring lies outside its VM") }
            SharedRingPage(memory: SharedMemory(page), layout: layout).initialize()
            let ports = BackendPlumbing.bind(frontend: vm, backend: backend)
            ringPage[vm] = ring
            backendPort[vm] = ports.backend

            if var frontendArguments = BootArgumentsPage.appender(vm: vm) {
                frontendArguments.write(" blkif=")
                frontendArguments.write(decimal: UInt32(truncatingIfNeeded: backend))
                frontendArguments.write(":")
                frontendArguments.write(hex: ring)
                frontendArguments.write(":")
                frontendArguments.write(decimal: ports.frontend)
                frontendArguments.write(":")
                frontendArguments.write(decimal: slice.sectorCount)
                frontendArguments.finish()
            }
            if !first { backendList.write(",") }
            first = false
            backendList.write(decimal: UInt32(truncatingIfNeeded: vm))
            backendList.write(":")
            backendList.write(hex: window &<< 12)
            backendList.write(":")
            backendList.write(decimal: ports.backend)
            backendList.write(":")
            backendList.write(decimal: slice.firstSector)
            backendList.write(":")
            backendList.write(decimal: slice.sectorCount)
        }
        backendList.finish()
    }

    /// After a front end with a disk is loaded again: its boot-time ring page
    /// (kept across the restart, the back end's mapping with it) granted again
    /// under grant 2, and a new port of the front end bound to the back end's
    /// same port, so the back end never sees the disk's front end go.
    static func reconnect(vm: Int, config: SystemConfig) {
        guard let backend, vm != backend, ringPage[vm] != 0 else { return }
        BackendPlumbing.grant(page: ringPage[vm], of: vm, config: config, reference: ringReference, to: backend)
        _ = BackendPlumbing.rebind(frontend: vm, backend: backend, backendPort: backendPort[vm])
    }
}
