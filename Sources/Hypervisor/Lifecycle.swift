import HVRegs
import HypervisorCore

/// Boot of the configured system and its end. The configuration (a DTB) and
/// the guest images (an image pack) are linked into the hypervisor image by
/// Boot/payload.S; nothing else decides what runs.
enum Lifecycle {
    /// HCR for guests: stage 2 on; IRQ/FIQ/aborts to HYP; trap WFI/WFE, SMC,
    /// ACTLR, set/way maintenance and implementation-defined registers.
    static let guestHCR: UInt32 = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5)
        | (1 << 13) | (1 << 14) | (1 << 19) | (1 << 20) | (1 << 21) | (1 << 22)
    /// HSTR: trap CP15 c15 (implementation-defined) accesses.
    static let guestHSTR: UInt32 = 1 << 15
    /// Each VM's stage-2 tables get this many 4 KiB pages of the .stage2 region
    /// (the examples need 5 or 6, plus 2 reserved for the grant window).
    static let stage2PagesPerVM = 10

    nonisolated(unsafe) static var fdt: FDT? = nil
    nonisolated(unsafe) static var resetCP15 = GuestCP15()

    static func boot() -> Never {
        Machines.initialize()
        resetCP15.save()  // no guest ran yet: these are the reset values
        let platform = Board.platform
        let loaded: LoadedConfig
        do {
            loaded = try SystemConfig.load(dtb: payload(hv_config_start(), hv_config_end()), platform: platform)
        } catch {
            refuse(error, fdt: try? FDT(payload(hv_config_start(), hv_config_end())))
        }
        fdt = loaded.fdt
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
        configureHYP()
        InterVM.initialize(ram: platform.ram)
        let config = loaded.config
        Scheduling.trace = TraceRing(limit: Int(truncatingIfNeeded: config.traceEntries))
        Scheduling.policy = config.scheduler == .sedf ? .sedf : .credit
        for index in 0..<config.vmCount {
            do {
                try create(vm: index, config: config, platform: platform, pack: pack, fdt: loaded.fdt)
            } catch {
                refuse(error, fdt: loaded.fdt)
            }
        }
        InterVM.attachBootPages(vms: config.vmCount)
        SplitConsole.setUp(config: config)
        BlockPlumbing.setUp(config: config)
        BootArgumentsPage.appendPhysicalBase(config: config, platform: platform)
        announce(config: config, fdt: loaded.fdt)
        Scheduling.request(.release)
        let frame = hv_guest_frame()!
        Scheduling.resume(frame)
        VirtualInterrupts.enterGuest(vm: Machines.current ?? 0)
        apus_resume(frame)
    }

    /// Every remaining VM waits for an interrupt that nothing can raise: say
    /// so and end the run instead of idling forever.
    static func stalled() -> Never {
        var out = Console()
        out.write("Apus: every running VM is blocked with no timer armed and no device interrupt enabled; nothing can wake them:")
        out.newline()
        for vm in 0..<Machines.count where Machines.table[vm].isRunnable {
            out.write("  VM ")
            Machines.table[vm].writeName(to: &out)
            out.write(" waits at pc ")
            out.write(hex: Machines.table[vm].vcpu.frame.elr)
            out.newline()
        }
        finish("Apus: stopping the system", status: EXIT_STATUS_STALLED)
    }

    /// Every VM has stopped (or none can run again): report, dump the trace, power off.
    static func finish(_ headline: StaticString = "Apus: all VMs stopped", status: Int32 = EXIT_STATUS_OK) -> Never {
        var out = Console()
        out.write(headline)
        out.newline()
        for vm in 0..<Machines.count {
            let machine = Machines.table[vm]
            out.write("  VM ")
            machine.writeName(to: &out)
            out.write(": hypercalls ")
            out.write(decimal: machine.hypercalls)
            out.write(", console_io writes ")
            out.write(decimal: machine.consoleWrites)
            out.write(", interrupts ")
            out.write(decimal: machine.interrupts)
            out.write(", faults injected ")
            out.write(decimal: machine.injectedFaults)
            if machine.forwardedAccesses != 0 {
                out.write(", forwarded accesses ")
                out.write(decimal: machine.forwardedAccesses)
            }
            out.newline()
        }
        out.write("  decisions ")
        out.write(decimal: Scheduling.decisions)
        out.write(", unowned interrupts ")
        out.write(decimal: Interrupts.unowned)
        out.write(", ignored distributor accesses ")
        out.write(decimal: DistributorEmulation.ignoredAccesses)
        out.newline()
        writeStackPeak(to: &out)
        Traps.cost.write(name: "trap-handling", to: &out)
        Scheduling.decideCost.write(name: "decide", to: &out)
        Scheduling.switchCost.write(name: "vcpu-switch", to: &out)
        #if APUS_TRACE_DUMP
        dumpTrace(to: &out)
        #endif
        PowerOff.exit(status: status)
    }

    /// The deepest the HYP stack went: the first word from the bottom that no
    /// longer holds the boot-time paint.
    static func writeStackPeak(to out: inout Console) {
        var address = hv_stack_bottom()
        while address < hv_stack_top(), hv_peek32(address) == UInt32(STACK_PAINT) { address += 4 }
        out.write("  HYP stack: peak ")
        out.write(decimal: UInt32(truncatingIfNeeded: hv_stack_top() - address))
        out.write(" of ")
        out.write(decimal: UInt32(truncatingIfNeeded: hv_stack_top() - hv_stack_bottom()))
        out.write(" bytes")
        out.newline()
    }

    /// The trace ring in `apus-trace 1` format between two marker lines, for
    /// `make trace` to cut out and hand to `apus trace`.
    static func dumpTrace(to out: inout Console) {
        out.write("--- apus-trace begin ---")
        out.newline()
        Scheduling.trace.write(to: &out, vcpus: Machines.count, end: Clock.now) { vcpu, sink in
            Machines.table[Int(vcpu)].writeName(to: &sink)
        }
        out.write("--- apus-trace end ---")
        out.newline()
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

    private static func configureHYP() {
        startCycleCounter()
        hv_write_hcr(guestHCR)
        hv_write_hstr(guestHSTR)
        hv_write_hcptr(hv_read_hcptr() & ~(UInt32(3) << 10))  // VFP/NEON for guests
        hv_write_hdcr(hv_read_hdcr() & 0x1F)                 // guests own the PMU counters
        hv_write_vtcr(Stage2Tables.vtcr)
        hv_write_cnthctl(hv_read_cnthctl() | 1)              // guests may read the physical counter
        hv_write_cntvoff(0)                                   // virtual time = physical time
        hv_write_vpidr(hv_read_midr())
        hv_write_vmpidr(hv_read_mpidr())
        hv_write_tlbiallnsnh(0)
        hv_dsb()
        hv_isb()
        GIC.initialize()
        Hypercalls.register()
        GuestTraps.register()
    }

    /// Loads one VM: clean memory, image, bootargs, stage 2, VCPU, scheduler.
    private static func create(vm index: Int, config: SystemConfig, platform: Platform, pack: ImagePack, fdt: FDT) throws(ConfigError) {
        let vm = config.vms[index]
        let image = try config.image(ofVM: index, in: pack, fdt: fdt)
        let physical = UInt(truncatingIfNeeded: vm.physicalBase.value)
        let size = UInt(truncatingIfNeeded: vm.memory.size)
        GuestMemory.clear(physical: physical, size: size)
        GuestMemory.copy(image, toPhysical: physical)
        let bootargsPage = GuestMemoryMap.bootArgumentsPage(ramEnd: vm.memory.end).value &- vm.memory.base.value
        let bootargsAddress = UInt32(truncatingIfNeeded: vm.memory.base.value &+ bootargsPage)
        GuestMemory.copyString(fdt.bytes(of: vm.bootargs), toPhysical: physical + UInt(truncatingIfNeeded: bootargsPage))
        GuestMemory.cleanToPointOfCoherency(physical: physical, size: size)

        let tablesStart = hv_stage2_start() + UInt(index * stage2PagesPerVM * 4096)
        let tables = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: tablesStart), count: stage2PagesPerVM * 4096)
        var stage2: Stage2Tables
        do {
            stage2 = try Stage2Tables.build(for: vm, platform: platform, tables: tables, physicalBase: PhysicalAddress(UInt32(truncatingIfNeeded: tablesStart)))
        } catch {
            Panic.halt("stage-2 tables do not fit their region (raise stage2PagesPerVM)")
        }
        do {
            try InterVM.grants.addDomain(DomainID(truncatingIfNeeded: index), layout: GrantLayout(vm: vm), stage2: &stage2)
        } catch {
            Panic.halt("the grant window does not fit a VM's stage 2 (raise stage2PagesPerVM)")
        }
        var machine = VirtualMachine()
        machine.index = UInt32(truncatingIfNeeded: index)
        machine.name = fdt.bytes(of: vm.name)
        machine.memoryBase = UInt32(truncatingIfNeeded: vm.memory.base.value)
        machine.memorySize = UInt32(truncatingIfNeeded: vm.memory.size)
        machine.physicalBase = UInt32(truncatingIfNeeded: vm.physicalBase.value)
        machine.vttbr = stage2.vttbr(vmid: UInt8(truncatingIfNeeded: index + 1))
        machine.stage2 = stage2
        machine.forwardedWindows = ForwardedWindows(vm: vm)
        machine.vcpu = VCPUContext(
            entry: UInt32(truncatingIfNeeded: vm.entry.value), r0: UInt32(truncatingIfNeeded: index),
            r1: bootargsAddress, resetCP15: resetCP15)
        var passthrough = InterruptSet()
        for device in 0..<vm.deviceCount {
            for interrupt in 0..<vm.devices[device].interruptCount {
                let intid = vm.devices[device].interrupts[interrupt]
                passthrough.insert(intid)
                do {
                    try VirtualInterrupts.assign(intid, to: index)
                } catch {
                    Panic.halt("an interrupt is assigned twice although the configuration check forbids it")
                }
            }
        }
        var ppis = InterruptSet()
        ppis.insert(VirtualGIC.virtualTimerPPI)
        ppis.insert(VirtualGIC.eventChannelPPI)
        machine.vgic = VirtualGIC(ownedPPIs: ppis, passthroughSPIs: passthrough)
        Machines.table[index] = machine
        Machines.count = index + 1
        do throws(SchedulerError) {
            switch config.scheduler {
            case .sedf: try Scheduling.admit(index, sedf: vm.sedf!)
            case .credit: try Scheduling.admit(index, credit: vm.credit!)
            }
        } catch {
            // Validation already checked parameters and admission; a refusal here is a bug.
            Panic.halt("the scheduler refused a VM the configuration check accepted")
        }
    }

    private static func announce(config: SystemConfig, fdt: FDT) {
        var out = Console()
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
