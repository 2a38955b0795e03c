// The checks that relate a configuration to the platform and its parts to each
// other: where guest memory really is, who owns which device and interrupt,
// and whether the SEDF reservations fit on each CPU. Errors name the later of
// two conflicting nodes and point at the earlier one.

extension SystemConfig {
    /// Checks the configuration against `platform` (docs/CONFIG.md, "Rules").
    /// `minimum` is the SEDF scheduling minimum; only a test system lowers it.
    /// `cpus`: the physical CPUs VCPUs may be on (0 ..< cpus): the platform's,
    /// or fewer (`SMP=`; at boot, the CPUs that came up).
    public func validate(on platform: Platform, minimum: SchedulingMinimum = .measured,
                         cpus: Int = Platform.maximumCPUs) throws(ConfigError) {
        let cpus = min(cpus, Platform.maximumCPUs)
        // Partitioned scheduling: each CPU admits its own VCPUs, exactly as one CPU does.
        var utilization = InlineArray<4, UtilizationSum>(repeating: UtilizationSum())
        var stage2Pages = 0
        var systemVCPUs = 0
        for index in 0..<vmCount {
            let vm = vms[index]
            try validateMemory(of: index, on: platform)
            try validateDevices(of: index, on: platform)
            // The boot gives each VM exactly the table pages its stage 2 takes (Stage2Budget).
            let pages = Stage2Tables.pagesNeededWithGrantWindow(for: vm, platform: platform)
            stage2Pages += pages
            if stage2Pages > platform.stage2TablePages {
                throw ConfigError(node: vm.node, property: .memory, reason: .stage2TablesExceedRegion(
                    vmPages: pages, totalPages: stage2Pages, regionPages: platform.stage2TablePages))
            }
            if vm.consoleBackend {
                for earlier in 0..<index where vms[earlier].consoleBackend {
                    throw ConfigError(node: vm.node, property: .consoleBackend, reason: .secondConsoleBackend(first: vms[earlier].node))
                }
            }
            if vm.endsRun {
                for earlier in 0..<index where vms[earlier].endsRun {
                    throw ConfigError(node: vm.node, property: .endsRun, reason: .secondRunEnder(first: vms[earlier].node))
                }
            }
            try validateBlockRoles(of: index, on: platform)
            try validateBootargsRoom(of: index, on: platform)
            systemVCPUs += vm.vcpuCount
            if systemVCPUs > VMConfig.maximumSystemVCPUs {
                throw ConfigError(node: vm.node, property: .vcpus, reason: .tooManyVCPUs(total: systemVCPUs, limit: VMConfig.maximumSystemVCPUs))
            }
            for vcpu in 0..<vm.vcpuCount {
                let cpu = vm.physicalCPU(ofVCPU: vcpu)
                if cpu >= cpus {
                    throw ConfigError(node: vm.node, property: .cpu, reason: .cpuNotPresent(vcpu: vcpu, cpu: cpu, cpus: cpus))
                }
                guard scheduler == .sedf, let sedf = vm.sedf else { continue }
                if let reason = minimum.violation(by: sedf) { throw ConfigError(node: vm.node, property: .sedf, reason: reason) }
                // The scheduler's own exact admission arithmetic (ExactUtilization.swift), per CPU;
                // every VCPU of the VM reserves the VM's slice in its period on its own CPU.
                utilization[cpu].add(slice: sedf.slice, period: sedf.period)
                switch utilization[cpu].checkFitsOneCPU() {
                case nil: break
                case .utilizationNotRepresentable?:
                    throw ConfigError(node: vm.node, property: .sedf, reason: .utilizationNotRepresentable)
                case _?:
                    // One CPU in use: the words single-CPU configurations always had.
                    let reason: ConfigErrorReason = usesOneCPU ? .overloaded : .cpuOverloaded(vcpu: vcpu, cpu: cpu)
                    throw ConfigError(node: vm.node, property: .sedf, reason: reason)
                }
            }
        }
        try validateLargeImages(on: platform)
    }

    /// The VCPUs of every VM.
    public var vcpuCount: Int {
        var total = 0
        for index in 0..<vmCount { total += vms[index].vcpuCount }
        return total
    }

