import HypervisorCore

/// What the hypervisor tells the block back end at boot (docs/BLOCK.md):
/// which VM's `disk` is which slice of its own disk, as `disks=` in its
/// bootargs. Nothing else: each front end finds its back end through
/// xenstore, grants its own ring and allocates its own event channel, as
/// Xen's front ends do, and the back end maps and binds them
/// (XenstorePlumbing gives both ends their xenstore rings).
enum BlockPlumbing {
    static func setUp(config: SystemConfig) {
        var backend: Int? = nil
        for vm in 0..<config.vmCount where config.vms[vm].blockBackend { backend = vm }
        guard let backend, var backendList = BootArgumentsPage.appender(vm: backend) else { return }
        backendList.write(" disks=")
        var first = true
        for vm in 0..<config.vmCount where vm != backend {
            guard let slice = config.vms[vm].disk else { continue }
            if !first { backendList.write(",") }
            first = false
            backendList.write(decimal: UInt32(truncatingIfNeeded: vm))
            backendList.write(":")
            backendList.write(decimal: slice.firstSector)
            backendList.write(":")
            backendList.write(decimal: slice.sectorCount)
        }
        backendList.finish()
    }
}
