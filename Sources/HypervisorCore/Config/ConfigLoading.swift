// The one call the hypervisor makes at boot (and `apus check` on the host):
// open the blob, read the configuration, validate it against the platform.

public struct LoadedConfig {
    /// The tree, needed to read names, images and bootargs and to render errors.
    public let fdt: FDT
    public let config: SystemConfig
}

extension SystemConfig {
    /// Reads and validates the configuration in `dtb` for `platform`.
    /// A malformed blob is reported as `.malformedTree` with no node.
    /// `cpus`: the physical CPUs VCPUs may be on (SystemConfig.validate).
    public static func load(dtb: UnsafeRawBufferPointer, platform: Platform,
                            minimum: SchedulingMinimum = .measured, cpus: Int = Platform.maximumCPUs) throws(ConfigError) -> LoadedConfig {
        let fdt: FDT
        do {
            fdt = try FDT(dtb)
        } catch {
            throw ConfigError(node: nil, property: nil, reason: .malformedTree(error))
        }
        var config = try SystemConfig.read(from: fdt)
        config.placeMemory(on: platform)
        try config.validate(on: platform, minimum: minimum, cpus: cpus)
        return LoadedConfig(fdt: fdt, config: config)
    }
}

extension SystemConfig {
    /// Gives every VM without `physical-base` the first 2 MiB boundary after
    /// the VM before it (the first one: after the hypervisor's part of RAM),
    /// so a configuration without physical addresses runs on every platform.
    /// Validation then checks the result like a given address.
    public mutating func placeMemory(on platform: Platform) {
        var next = platform.hypervisorReserved.end
        for index in 0..<vmCount {
            if !vms[index].physicalBaseGiven {
                let base = (next &+ PageSize.block &- 1) & ~(PageSize.block &- 1)
                vms[index].physicalBase = PhysicalAddress(base)
            }
            next = vms[index].physicalMemory.end
        }
    }
}
