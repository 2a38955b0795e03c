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

    static func setUp(config: SystemConfig) {
        var backend: Int? = nil
        for vm in 0..<config.vmCount where config.vms[vm].blockBackend { backend = vm }
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
}
