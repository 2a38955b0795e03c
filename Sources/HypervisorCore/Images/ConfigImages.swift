// Ties configuration and image pack together: every VM's image must be in the
// pack, carry a guest image header (GuestImageHeader), be linked for the VM's
// memory base, and fit below the pages Apus reserves at the end of its memory
// (GuestReservedPages) with its BSS and stacks; the entry point must be inside
// the loaded image. Shared by the boot and the host's file check (`apus check`).

extension SystemConfig {
    /// The image of VM `index`, checked: present in `pack` and fitting the VM.
    public func image(ofVM index: Int, in pack: ImagePack, fdt: FDT) throws(ConfigError) -> UnsafeRawBufferPointer {
        let vm = vms[index]
        guard let image = pack.image(named: fdt.bytes(of: vm.image)) else {
            throw ConfigError(node: vm.node, property: .image, reason: .imageNotFound(vm.image))
        }
        try checkImage(start: image, size: image.count, ofVM: index)
        return image
    }

    /// An image of `size` bytes whose first bytes are `start` (at least the
    /// header's 24 when the image has them) fits VM `index`.
    public func checkImage(start: UnsafeRawBufferPointer, size: Int, ofVM index: Int) throws(ConfigError) {
        let vm = vms[index]
        func fail(_ property: ConfigProperty, _ reason: ConfigErrorReason) -> ConfigError {
            ConfigError(node: vm.node, property: property, reason: reason)
        }
        let usable = GuestReservedPages.usableBytes(of: vm.memory)
        let reserved = GuestReservedPages.range(in: vm.memory)
        let fileSize = UInt64(clampingNonNegative: size)
        if fileSize > usable { throw fail(.image, .imageTooLarge(size: size, limit: usable)) }
        guard let header = GuestImageHeader(start) else { throw fail(.image, .imageWithoutHeader) }
        if UInt64(widening: header.loadAddress) != vm.memory.base.value {
            throw fail(.image, .imageLinkedElsewhere(loadAddress: header.loadAddress, memory: vm.memory))
        }
        let footprint = UInt64(widening: header.footprint)
        if footprint < fileSize { throw fail(.image, .imageFootprintBelowSize(footprint: footprint, size: size)) }
        if footprint > usable {
            throw fail(.image, .imageRunsIntoReservedPages(
                GuestPhysicalRange(base: vm.memory.base, size: footprint), reserved: reserved))
        }
        let loaded = GuestPhysicalRange(base: vm.memory.base, size: fileSize)
        if !loaded.contains(vm.entry) { throw fail(.entry, .entryOutsideImage(vm.entry, image: loaded)) }
    }
}
