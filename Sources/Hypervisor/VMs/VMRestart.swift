import HVRegs
import HypervisorCore

/// Restarting one VM (PSCI SYSTEM_RESET, SCHEDOP_shutdown(reboot)) while the
/// others run on: its memory cleared and its image (or Linux kernel,
/// initramfs and device tree), bootargs and VCPU loaded as at boot, its event
/// channels closed and its shared_info page fresh, its vcpu_info and runstate
/// registrations forgotten, the grants it had mapped and its grant frames
/// unmapped, the same scheduler parameters. A console front end keeps its
/// ring page, grant 0 and the back end's port (SplitConsole.reconnect). Only
/// the VM that asks is touched; it resumes at its entry point.
enum VMRestart {
    /// A back end cannot come back on its own: its front ends learnt its
    /// mappings and ports at boot. Neither can a block front end (its ring and
    /// data pages are wired at boot and the back end keeps request state).
    static func canRestart(vm: Int, config: SystemConfig) -> Bool {
        let machine = config.vms[vm]
        return !machine.consoleBackend && !machine.blockBackend && machine.disk == nil
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
            if Machines.table[vm].isLinux { unmapGrantFrames(&stage2) }
            Machines.table[vm].stage2 = stage2
        }
        SplitConsole.keepRing(of: vm)
        hv_write_tlbiallnsnh(0)
        hv_dsb()
        hv_isb()

        let began = Clock.now
        let start: VMCreation.Start
        do {
            start = try VMCreation.loadMemory(vm: vm, config: config, platform: platform, pack: payload.pack,
                                              largePack: payload.largePack, fdt: payload.fdt)
        } catch {
            Panic.halt("a VM's image no longer loads although it loaded at boot")
        }
        BootArgumentsPage.appendPhysicalBase(vm: vm, config: config, platform: platform)
        SplitConsole.reconnect(vm: vm, config: config)
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
        reportLoadTime(since: began)
        VMCreation.admit(vm, config: config)
        // Loading the images kept every VM off the CPU (not preemptible yet): not starvation.
        Scheduling.restartWatches()
        return true
    }

    /// The grant-table frames Linux placed with add_to_physmap leave its
    /// grant-frame region (their tables stay reserved; unmapped pages are skipped).
    private static func unmapGrantFrames(_ stage2: inout Stage2Tables) {
        let region = LinuxGuestLayout.grantFrames
        var offset: UInt64 = 0
        while offset < region.size {
            _ = stage2.unmapPage(GuestPhysicalAddress(region.base.value &+ offset))
            offset &+= PageSize.small
        }
    }

    /// `Apus: VM restart held the CPU <n> us` when loading took longer than a
    /// millisecond (a Linux VM's RAM clear and images): the other VMs waited that long.
    private static func reportLoadTime(since began: Instant) {
        let held = Clock.now.since(began)
        guard held.nanoseconds >= 1_000_000 else { return }
        var out = Console()
        out.write("Apus: VM restart held the CPU ")
        out.write(decimal: held.nanoseconds / 1_000)
        out.write(" us")
        out.newline()
    }
}
