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
    public static func load(dtb: UnsafeRawBufferPointer, platform: Platform,
                            minimum: SchedulingMinimum = .measured) throws(ConfigError) -> LoadedConfig {
        let fdt: FDT
        do {
            fdt = try FDT(dtb)
        } catch {
            throw ConfigError(node: nil, property: nil, reason: .malformedTree(error))
        }
        let config = try SystemConfig.read(from: fdt)
        try config.validate(on: platform, minimum: minimum)
        return LoadedConfig(fdt: fdt, config: config)
    }
}
