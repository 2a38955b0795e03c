// Which VMs restart on their own when they ask to (PSCI SYSTEM_RESET,
// SCHEDOP_shutdown reboot: VMRestart in the hypervisor). A VM that cannot is
// stopped instead, with the reason it asked for (reboot); `apus check` says so
// for each such VM.

/// Why a VM's reboot stops it instead of restarting it.
public enum RestartRefusal: Equatable, Sendable {
    /// A console or block back end: its front ends learnt its mappings and ports at boot.
    case backend
    /// Several VCPUs: each VCPU's CPU would have to take it off first (not done, docs/SMP.md).
    case severalVCPUs
}

extension VMConfig {
    /// Nil when the VM restarts alone at its request.
    public var restartRefusal: RestartRefusal? {
        if consoleBackend || blockBackend { return .backend }
        if vcpuCount > 1 { return .severalVCPUs }
        return nil
    }
}
