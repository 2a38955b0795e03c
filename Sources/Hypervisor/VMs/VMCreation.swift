import HVRegs
import HypervisorCore

/// Creating the configured VMs at boot, one at a time.
enum VMCreation {
    /// Each VM's stage-2 tables get this many 4 KiB pages of the .stage2 region
    /// (the examples need 5 or 6, plus 2 reserved for the grant window).
    static let stage2PagesPerVM = 10

    /// Loads one VM: clean memory, image, bootargs, stage 2, VCPU, scheduler.
    static func create(vm index: Int, config: SystemConfig, platform: Platform, pack: ImagePack, largePack: ImagePack?,
                       fdt: FDT) throws(ConfigError) {
        let vm = config.vms[index]
        let physical = UInt(truncatingIfNeeded: vm.physicalBase.value)
        let size = UInt(truncatingIfNeeded: vm.memory.size)
        let bootargsAddress = UInt32(truncatingIfNeeded: vm.memory.base.value) &+ UInt32(truncatingIfNeeded: size) &- 4096
        // Entry registers: an Apus guest gets its id and bootargs; Linux what a boot loader gives it.
        let start: (entry: UInt32, r0: UInt32, r1: UInt32, r2: UInt32)
        if vm.isLinux {
            guard let largePack else {
                throw ConfigError(node: vm.node, property: .kernel, reason: .linux(.noLargeImagesRegion))
            }
            let tree = try LinuxLoader.load(vm: index, config: config, platform: platform, pack: largePack, fdt: fdt)
            start = (UInt32(truncatingIfNeeded: vm.entry.value), 0, 0xFFFF_FFFF, tree)
        } else {
            let image = try config.image(ofVM: index, in: pack, fdt: fdt)
            GuestMemory.clear(physical: physical, size: size)
            GuestMemory.copy(image, toPhysical: physical)
            start = (UInt32(truncatingIfNeeded: vm.entry.value), UInt32(truncatingIfNeeded: index), bootargsAddress, 0)
        }
        GuestMemory.copyString(fdt.bytes(of: vm.bootargs), toPhysical: physical + size - 4096)
        GuestMemory.cleanToPointOfCoherency(physical: physical, size: size)

        let tablesStart = hv_stage2_start() + UInt(index * stage2PagesPerVM * 4096)
        let tables = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: tablesStart), count: stage2PagesPerVM * 4096)
        var stage2: Stage2Tables
        do {
            stage2 = try Stage2Tables.build(for: vm, platform: platform, tables: tables, physicalBase: PhysicalAddress(UInt32(truncatingIfNeeded: tablesStart)))
        } catch {
            Panic.halt("stage-2 tables do not fit their region (raise stage2PagesPerVM)")
        }
        if vm.isLinux {
            do {
                try stage2.reserveTables(for: LinuxGuestLayout.grantFrames)
            } catch {
                Panic.halt("a Linux VM's grant-frame region does not fit its stage 2 (raise stage2PagesPerVM)")
            }
        }
        do {
            try EventAndGrantTables.grants.addDomain(DomainID(truncatingIfNeeded: index), layout: GrantLayout(vm: vm), stage2: &stage2)
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
        machine.vcpu = VCPUContext(entry: start.entry, r0: start.r0, r1: start.r1, resetCP15: SystemBoot.resetCP15)
        machine.vcpu.frame.r.2 = start.r2
        machine.isLinux = vm.isLinux
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
}
