// What a passthrough device of a Linux VM is, when its configuration node
// says so with `compatible` (docs/LINUX.md, "Passthrough devices"). Such a
// device is listed in the VM's device tree; a device without one is mapped
// and routed as always but Linux is not told about it.

public enum LinuxDeviceBinding: Equatable, Sendable {
    /// A legacy virtio-mmio transport (one 0x200 window, one level interrupt).
    case virtioMMIO

    public var compatible: StaticString {
        switch self {
        case .virtioMMIO: "virtio,mmio"
        }
    }
}

extension ConfigReader {
    /// The device's `compatible`, if it has one: exactly "virtio,mmio" (the one binding Apus writes).
    func linuxBinding(of node: FDTNode) throws(ConfigError) -> LinuxDeviceBinding? {
        guard let property = fdt.property("compatible", of: node) else { return nil }
        let text = try string(of: property, .compatible, in: node)
        guard fdt.slice(text, equals: LinuxDeviceBinding.virtioMMIO.compatible) else {
            throw ConfigError(node: node, property: .compatible, reason: .linux(.unsupportedDeviceCompatible(text)))
        }
        return .virtioMMIO
    }
}

extension SystemConfig {
    /// A device with `compatible` belongs to a Linux VM, lies in the virtio-mmio
    /// region, and is one transport with its one interrupt.
    func validateLinuxBinding(of device: PassthroughDevice, in vm: VMConfig, region: DeviceRegion) throws(ConfigError) {
        guard device.linuxBinding != nil else { return }
        func fail(_ property: ConfigProperty, _ problem: LinuxConfigProblem) -> ConfigError {
            ConfigError(node: device.node, property: property, reason: .linux(problem))
        }
        if !vm.isLinux { throw fail(.compatible, .deviceCompatibleOutsideLinuxVM) }
        if !region.dmaCapable || !region.hasInterruptPerWindow {
            throw fail(.compatible, .virtioDeviceOutsideVirtioRegion(region: region))
        }
        if device.registers.size != region.windowSize { throw fail(.reg, .virtioDeviceNotOneTransport(device.registers, window: region.windowSize)) }
        if device.interruptCount != 1 { throw fail(.interrupts, .virtioDeviceInterrupts(count: device.interruptCount)) }
    }
}

/// The devices a Linux VM's device tree lists (those with a binding) and how
/// its RAM looks to them: without an SMMU a device sees machine-physical
/// addresses, so guest-physical `memory` is at `physicalBase` for DMA.
public struct LinuxTreeDevices: Sendable {
    public private(set) var devices: InlineArray<4, PassthroughDevice>
    public private(set) var count: Int
    public let memory: GuestPhysicalRange
    public let physicalBase: PhysicalAddress

    public init(vm: VMConfig) {
        devices = vm.devices
        count = 0
        memory = vm.memory
        physicalBase = vm.physicalBase
        for d in 0..<vm.deviceCount where vm.devices[d].linuxBinding != nil {
            devices[count] = vm.devices[d]
            count += 1
        }
    }

    /// No devices listed.
    public static var none: LinuxTreeDevices {
        LinuxTreeDevices(vm: VMConfig(node: .none, memory: GuestPhysicalRange(base: GuestPhysicalAddress(UInt64(0)), size: 0),
                                      physicalBase: PhysicalAddress(UInt64(0)), entry: GuestPhysicalAddress(UInt64(0))))
    }
}
