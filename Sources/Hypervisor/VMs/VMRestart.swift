import HVRegs
import HypervisorCore

/// Restarting one VM (PSCI SYSTEM_RESET, SCHEDOP_shutdown(reboot)) while the
/// others run on: its memory cleared and its image (or Linux kernel,
/// initramfs and device tree), bootargs and VCPU loaded as at boot, its event
/// channels closed and its shared_info page fresh, its vcpu_info and runstate
/// registrations forgotten, the grants it had mapped and its grant frames
/// unmapped, the same scheduler parameters. What it granted is withdrawn at
/// once (GrantWithdrawal): its grant table cleared and the pages other VMs
/// mapped from it taken back, before its memory is touched. A front end keeps
/// its split-driver ring pages (console, xenstore), their grants and the back
/// end's ports (SplitConsole, XenstorePlumbing `reconnect`), and asks the
/// xenstore server to start its connection afresh; the new kernel starts once
/// the server has answered (XenstorePlumbing). Only the VM that asks is touched.
///
/// The load is the VM's own work: it stays admitted with its parameters and,
/// whenever the scheduler gives it the CPU, its VCPU runs load steps
/// (MemoryLoad, each bounded) instead of guest code, so SEDF and credit
/// charge the load to its budget and any scheduling event preempts it between
/// two steps. It resumes at its entry point once the load is complete.
enum VMRestart {
    /// A restart under way: the load and what is reported when it is done.
    struct Pending {
        var load: MemoryLoad
        let why: StaticString
        let requested: Instant
        /// CPU time the steps took, and the longest step.
        var worked = TimeSpan.zero
        var longestStep = TimeSpan.zero
        /// Mappings of its pages other VMs held, taken back at the request.
        var revokedMappings = 0
        /// When the load was complete (it may then wait for the xenstore reset).
        var loaded: Instant? = nil
    }

    /// How long a loaded VM waits for the xenstore server's reset before it
    /// starts anyway (the server answers within its period; this only bounds
    /// a server that no longer serves, which is reported).
    static let resetPatience = TimeSpan.milliseconds(1000)

    nonisolated(unsafe) static var pending = InlineArray<8, Pending?>(repeating: nil)
    /// Which VMs have a load under way: read on every return to a guest, so a flag, not `pending`.
    nonisolated(unsafe) static var loading = InlineArray<8, Bool>(repeating: false)

    /// VMConfig.restartRefusal: a back end or a VM with several VCPUs stops. A
    /// block front end can restart: it finds its disk through xenstore, whose
    /// reset tells the back end to let go of the old connection and wait for the new one.
    static func canRestart(vm: Int, config: SystemConfig) -> Bool {
        config.vms[vm].restartRefusal == nil
    }

    /// The physical pages a restarting VM keeps: its split-driver rings
    /// (GuestReservedPages 5 to 3: xenstore, an unused page, console), when a
    /// driver domain shares them. Nil without a driver domain.
    static func keptPages(of vm: Int) -> Range<UInt>? {
        guard SplitConsole.backend != nil, let console = SplitConsole.ringPage(of: vm) else { return nil }
        let below = UInt(truncatingIfNeeded: (GuestReservedPages.xenstoreRingPage - GuestReservedPages.consoleRingPage) * PageSize.small)
        return (console - below)..<(console + 4096)
    }

    /// Whether `vm` may restart (PSCI FEATURES answers from this).
    static func canRestart(vm: Int) -> Bool {
        guard let payload = SystemBoot.reloadPayload() else { return false }
        return canRestart(vm: vm, config: payload.config)
    }

    @inline(__always)
    static func isRestarting(_ vm: Int) -> Bool { loading[vm] }

