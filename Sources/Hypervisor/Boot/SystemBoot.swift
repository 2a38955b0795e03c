import HVRegs
import HypervisorCore

/// Boot of the configured system. The configuration (a DTB) and the guest
/// images (an image pack) are linked into the hypervisor image by
/// Boot/payload.S; nothing else decides what runs.
enum SystemBoot {
    /// HCR for guests: stage 2 on; IRQ/FIQ/aborts to HYP; trap WFI/WFE, SMC,
    /// ACTLR, set/way maintenance and implementation-defined registers.
    static let guestHCR: UInt32 = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5)
        | (1 << 13) | (1 << 14) | (1 << 19) | (1 << 20) | (1 << 21) | (1 << 22)
    /// HSTR: trap CP15 c15 (implementation-defined) accesses.
    static let guestHSTR: UInt32 = 1 << 15
    nonisolated(unsafe) static var fdt: FDT? = nil
    nonisolated(unsafe) static var platform: Platform? = nil
    nonisolated(unsafe) static var resetCP15 = GuestCP15()

    /// The SEDF scheduling minimum, lifted only in the starvation test system (said at boot).
    static var schedulingMinimum: SchedulingMinimum {
        hv_scheduling_minimum_unchecked() != 0 ? .unchecked : .measured
    }

    static func boot() -> Never {
        Machines.initialize()
        VCPUs.initialize()
        resetCP15.save()  // no guest ran yet: these are the reset values
        // The stage-2 region really linked: validation refuses VMs whose tables do not fit it.
        let platform = Board.platform
        let loaded: LoadedConfig
        do {
            loaded = try SystemConfig.load(dtb: payload(hv_config_start(), hv_config_end()), platform: platform,
                                           minimum: schedulingMinimum, cpus: PhysicalCPUs.online)
        } catch {
            refuse(error, fdt: try? FDT(payload(hv_config_start(), hv_config_end())))
        }
        fdt = loaded.fdt
        self.platform = platform
        let pack: ImagePack
        do {
            pack = try ImagePack(payload(hv_images_start(), hv_images_end()))
        } catch {
            var out = Console()
            out.write("Apus: the image pack is unusable: ")
            error.write(to: &out)
            out.newline()
            PowerOff.exit(status: EXIT_STATUS_CONFIG_REFUSED)
        }
        var largePack: ImagePack? = nil
        if let region = loaded.config.largeImages {
            do {
                largePack = try loaded.config.largeImagePack(UnsafeRawBufferPointer(
                    start: UnsafeRawPointer(bitPattern: UInt(truncatingIfNeeded: region.base.value)),
                    count: Int(truncatingIfNeeded: region.size)))
            } catch {
                refuse(error, fdt: loaded.fdt)
            }
        }
        configureHYP()
        EventAndGrantTables.initialize(ram: platform.ram)
        let config = loaded.config
        PhysicalCPUs.inUse = config.cpusUsed
        var traceFrom: Instant?
        if let milliseconds = config.traceFromMilliseconds { traceFrom = .zero + .milliseconds(UInt64(widening: milliseconds)) }
        for index in 0..<PhysicalCPUs.online {
            ThisCPU.record(of: index).pointee.trace = TraceRing(limit: Int(truncatingIfNeeded: config.traceEntries), from: traceFrom)
        }
        Scheduling.start(policy: config.scheduler == .sedf ? .sedf : .credit)
        GuestInstructions.start()
        #if APUS_MEASURE
        TrapCensus.start()
        #endif
        for index in 0..<config.vmCount {
            do {
                try VMCreation.create(vm: index, config: config, platform: platform, pack: pack, largePack: largePack, fdt: loaded.fdt)
            } catch {
                refuse(error, fdt: loaded.fdt)
            }
        }
        EventAndGrantTables.attachBootPages(vms: config.vmCount)
        SplitConsole.setUp(config: config)
        BlockPlumbing.setUp(config: config)
        XenstorePlumbing.setUp(config: config)
        BootArgumentsPage.appendPhysicalBase(config: config, platform: platform)
        announce(config: config, fdt: loaded.fdt)
        ConsoleInput.start()
        PhysicalCPUs.startScheduling()
        let frame = hv_guest_frame()!
        Scheduling.resume(frame)
        VirtualInterrupts.enterGuest(vm: Machines.current ?? 0)
        apus_resume(frame)
    }

    /// The configuration and the image pack once more (they sit unchanged in
    /// the hypervisor image), for a VM that restarts; nil only if they no longer parse.
    static func reloadPayload() -> (config: SystemConfig, fdt: FDT, pack: ImagePack, largePack: ImagePack?)? {
        guard let platform,
              let loaded = try? SystemConfig.load(dtb: payload(hv_config_start(), hv_config_end()), platform: platform),
              let pack = try? ImagePack(payload(hv_images_start(), hv_images_end()))
        else { return nil }
        guard let region = loaded.config.largeImages else { return (loaded.config, loaded.fdt, pack, nil) }
        // The boot loader's large-image pack stays where it was put (no VM's RAM covers it).
        guard let largePack = try? loaded.config.largeImagePack(UnsafeRawBufferPointer(
                start: UnsafeRawPointer(bitPattern: UInt(truncatingIfNeeded: region.base.value)),
                count: Int(truncatingIfNeeded: region.size)))
        else { return nil }
        return (loaded.config, loaded.fdt, pack, largePack)
    }

    private static func payload(_ start: UInt, _ end: UInt) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: start), count: Int(end - start))
    }

    /// The same words `apus check` prints, then exit status 2: nothing starts.
    private static func refuse(_ error: ConfigError, fdt: FDT?) -> Never {
        var out = Console()
        out.write("Apus: configuration refused: ")
        error.write(to: &out, fdt: fdt)
        out.newline()
        PowerOff.exit(status: EXIT_STATUS_CONFIG_REFUSED)
    }

    /// The PMU cycle counter, counting in HYP too (PMCCFILTR.NSH), so the
    /// hypervisor can measure its own paths; under -icount it counts instructions.
    private static func startCycleCounter() {
        hv_write_pmselr(31)
        hv_write_pmxevtyper(1 << 27)
        hv_write_pmcntenset(1 << 31)
        hv_write_pmcr(hv_read_pmcr() | 1)
        hv_isb()
    }

    /// CPU 0 at boot: its own HYP registers and the shared distributor.
    private static func configureHYP() {
        configureThisCPU()
        GIC.initializeDistributor()
    }

    /// Every CPU: the HYP registers that configure its guest world, its cycle
    /// counter and its GIC CPU interface (all banked per CPU).
    static func configureThisCPU() {
        startCycleCounter()
        hv_write_hcr(guestHCR)
        hv_write_hstr(guestHSTR)
        hv_write_hcptr(hv_read_hcptr() & ~(UInt32(3) << 10))  // VFP/NEON for guests
        hv_write_hdcr(hv_read_hdcr() & 0x1F)                 // guests own the PMU counters
        hv_write_vtcr(Stage2Tables.vtcr)
        hv_write_cnthctl(hv_read_cnthctl() | 1)              // guests may read the physical counter
        hv_write_cntvoff(0)                                   // virtual time = physical time
        hv_write_vpidr(hv_read_midr())
        hv_write_vmpidr(VirtualMPIDR.value(ofVCPU: 0))  // until a VCPU's context sets its own
        hv_write_tlbiallnsnh(0)
        hv_dsb()
        hv_isb()
        GIC.initializeCPUInterface()
    }

    private static func announce(config: SystemConfig, fdt: FDT) {
        var out = Console()
        if schedulingMinimum == .unchecked {
            out.write("Apus: TEST SYSTEM: the SEDF scheduling minimum is not checked")
            out.newline()
        }
        out.write("Apus: scheduler ")
        out.write(config.scheduler.name)
        out.write(", ")
        out.write(decimal: UInt32(truncatingIfNeeded: config.vmCount))
        out.write(" VMs")
        out.newline()
        for index in 0..<Machines.count {
            let machine = Machines.table[index]
            out.write("  VM ")
            out.write(decimal: machine.index)
            out.write(" ")
            machine.writeName(to: &out)
            out.write(": memory ")
            out.write(hex: machine.memoryBase)
            out.write(" (")
            out.write(decimal: machine.memorySize / 1024)
            out.write(" KiB) at physical ")
            out.write(hex: machine.physicalBase)
            out.newline()
        }
    }
}
