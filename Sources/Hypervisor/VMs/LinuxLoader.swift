import HVRegs
import HypervisorCore

/// Loads a Linux VM as a boot loader would (docs/LINUX.md): cleared RAM, the
/// zImage and initramfs where LinuxGuestLayout says, and the device tree the
/// core builds from the configuration.
enum LinuxLoader {
    /// Loads VM `index`; the guest-physical address of its device tree (r2 at entry).
    static func load(vm index: Int, config: SystemConfig, platform: Platform, pack: ImagePack, fdt: FDT) throws(ConfigError) -> UInt32 {
        let vm = config.vms[index]
        let images = try config.linuxImages(ofVM: index, in: pack, fdt: fdt)
        let layout = images.layout
        let physical = UInt(truncatingIfNeeded: vm.physicalBase.value)
        func physicalAddress(_ address: GuestPhysicalAddress) -> UInt {
            physical + UInt(truncatingIfNeeded: address.value &- vm.memory.base.value)
        }
        GuestMemory.clear(physical: physical, size: UInt(truncatingIfNeeded: vm.memory.size))
        GuestMemory.copy(images.kernel, toPhysical: physicalAddress(layout.kernel.base))
        if images.initramfs.count > 0 { GuestMemory.copy(images.initramfs, toPhysical: physicalAddress(layout.initramfs.base)) }
        let tree = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: physicalAddress(layout.deviceTree.base)),
                                                 count: Int(truncatingIfNeeded: layout.deviceTree.size))
        guard LinuxDeviceTree.write(into: tree, layout: layout, bootargs: fdt.bytes(of: vm.bootargs), platform: platform) != nil else {
            Panic.halt("a Linux VM's device tree does not fit its 16 KiB")
        }
        return UInt32(truncatingIfNeeded: layout.deviceTree.base.value)
    }
}
