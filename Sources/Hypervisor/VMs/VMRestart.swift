import HVRegs
import HypervisorCore

/// Restarting one VM (PSCI SYSTEM_RESET, SCHEDOP_shutdown(reboot)) while the
/// others run on: its memory cleared and its image, bootargs and VCPU loaded
/// as at boot, its event channels closed and its shared_info page fresh, the
/// grants it had mapped unmapped, the same scheduler parameters. Only the
/// VM that asks is touched; it resumes at its entry point.
enum VMRestart {
    /// Split-driver roles are wired once, at boot, between two VMs (a ring
    /// page, a grant, a channel both sides learnt then): a VM in one cannot
    /// come back on its own. With a console driver domain every VM has one.
    /// A Linux VM is not restarted either (its kernel, device tree and
    /// grant-frame region are laid out at boot only).
    static func canRestart(vm: Int, config: SystemConfig) -> Bool {
        let machine = config.vms[vm]
        guard !machine.isLinux, !machine.consoleBackend, !machine.blockBackend, machine.disk == nil else { return false }
        for other in 0..<config.vmCount where config.vms[other].consoleBackend { return false }
        return true
    }

    /// Whether `vm` may restart (PSCI FEATURES answers from this).
    static func canRestart(vm: Int) -> Bool {
        guard let payload = SystemBoot.reloadPayload() else { return false }
        return canRestart(vm: vm, config: payload.config)
    }

    /// Restarts `vm`, the running VM whose trap `frame` is; false (and nothing
    /// changed) when it cannot restart.
    static func restart(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, because why: StaticString) -> Bool {
        guard let payload = SystemBoot.reloadPayload(), let platform = SystemBoot.platform,
              canRestart(vm: vm, config: payload.config), Machines.current == vm else { return false }
        let config = payload.config
        GuestConsoleOutput.finish(vm: vm)
        // The old VCPU leaves the CPU as in a switch (timer off, list registers folded away).
        Machines.table[vm].vcpu.save(from: frame)
        Scheduling.remove(vm)
        EventAndGrantTables.release(vm: vm)
        EventAndGrantTables.attachBootPage(vm: vm)
        if var stage2 = Machines.table[vm].stage2 {
            _ = EventAndGrantTables.grants.unmapAll(by: DomainID(truncatingIfNeeded: vm), stage2: &stage2)
            Machines.table[vm].stage2 = stage2
        }
        hv_write_tlbiallnsnh(0)
        hv_dsb()
        hv_isb()

        let start: VMCreation.Start
        do {
            start = try VMCreation.loadMemory(vm: vm, config: config, platform: platform, pack: payload.pack,
                                              largePack: nil, fdt: payload.fdt)
        } catch {
            Panic.halt("a VM's image no longer loads although it loaded at boot")
        }
        BootArgumentsPage.appendPhysicalBase(vm: vm, config: config, platform: platform)
        Machines.table[vm].vcpu = VMCreation.freshVCPU(start)
        Machines.table[vm].vgic = VMCreation.virtualGIC(for: config.vms[vm])
        Machines.table[vm].vcpuInfo = nil
        Machines.table[vm].runstateArea = 0
        Machines.table[vm].runstate = RunstateAccount(now: Clock.now.nanoseconds)
        Machines.table[vm].consoleInput = ConsoleInputQueue()
        Machines.table[vm].restarts &+= 1
        // The new VCPU is the one on the CPU now.
        Machines.table[vm].vcpu.restore(into: frame)

        var out = Console()
        out.write("Apus: VM ")
        Machines.table[vm].writeName(to: &out)
        out.write(" restarted (")
        out.write(why)
        out.write(", restart ")
        out.write(decimal: Machines.table[vm].restarts)
        out.write(")")
        out.newline()
        VMCreation.admit(vm, config: config)
        return true
    }
}
