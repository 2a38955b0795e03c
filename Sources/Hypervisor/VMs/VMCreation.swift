import HVRegs
import HypervisorCore

/// Creating the configured VMs at boot, one at a time (a restarting VM is
/// loaded again in steps: VMRestart).
enum VMCreation {
    /// Loads one VM: clean memory, image, bootargs, stage 2, VCPU, scheduler.
    static func create(vm index: Int, config: SystemConfig, platform: Platform, pack: ImagePack, largePack: ImagePack?,
                       fdt: FDT) throws(ConfigError) {
        let vm = config.vms[index]
        let start = try loadMemory(vm: index, config: config, platform: platform, pack: pack, largePack: largePack, fdt: fdt)

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
        if vm.isLinux {
            do {
                try stage2.reserveTables(for: LinuxGuestLayout.grantFrames)
            } catch {
                Panic.halt("a Linux VM's grant-frame region took more table pages than Stage2Budget computed (a hypervisor bug)")
            }
        }
        do {
            try EventAndGrantTables.grants.addDomain(DomainID(truncatingIfNeeded: index), layout: GrantLayout(vm: vm), stage2: &stage2)
        } catch {
            Panic.halt("a VM's grant window did not fit what Stage2Budget computed (a hypervisor bug)")
        }
        var machine = VirtualMachine()
        machine.index = UInt32(truncatingIfNeeded: index)
        machine.physicalCPU = UInt32(truncatingIfNeeded: vm.physicalCPU)
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
        machine.firstVCPU = VCPUs.count
        machine.vcpuCount = vm.vcpuCount
        for number in 0..<vm.vcpuCount {
            let vcpu = VCPUs.table + VCPUs.count + number
            vcpu.pointee = VirtualCPU()
            vcpu.pointee.vm = index
            vcpu.pointee.index = number
            vcpu.pointee.physicalCPU = vm.physicalCPU(ofVCPU: number)
            // Secondaries wait for PSCI CPU_ON, which gives them their entry (PSCI.cpuOn).
            vcpu.pointee.context = number == 0 ? freshVCPU(start) : VCPUContext(entry: 0, r0: 0, r1: 0, resetCP15: SystemBoot.resetCP15, vcpu: number)
        }
        machine.power = VCPUPower(vcpuCount: vm.vcpuCount)
        machine.isLinux = vm.isLinux
        machine.endsRun = vm.endsRun
        for device in 0..<vm.deviceCount {
            for interrupt in 0..<vm.devices[device].interruptCount {
                do {
                    // To the CPU of VCPU 0, which the virtual ITARGETSR names at reset. Not through
                    // Machines.table: this VM's entry is written below.
                    try VirtualInterrupts.assign(vm.devices[device].interrupts[interrupt], to: index, cpu: vm.physicalCPU(ofVCPU: 0))
                } catch {
                    Panic.halt("an interrupt is assigned twice although the configuration check forbids it")
                }
            }
        }
        machine.vgic = virtualGIC(for: vm)
        Machines.table[index] = machine
        Machines.count = index + 1
        VCPUs.count += vm.vcpuCount
        admit(index, config: config)
    }

    /// The registers a VM starts with.
    typealias Start = (entry: UInt32, r0: UInt32, r1: UInt32, r2: UInt32)

    /// Clean memory, the image (or a Linux kernel from `largePack`), the
    /// bootargs, all at once (MemoryLoad); returns the entry registers.
    static func loadMemory(vm index: Int, config: SystemConfig, platform: Platform, pack: ImagePack, largePack: ImagePack?,
                           fdt: FDT) throws(ConfigError) -> Start {
        var load = try MemoryLoad(vm: index, config: config, pack: pack, largePack: largePack, fdt: fdt)
        load.finish(platform: platform)
        return load.start
    }

    /// A VCPU at reset, about to run from `start`.
    static func freshVCPU(_ start: Start) -> VCPUContext {
        var vcpu = VCPUContext(entry: start.entry, r0: start.r0, r1: start.r1, resetCP15: SystemBoot.resetCP15)
        vcpu.frame.r.2 = start.r2
        return vcpu
    }

    /// A fresh virtual GIC: its own timer and event PPIs, its devices' SPIs passed through.
    static func virtualGIC(for vm: VMConfig) -> VirtualGIC {
        var passthrough = InterruptSet()
        for device in 0..<vm.deviceCount {
            for interrupt in 0..<vm.devices[device].interruptCount { passthrough.insert(vm.devices[device].interrupts[interrupt]) }
        }
        var ppis = InterruptSet()
        ppis.insert(VirtualGIC.virtualTimerPPI)
        ppis.insert(VirtualGIC.eventChannelPPI)
        return VirtualGIC(ownedPPIs: ppis, passthroughSPIs: passthrough, vcpuCount: vm.vcpuCount)
    }

    /// Each VCPU into its CPU's scheduler with the VM's parameters; the
    /// secondaries blocked until the guest starts them (PSCI CPU_ON).
    static func admit(_ index: Int, config: SystemConfig) {
        let vm = config.vms[index]
        do throws(SchedulerError) {
            for vcpu in VCPUs.all(of: index) {
                switch config.scheduler {
                case .sedf: try Scheduling.admit(vcpu, parameters: .sedf(vm.sedf!), vcpus: config.vcpuCount, creditWeight: 0)
                case .credit:
                    try Scheduling.admit(vcpu, parameters: .credit(vm.credit!), vcpus: config.vcpuCount, creditWeight: config.creditWeight)
                }
                if VCPUs.table[vcpu].index != 0 { Scheduling.park(vcpu) }
            }
        } catch {
            // Validation already checked parameters and admission; a refusal here is a bug.
            Panic.halt("the scheduler refused a VM the configuration check accepted")
        }
    }
}