    /// The credit weights of every VCPU (each VCPU has its VM's weight; 0 without credit parameters).
    public var creditWeight: UInt64 {
        var total: UInt64 = 0
        for index in 0..<vmCount {
            guard let credit = vms[index].credit else { continue }
            total += UInt64(widening: credit.weight) * UInt64(clampingNonNegative: vms[index].vcpuCount)
        }
        return total
    }

    /// Every VCPU on CPU 0 (no `cpu` other than 0).
    public var usesOneCPU: Bool { cpusUsed == 1 }

    /// The CPUs the configuration's VCPUs are on: one more than the highest `cpu`.
    public var cpusUsed: Int {
        var highest = 0
        for index in 0..<vmCount {
            for vcpu in 0..<vms[index].vcpuCount { highest = max(highest, vms[index].physicalCPU(ofVCPU: vcpu)) }
        }
        return highest + 1
    }

    private func validateMemory(of index: Int, on platform: Platform) throws(ConfigError) {
        let vm = vms[index]
        let placed = vm.physicalMemory
        func fail(_ property: ConfigProperty, _ reason: ConfigErrorReason) -> ConfigError {
            ConfigError(node: vm.node, property: property, reason: reason)
        }
        if !platform.ram.contains(placed) { throw fail(.physicalBase, .outsideRAM(placed, ram: platform.ram)) }
        if placed.overlaps(platform.hypervisorReserved) {
            throw fail(.physicalBase, .insideHypervisor(placed, reserved: platform.hypervisorReserved))
        }
        for i in 0..<platform.deviceRegionCount where placed.overlaps(platform.deviceRegions[i].range) {
            throw fail(.physicalBase, .overlapsDeviceRegion(placed, region: platform.deviceRegions[i]))
        }
        for earlier in 0..<index where vms[earlier].physicalMemory.overlaps(placed) {
            throw fail(.physicalBase, .overlapsVMMemory(placed, other: vms[earlier].node, otherRange: vms[earlier].physicalMemory))
        }
        if vm.memory.size <= GuestReservedPages.bytes {
            throw fail(.memory, .memoryTooSmall(size: vm.memory.size, reserved: GuestReservedPages.bytes))
        }
        if !vm.memory.contains(vm.entry) { throw fail(.entry, .entryOutsideMemory(vm.entry, memory: vm.memory)) }
        if vm.entry.value % 4 != 0 { throw fail(.entry, .entryMisaligned(vm.entry)) }
        let reserved = GuestReservedPages.range(in: vm.memory)
        if reserved.contains(vm.entry) { throw fail(.entry, .entryInReservedPages(vm.entry, reserved: reserved)) }
        if vm.memory.overlaps(platform.virtualGIC) { throw fail(.memory, .overlapsVirtualGIC(vm.memory, gic: platform.virtualGIC)) }
        if vm.memory.overlaps(platform.grantWindow) { throw fail(.memory, .overlapsGrantWindow(vm.memory, window: platform.grantWindow)) }
        for d in 0..<vm.deviceCount where vm.memory.overlaps(vm.devices[d].guestRegisters) {
            throw fail(.memory, .overlapsOwnDevice(vm.memory, device: vm.devices[d].node, deviceRange: vm.devices[d].guestRegisters))
        }
    }

    /// The configured bootargs and what the hypervisor appends fit the bootargs
    /// page (`BootargsAppendix.swift`); needs every VM's roles, so it runs after
    /// the reader's plain length check, once all VMs are known.
    private func validateBootargsRoom(of index: Int, on platform: Platform) throws(ConfigError) {
        let vm = vms[index]
        let limit = SystemConfig.maximumBootargsLength - bootargsAppendixBound(ofVM: index, on: platform)
        if vm.bootargs.count > limit {
            throw ConfigError(node: vm.node, property: .bootargs, reason: .bootargsTooLong(length: vm.bootargs.count, limit: limit))
        }
    }

