// A Linux VM's images, found in the large-image pack and checked against the
// VM (zImage header, sizes, layout): what the hypervisor loads at boot.

public struct LinuxImages {
    public let kernel: UnsafeRawBufferPointer
    /// Empty when the VM has no initramfs.
    public let initramfs: UnsafeRawBufferPointer
    public let layout: LinuxGuestLayout
}

extension SystemConfig {
    /// The kernel and initramfs of Linux VM `index` from `pack`, checked.
    public func linuxImages(ofVM index: Int, in pack: ImagePack, fdt: FDT) throws(ConfigError) -> LinuxImages {
        let vm = vms[index]
        guard let kernel = pack.image(named: fdt.bytes(of: vm.kernel)) else {
            throw ConfigError(node: vm.node, property: .kernel, reason: .linux(.fileNotFound(vm.kernel)))
        }
        var initramfs = UnsafeRawBufferPointer(start: nil, count: 0)
        if vm.initramfs.count > 0 {
            guard let found = pack.image(named: fdt.bytes(of: vm.initramfs)) else {
                throw ConfigError(node: vm.node, property: .initramfs, reason: .linux(.fileNotFound(vm.initramfs)))
            }
            initramfs = found
        }
        let layout = try linuxLayout(ofVM: index, kernel: kernel, initramfsSize: vm.initramfs.count > 0 ? initramfs.count : nil)
        return LinuxImages(kernel: kernel, initramfs: initramfs, layout: layout)
    }

    /// Opens the large-image pack the boot loader put at `large-images`
    /// (`memory` is that region as the hypervisor sees it).
    public func largeImagePack(_ memory: UnsafeRawBufferPointer) throws(ConfigError) -> ImagePack {
        guard let region = largeImages else {
            throw ConfigError(node: hypervisorNode, property: .largeImages, reason: .linux(.noLargeImagesRegion))
        }
        do {
            return try ImagePack(memory)
        } catch {
            throw ConfigError(node: hypervisorNode, property: .largeImages, reason: .linux(.largeImagePackUnusable(region, error)))
        }
    }
}
