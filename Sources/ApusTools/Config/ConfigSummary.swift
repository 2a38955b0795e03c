import HypervisorCore

/// The short description `apus check` prints for a valid configuration.
enum ConfigSummary {
    static func text(_ loaded: LoadedConfig, images: [ImageFacts], options: CheckOptions) -> String {
        let config = loaded.config, fdt = loaded.fdt
        var lines: [String] = []
        lines.append("scheduler \(StringSink.render { $0.write(config.scheduler.name) })"
            + (config.scheduler == .sedf ? ", utilization \(utilization(config))" : "")
            + ", trace ring \(config.traceEntries) entries"
            + (config.traceFromMilliseconds.map { " (the first from \($0) ms)" } ?? "")
            + ", platform \(options.platformKind.nameText), RAM \(options.ramMiB) MiB")
        let platform = options.platform
        let tablePages = (0..<config.vmCount).reduce(0) { $0 + Stage2Tables.pagesNeededWithGrantWindow(for: config.vms[$1], platform: platform) }
        if !config.usesOneCPU {
            lines.append("physical CPUs \(config.cpusUsed) (partitioned: each runs its own \(StringSink.render { $0.write(config.scheduler.name) }))")
        }
        lines.append("stage-2 tables \(tablePages) of \(platform.stage2TablePages) pages")
        for index in 0..<config.vmCount {
            let vm = config.vms[index]
            lines.append("vm \(index) \"\(fdt.text(vm.name))\" (\(fdt.path(of: vm.node)))")
            lines.append("  memory   \(StringSink.render { $0.write(vm.memory) }) -> physical "
                + "\(StringSink.render { $0.write(vm.physicalMemory) }) (\(sizeText(vm.memory.size)))")
            if vm.isLinux {
                lines.append(contentsOf: linuxLines(loaded, vm: index, options: options))
            } else {
                lines.append("  entry    \(StringSink.render { $0.write(address: vm.entry.value) })")
                lines.append("  image    \(fdt.text(vm.image)) (\(images[index].size) bytes; running, it uses \(images[index].footprint) "
                    + "of the \(GuestReservedPages.usableBytes(of: vm.memory)) below the reserved pages)")
            }
            if vm.bootargs.count > 0 { lines.append("  bootargs \"\(fdt.text(vm.bootargs))\"") }
            if !config.usesOneCPU {
                lines.append("  cpu      " + (0..<vm.vcpuCount).map { String(vm.physicalCPU(ofVCPU: $0)) }.joined(separator: " "))
            }
            if config.scheduler == .sedf, let sedf = vm.sedf {
                lines.append("  sedf     period \(sedf.period.nanoseconds / 1000) us, slice \(sedf.slice.nanoseconds / 1000) us, "
                    + "extratime \(sedf.extratime ? "yes" : "no")")
            }
            if config.scheduler == .credit, let credit = vm.credit {
                lines.append("  credit   weight \(credit.weight), cap \(credit.cap == 0 ? "none" : "\(credit.cap)%")")
            }
            if vm.blockBackend { lines.append("  block    backend: serves the other VMs' disks") }
            if vm.endsRun { lines.append("  ends-run its stop stops every other VM and ends the run") }
            switch vm.restartRefusal {
            case .backend?: lines.append("  reboot   stops the VM: a back end does not restart (its front ends keep its mappings and ports)")
            case .severalVCPUs?: lines.append("  reboot   stops the VM: a VM with several VCPUs does not restart (docs/SMP.md)")
            case nil: break
            }
            if let disk = vm.disk {
                lines.append("  disk     sectors \(disk.firstSector)-\(disk.endSector - 1) of the block backend's disk "
                    + "(\(disk.sectorCount) sectors, \(sizeText(disk.sectorCount * DiskSlice.sectorSize)))")
            }
            if vm.getsPhysicalBaseArgument(on: options.platform) {
                lines.append("  dma      bootargs get \" physical-base=\(StringSink.render { $0.write(address: vm.physicalBase.value) })\"")
            } else if vm.isLinux && vm.ownsDMACapableDevice(on: options.platform) {
                lines.append("  dma      device tree: dma-ranges = <\(StringSink.render { $0.write(address: vm.physicalBase.value) }) "
                    + "\(StringSink.render { $0.write(address: vm.memory.base.value) }) \(StringSink.render { $0.write(address: vm.memory.size) })>")
            }
            for d in 0..<vm.deviceCount {
                let device = vm.devices[d]
                let region = options.platform.deviceRegion(containing: device.registers)
                let name = region.map { region in StringSink.render { $0.write(region.name) } } ?? "?"
                var interrupts: [String] = []
                for i in 0..<device.interruptCount { interrupts.append("\(device.interrupts[i])") }
                let forwarded = device.isWholePages ? "" : " (sub-page window, forwarded)"
                let listed = device.linuxBinding.map { binding in ", in Linux's device tree as \"\(StringSink.render { $0.write(binding.compatible) })\"" } ?? ""
                lines.append("  device   \(StringSink.render { $0.write(device.registers) }) \(name)\(forwarded)"
                    + (interrupts.isEmpty ? "" : ", interrupts \(interrupts.joined(separator: " "))") + listed)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Where a Linux VM's pieces go (the files were checked before).
    static func linuxLines(_ loaded: LoadedConfig, vm index: Int, options: CheckOptions) -> [String] {
        let vm = loaded.config.vms[index], fdt = loaded.fdt
        guard let checked = try? LinuxImageFiles.check(loaded, vm: index, directory: options.largeImagesDirectory) else { return [] }
        let layout = checked.layout
        func at(_ address: GuestPhysicalAddress) -> String { StringSink.render { $0.write(address: address.value) } }
        var lines = ["  kernel   \(fdt.text(vm.kernel)) (\(checked.kernelSize) bytes) at \(at(layout.kernel.base)), entry there"]
        if let size = checked.initramfsSize {
            lines.append("  initrd   \(fdt.text(vm.initramfs)) (\(size) bytes) at \(at(layout.initramfs.base))")
        }
        lines.append("  dtb      at \(at(layout.deviceTree.base)) (r0 = 0, r1 = ~0, r2 = its address); Linux gets "
            + StringSink.render { $0.write(layout.usableMemory) })
        return lines
    }

    /// The SEDF reservation of all VMs together (each VCPU reserves its VM's slice), as a percentage of one CPU.
    /// The reserved share of each CPU in use (admission is per CPU): `50.0%`, or `CPU 0 50.0%, CPU 1 100.0%`.
    static func utilization(_ config: SystemConfig) -> String {
        var perCPU = [Double](repeating: 0, count: config.cpusUsed)
        for index in 0..<config.vmCount {
            if let sedf = config.vms[index].sedf {
                for vcpu in 0..<config.vms[index].vcpuCount {
                    perCPU[config.vms[index].physicalCPU(ofVCPU: vcpu)] += Double(sedf.slice.nanoseconds) / Double(sedf.period.nanoseconds)
                }
            }
        }
        let shares = perCPU.map { String(format: "%.1f%%", $0 * 100) }
        if shares.count == 1 { return shares[0] }
        return shares.indices.map { "CPU \($0) \(shares[$0])" }.joined(separator: ", ")
    }

    static func sizeText(_ bytes: UInt64) -> String {
        if bytes % (1024 * 1024) == 0 { return "\(bytes / (1024 * 1024)) MiB" }
        return "\(bytes / 1024) KiB"
    }
}