    /// At most one block backend, owning a virtio transport; a disk slice
    /// needs a backend (anywhere in the system), not on the backend itself, and
    /// overlaps no other VM's slice.
    private func validateBlockRoles(of index: Int, on platform: Platform) throws(ConfigError) {
        let vm = vms[index]
        func fail(_ property: ConfigProperty, _ reason: ConfigErrorReason) -> ConfigError {
            ConfigError(node: vm.node, property: property, reason: reason)
        }
        if vm.blockBackend {
            for earlier in 0..<index where vms[earlier].blockBackend {
                throw fail(.blockBackend, .secondBlockBackend(first: vms[earlier].node))
            }
            if !vm.ownsDMACapableDevice(on: platform) { throw fail(.blockBackend, .blockBackendWithoutVirtio) }
        }
        guard let disk = vm.disk else { return }
        if vm.blockBackend { throw fail(.disk, .diskOnBlockBackend) }
        var hasBackend = false
        for other in 0..<vmCount where vms[other].blockBackend { hasBackend = true }
        if !hasBackend { throw fail(.disk, .diskWithoutBlockBackend) }
        for earlier in 0..<index {
            if let other = vms[earlier].disk, other.overlaps(disk) {
                throw fail(.disk, .diskOverlaps(disk, other: vms[earlier].node, otherSlice: other))
            }
        }
    }

    /// The device's registers are whole windows of the region they start in
    /// (4 KiB multiples outside every region and in the whole-page ones).
    private func checkWindows(of device: PassthroughDevice, on platform: Platform) throws(ConfigError) {
        let registers = device.registers
        let region = platform.deviceRegion(containing: registers.base)
        let window = region?.windowSize ?? PageSize.small
        let misaligned: UInt64? = registers.base.value % window != 0 ? registers.base.value
            : registers.size % window != 0 ? registers.size : nil
        guard let misaligned else { return }
        if let region, window < PageSize.small {
            throw ConfigError(node: device.node, property: .reg, reason: .notWholeWindows(registers, region: region))
        }
        throw ConfigError(node: device.node, property: .reg, reason: .misaligned(misaligned))
    }

    private func validateDevices(of index: Int, on platform: Platform) throws(ConfigError) {
        let vm = vms[index]
        for d in 0..<vm.deviceCount {
            let device = vm.devices[d]
            func fail(_ property: ConfigProperty, _ reason: ConfigErrorReason) -> ConfigError {
                ConfigError(node: device.node, property: property, reason: reason)
            }
            try checkWindows(of: device, on: platform)
            guard let region = platform.deviceRegion(containing: device.registers) else {
                throw fail(.reg, .notAssignable(device.registers, platform: platform.kind))
            }
            if let owner = earlierDevice(overlapping: device.registers, before: index, device: d) {
                throw fail(.reg, .deviceAlreadyAssigned(device.registers, other: owner.node, otherRange: owner.registers))
            }
            for i in 0..<device.interruptCount {
                let interrupt = device.interrupts[i]
                if interrupt < platform.firstSPI || interrupt > platform.lastSPI {
                    throw fail(.interrupts, .interruptNotSPI(interrupt, first: platform.firstSPI, last: platform.lastSPI))
                }
                if !region.raises(interrupt) { throw fail(.interrupts, .interruptNotOfDevice(interrupt, region: region)) }
                if !region.raises(interrupt, within: device.registers) {
                    throw fail(.interrupts, .interruptOfOtherWindow(interrupt, registers: device.registers, region: region))
                }
                if let owner = earlierOwner(of: interrupt, before: index, device: d, slot: i) {
                    throw fail(.interrupts, .interruptAlreadyAssigned(interrupt, other: owner))
                }
            }
            try validateLinuxBinding(of: device, in: vm, region: region)
        }
    }

    /// A device listed before (vm, device) whose registers overlap `range`.
    private func earlierDevice(overlapping range: PhysicalRange, before vmIndex: Int, device deviceIndex: Int)
        -> PassthroughDevice? {
        for v in 0...vmIndex {
            let count = v == vmIndex ? deviceIndex : vms[v].deviceCount
            for d in 0..<count where vms[v].devices[d].registers.overlaps(range) { return vms[v].devices[d] }
        }
        return nil
    }

    /// The device node that lists `interrupt` before (vm, device, slot).
    private func earlierOwner(of interrupt: UInt32, before vmIndex: Int, device deviceIndex: Int, slot: Int) -> FDTNode? {
        for v in 0...vmIndex {
            let deviceCount = v == vmIndex ? deviceIndex + 1 : vms[v].deviceCount
            for d in 0..<deviceCount {
                let device = vms[v].devices[d]
                let slots = (v == vmIndex && d == deviceIndex) ? slot : device.interruptCount
                for s in 0..<slots where device.interrupts[s] == interrupt { return device.node }
            }
        }
        return nil
    }
}
