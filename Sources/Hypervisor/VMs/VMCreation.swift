import HVRegs
import HypervisorCore

/// Creating the configured VMs at boot, one at a time.
enum VMCreation {
    /// Loads one VM: clean memory, image, bootargs, stage 2, VCPU, scheduler.
    static func create(vm index: Int, config: SystemConfig, platform: Platform, pack: ImagePack, fdt: FDT) throws(ConfigError) {
        let vm = config.vms[index]
        let image = try config.image(ofVM: index, in: pack, fdt: fdt)
        let physical = UInt(truncatingIfNeeded: vm.physicalBase.value)
        let size = UInt(truncatingIfNeeded: vm.memory.size)
        GuestMemory.clear(physical: physical, size: size)
        GuestMemory.copy(image, toPhysical: physical)
        let bootargsPage = GuestReservedPages.page(GuestReservedPages.bootargsPage, of: vm.memory)
        let bootargsAddress = UInt32(truncatingIfNeeded: bootargsPage.value)
        GuestMemory.copyString(fdt.bytes(of: vm.bootargs),
                               toPhysical: physical + UInt(truncatingIfNeeded: bootargsPage.value &- vm.memory.base.value))
        GuestMemory.cleanToPointOfCoherency(physical: physical, size: size)

        // Exactly the pages this VM's stage 2 takes, after the earlier VMs' (the
        // configuration check made sure all of them fit the region).
        let budget = Stage2Budget.slice(ofVM: index, in: config, platform: platform)
        let tablesStart = hv_stage2_start() + UInt(budget.first * 4096)
        let tables = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: tablesStart), count: budget.count * 4096)
        var stage2: Stage2Tables
        do {
            stage2 = try Stage2Tables.build(for: vm, platform: platform, tables: tables, physicalBase: PhysicalAddress(UInt32(truncatingIfNeeded: tablesStart)))
        } catch {
            Panic.halt("a VM's stage 2 took more table pages than Stage2Budget computed (a hypervisor bug)")
        }
        do {
            try EventAndGrantTables.grants.addDomain(DomainID(truncatingIfNeeded: index), layout: GrantLayout(vm: vm), stage2: &stage2)
        } catch {
            Panic.halt("a VM's grant window did not fit what Stage2Budget computed (a hypervisor bug)")
        }
        var machine = VirtualMachine()
        machine.index = UInt32(truncatingIfNeeded: index)
        machine.name = fdt.bytes(of: vm.name)
        machine.memoryBase = UInt32(truncatingIfNeeded: vm.memory.base.value)
        machine.memorySize = UInt32(truncatingIfNeeded: vm.memory.size)
        machine.physicalBase = UInt32(truncatingIfNeeded: vm.physicalBase.value)
        machine.vttbr = stage2.vttbr(vmid: UInt8(truncatingIfNeeded: index + 1))
        machine.stage2 = stage2
        do {
            machine.mmioRegions = try MMIORegionTable(vm: vm, platform: platform)
        } catch {
            Panic.halt("a VM's MMIO regions overlap or exceed MMIORegionTable.capacity although the configuration check forbids it")
        }
        machine.vcpu = VCPUContext(
            entry: UInt32(truncatingIfNeeded: vm.entry.value), r0: UInt32(truncatingIfNeeded: index),
            r1: bootargsAddress, resetCP15: SystemBoot.resetCP15)
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
            case .sedf: try Scheduling.admit(index, parameters: .sedf(vm.sedf!), vms: config.vmCount)
            case .credit: try Scheduling.admit(index, parameters: .credit(vm.credit!), vms: config.vmCount)
            }
        } catch {
            // Validation already checked parameters and admission; a refusal here is a bug.
            Panic.halt("the scheduler refused a VM the configuration check accepted")
        }
    }
}
