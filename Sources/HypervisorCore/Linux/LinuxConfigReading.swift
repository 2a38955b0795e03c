// Reading and checking the Linux parts of a configuration (docs/LINUX.md):
// a VM node's `kernel` and `initramfs`, the hypervisor node's `large-images`
// region, and the images themselves once they are at hand (a file on the
// host, the large-image pack in the hypervisor).

extension ConfigReader {
    /// A VM with `kernel`: a Linux VM whose entry is its zImage; nil for any other VM.
    func linuxVM(_ node: FDTNode, memory: GuestPhysicalRange, physicalBase: PhysicalAddress) throws(ConfigError) -> VMConfig? {
        func fail(_ property: ConfigProperty, _ problem: LinuxConfigProblem) -> ConfigError {
            ConfigError(node: node, property: property, reason: .linux(problem))
        }
        guard let kernelProperty = fdt.property("kernel", of: node) else {
            if fdt.property("initramfs", of: node) != nil { throw fail(.initramfs, .initramfsWithoutKernel) }
            return nil
        }
        if fdt.property("image", of: node) != nil { throw fail(.image, .kernelAndImage) }
        if fdt.property("entry", of: node) != nil { throw fail(.entry, .entryWithKernel) }
        let layout = LinuxGuestLayout(memory: memory, kernelSize: 0, initramfsSize: 0)
        var vm = VMConfig(node: node, memory: memory, physicalBase: physicalBase, entry: layout.kernel.base)
        vm.kernel = try string(of: kernelProperty, .kernel, in: node)
        if let initramfs = fdt.property("initramfs", of: node) { vm.initramfs = try string(of: initramfs, .initramfs, in: node) }
        if vm.kernel.count > ImagePack.nameCapacity {
            throw fail(.kernel, .nameTooLong(length: vm.kernel.count, limit: ImagePack.nameCapacity))
        }
        if vm.initramfs.count > ImagePack.nameCapacity {
            throw fail(.initramfs, .nameTooLong(length: vm.initramfs.count, limit: ImagePack.nameCapacity))
        }
        if !isRelativePathInside(vm.kernel) { throw fail(.kernel, .pathOutsideLargeImages) }
        if vm.initramfs.count > 0, !isRelativePathInside(vm.initramfs) { throw fail(.initramfs, .pathOutsideLargeImages) }
        // Memory size and alignment; the images' sizes are checked when they are at hand.
        if let problem = layout.problem { throw fail(.memory, .layout(problem)) }
        if memory.overlaps(LinuxGuestLayout.grantFrames) {
            throw fail(.memory, .memoryOverlapsGrantFrames(memory, frames: LinuxGuestLayout.grantFrames))
        }
        return vm
    }

    /// `large-images = <physical-base size>;` in the hypervisor node, if present.
    func largeImagesRegion(of node: FDTNode) throws(ConfigError) -> PhysicalRange? {
        guard fdt.property("large-images", of: node) != nil else { return nil }
        let region = try region(.largeImages, of: node)
        return PhysicalRange(base: PhysicalAddress(region.base), size: region.size)
    }
}

extension SystemConfig {
    /// The large-image region exists when a VM boots Linux, lies in RAM
    /// outside the hypervisor, and overlaps no VM.
    func validateLargeImages(on platform: Platform) throws(ConfigError) {
        var firstLinux: Int? = nil
        for index in 0..<vmCount where vms[index].isLinux && firstLinux == nil { firstLinux = index }
        guard let region = largeImages else {
            if let firstLinux { throw ConfigError(node: vms[firstLinux].node, property: .kernel, reason: .linux(.noLargeImagesRegion)) }
            return
        }
        func fail(_ problem: LinuxConfigProblem) -> ConfigError {
            ConfigError(node: hypervisorNode, property: .largeImages, reason: .linux(problem))
        }
        if !platform.ram.contains(region) { throw fail(.largeImagesOutsideRAM(region, ram: platform.ram)) }
        if region.overlaps(platform.hypervisorReserved) {
            throw fail(.largeImagesInsideHypervisor(region, reserved: platform.hypervisorReserved))
        }
        for index in 0..<vmCount where vms[index].physicalMemory.overlaps(region) {
            throw fail(.largeImagesOverlapVM(region, vm: vms[index].node, vmRange: vms[index].physicalMemory))
        }
    }

    /// Checks a Linux VM's images (zImage header, sizes against its memory)
    /// and returns where they go.
    public func linuxLayout(ofVM index: Int, kernel: UnsafeRawBufferPointer, initramfsSize: Int?) throws(ConfigError) -> LinuxGuestLayout {
        let vm = vms[index]
        if !ZImage.hasHeader(kernel) {
            throw ConfigError(node: vm.node, property: .kernel, reason: .linux(.notAZImage(vm.kernel)))
        }
        if initramfsSize == 0 {
            throw ConfigError(node: vm.node, property: .initramfs, reason: .linux(.emptyInitramfs(vm.initramfs)))
        }
        let layout = LinuxGuestLayout(memory: vm.memory, kernelSize: kernel.count, initramfsSize: initramfsSize ?? 0)
        if let problem = layout.problem {
            let property: ConfigProperty
            switch problem {
            case .kernelTooLarge: property = .kernel
            case .initramfsTooLarge: property = .initramfs
            default: property = .memory
            }
            throw ConfigError(node: vm.node, property: property, reason: .linux(.layout(problem)))
        }
        return layout
    }
}