    /// Begins restarting `vm`, the running VM whose trap `frame` is: the old
    /// VCPU goes at once and the load is planned, to run later in steps
    /// (`work`); its channels and grants go when the load is complete. False
    /// (and nothing changed) when it cannot restart.
    static func restart(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, because why: StaticString) -> Bool {
        guard let payload = SystemBoot.reloadPayload(),
              canRestart(vm: vm, config: payload.config), Machines.current == vm, !isRestarting(vm) else { return false }
        let load: MemoryLoad
        let kept = keptPages(of: vm)
        do {
            load = try MemoryLoad(vm: vm, config: payload.config, pack: payload.pack, largePack: payload.largePack,
                                  fdt: payload.fdt, keeping: kept)
        } catch {
            Panic.halt("a VM's image no longer loads although it loaded at boot")
        }
        let revoked = CrossCPU.withLock(LOCK_SHARED_TABLES) {
            let revoked = GrantWithdrawal.withdraw(vm: vm, config: payload.config, keeping: kept)
            XenstorePlumbing.requestReset(vm: vm)
            return revoked
        }
        GuestConsoleOutput.finish(vm: vm)
        // The old VCPU leaves the CPU as in a switch (timer off, list registers folded away).
        let vcpu = VCPUs.of(vm: vm, 0)
        VCPUs.table[vcpu].context.save(from: frame)
        // The new VCPU, at reset, is the one on the CPU from now on; it runs
        // no guest instruction before the load is complete (Scheduling.resume).
        VCPUs.table[vcpu].context = VMCreation.freshVCPU(load.start)
        Machines.table[vm].vgic = VMCreation.virtualGIC(for: payload.config.vms[vm])
        Machines.table[vm].power = VCPUPower(vcpuCount: payload.config.vms[vm].vcpuCount)
        // Nothing the hypervisor does may write into the RAM being loaded:
        // events raised meanwhile go to the boot-time shared_info page
        // (hypervisor memory), not the kernel's shared_info or vcpu_info.
        EventAndGrantTables.attachBootPage(vm: vm)
        VCPUs.table[vcpu].vcpuInfo = nil
        VCPUs.table[vcpu].runstateArea = 0
        VCPUs.table[vcpu].runstate = RunstateAccount(now: Clock.now.nanoseconds)
        Machines.table[vm].consoleInput = ConsoleInputQueue()
        VCPUs.table[vcpu].context.restore(into: frame)
        pending[vm] = Pending(load: load, why: why, requested: Clock.now, revokedMappings: revoked)
        loading[vm] = true
        return true
    }

    /// One step of `vm`'s load, on its own CPU time (`vm` is the VCPU the
    /// scheduler chose); when it was the last, `vm` is ready to run its new
    /// kernel once the xenstore server has reset its connection (until then
    /// each step only looks: the server answers within its next period, long
    /// before a Linux load of tens of milliseconds is done).
    static func work(vm: Int) {
        guard var restart = pending[vm], let platform = SystemBoot.platform else { return }
        if !restart.load.isDone {
            let began = Clock.now
            restart.load.step(platform: platform)
            let took = Clock.now.since(began)
            restart.worked += took
            restart.longestStep = max(restart.longestStep, took)
            if restart.load.isDone { restart.loaded = Clock.now }
            pending[vm] = restart
        }
        guard let loaded = restart.loaded else { return }
        guard XenstorePlumbing.awaitingReset(vm: vm) else { return complete(vm: vm) }
        if Clock.now.since(loaded) >= resetPatience {
            var out = Console()
            out.write("Apus: VM ")
            Machines.table[vm].writeName(to: &out)
            out.write(": the xenstore server did not reset its connection within 1 s; started anyway")
            out.newline()
            complete(vm: vm)
        }
    }

    private static func complete(vm: Int) {
        guard let restart = pending[vm], let payload = SystemBoot.reloadPayload(), let platform = SystemBoot.platform
        else { Panic.halt("a restarting VM's configuration no longer parses") }
        pending[vm] = nil
        loading[vm] = false
        // Its channels and grants go only now, and the split drivers' come back
        // at once (in the order of boot, so the ports are boot's): a back end
        // never sees the port it was bound to at boot closed.
        CrossCPU.withLock(LOCK_SHARED_TABLES) {
            EventAndGrantTables.release(vm: vm)
            EventAndGrantTables.attachBootPage(vm: vm)
            if var stage2 = Machines.table[vm].stage2 {
                _ = EventAndGrantTables.grants.unmapAll(by: DomainID(truncatingIfNeeded: vm), stage2: &stage2)
                if Machines.table[vm].isLinux { unmapGrantFrames(&stage2) }
                Machines.table[vm].stage2 = stage2
            }
            hv_write_tlbiallnsnh(0)
            hv_dsb()
            hv_isb()
            Machines.table[vm].vgic = VMCreation.virtualGIC(for: payload.config.vms[vm])  // nothing the old channels raised
            SplitConsole.reconnect(vm: vm, config: payload.config)
            XenstorePlumbing.reconnect(vm: vm, config: payload.config)
        }
        BootArgumentsPage.appendPhysicalBase(vm: vm, config: payload.config, platform: platform)
        Machines.table[vm].restarts &+= 1

        // `Apus: VM linux restarted (why, restart 1): loaded in <n> us of its own CPU time (longest step <n> us), <n> us after the request; <n> mappings of it taken back`
        var out = Console()
        out.write("Apus: VM ")
        Machines.table[vm].writeName(to: &out)
        out.write(" restarted (")
        out.write(restart.why)
        out.write(", restart ")
        out.write(decimal: Machines.table[vm].restarts)
        out.write("): loaded in ")
        out.write(decimal: restart.worked.nanoseconds / 1_000)
        out.write(" us of its own CPU time (longest step ")
        out.write(decimal: restart.longestStep.nanoseconds / 1_000)
        out.write(" us), ")
        out.write(decimal: Clock.now.since(restart.requested).nanoseconds / 1_000)
        out.write(" us after the request; ")
        out.write(decimal: UInt32(truncatingIfNeeded: restart.revokedMappings))
        out.write(" mappings of it taken back")
        out.newline()
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
}
