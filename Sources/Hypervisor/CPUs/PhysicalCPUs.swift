import HVRegs
import HypervisorCore

/// The machine's physical CPUs: how many there are (the GIC's CPU interfaces),
/// bringing the secondaries into HYP (the platform's way: SecondaryCPUStart),
/// and which of them came up. CPU 0 does all of it; a secondary only says it
/// is online (apus_secondary_main).
enum PhysicalCPUs {
    /// CPUs Apus runs on (0 ..< online): set by `start`, never changed after.
    nonisolated(unsafe) static var online = 1
    /// CPUs the GIC has (GICD_TYPER.CPUNumber + 1).
    nonisolated(unsafe) static var present = 1
    /// CPUs the configuration puts VCPUs on (0 ..< inUse), set at boot.
    nonisolated(unsafe) static var inUse = 1
    /// How long CPU 0 waits for a secondary to come up before it goes on without it.
    static let startTimeout = TimeSpan.milliseconds(100)

    /// Starts CPUs 1 ..< present in turn, each waiting until it is online; the
    /// first that does not come up ends the bring-up (the banner says so).
    static func start() {
        let typer = hv_mmio_read32(GIC.distributor + 0x004)
        present = Int((typer >> 5) & 7) + 1
        for index in 1..<min(present, Int(APUS_MAX_CPUS)) {
            guard startSecondary(index) else { return }
            online = index + 1
        }
    }

    /// CPU `index`'s MPIDR once it is online, else 0.
    static func mpidr(_ index: Int) -> UInt32 { hv_mmio_read32(hv_cpu_online_address(UInt32(index))) }

    private static func startSecondary(_ index: Int) -> Bool {
        release(index)
        // With the boot stub as the secure monitor (virt with secure=on) no
        // firmware answers CPU_ON: only CPUs that entered the image can start.
        if Board.platform.secondaryCPUStart == .psciCPUOn, hv_own_secure_monitor() == 0 {
            // Target MPIDR: Aff0 = index on the supported machines; entry: the image's, in HYP.
            let result = Int32(bitPattern: apus_smc(PSCIFunction.cpuOn.rawValue, UInt32(index),
                                                    UInt32(hv_image_start()), 0))
            guard result == PSCIResult.success.rawValue || result == psciAlreadyOn else { return false }
        }
        let deadline = Clock.now + startTimeout
        // WFE: the secondary's SEV ends it (and QEMU, which runs CPUs in
        // turns, lets the secondary run instead of this loop).
        while mpidr(index) == 0 {
            if Clock.now >= deadline { return false }
            hv_wfe()
        }
        return true
    }

    /// PSCI's ALREADY_ON: the CPU runs (it entered the image with CPU 0).
    private static let psciAlreadyOn: Int32 = -4

    /// Sets CPU `index`'s release bit and makes it visible to a CPU whose caches are off.
    private static func release(_ index: Int) {
        let word = hv_secondary_release_address()
        hv_mmio_write32(word, hv_mmio_read32(word) | (1 << UInt32(index)))
        hv_dsb()
        hv_write_dccmvac(UInt32(word))
        hv_dsb()
        hv_sev()
    }

    /// The banner's line: `CPUs: 4 of 4 in HYP (MPIDR 0x80000000 0x80000001 ...)`.
    static func writeBannerLine(to out: inout Console) {
        out.write("  CPUs: ")
        out.write(decimal: UInt32(truncatingIfNeeded: online))
        out.write(" of ")
        out.write(decimal: UInt32(truncatingIfNeeded: present))
        out.write(" in HYP (MPIDR")
        for index in 0..<online {
            out.write(" ")
            out.write(hex: index == 0 ? hv_read_mpidr() : mpidr(index))
        }
        out.write(")")
        if online < min(present, Int(APUS_MAX_CPUS)) {
            out.write("; CPU ")
            out.write(decimal: UInt32(truncatingIfNeeded: online))
            out.write(" did not start")
        }
        out.newline()
    }
}

extension PhysicalCPUs {
    /// CPU 0, when every VM is created and admitted: the secondaries may schedule.
    static func startScheduling() {
        hv_dsb()
        hv_mmio_write32(hv_scheduling_started_address(), 1)
        hv_dsb()
        hv_sev()
    }

    static var schedulingStarted: Bool { hv_mmio_read32(hv_scheduling_started_address()) != 0 }
}

/// Boot/start.S calls this on each secondary CPU once CPU 0 released it: HYP
/// stack, vectors, MMU and HTPIDR are set. It takes its share of the HYP
/// configuration and its GIC CPU interface and says it is online. When CPU 0
/// has created the VMs, it runs its own VCPUs (partitioned scheduling) or,
/// with none, idles in WFI for good.
@c(apus_secondary_main)
func apusSecondaryMain(_ index: UInt32) -> Never {
    SystemBoot.configureThisCPU()
    hv_dsb()
    hv_mmio_write32(hv_cpu_online_address(index), hv_read_mpidr())
    hv_dsb()
    hv_sev()
    while !PhysicalCPUs.schedulingStarted { hv_wfe() }
    hv_dmb()
    if Scheduling.hasVCPUs {
        GuestInstructions.start()
        let frame = hv_guest_frame_of(index)!
        Scheduling.resume(frame)
        VirtualInterrupts.enterGuest(vm: Machines.current ?? 0)
        apus_resume(frame)
    }
    while true {
        hv_dsb()
        hv_wfi()
        Interrupts.handlePending()
    }
}
