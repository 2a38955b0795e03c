// Ties configuration and image pack together at boot: every VM's image must be
// in the pack and must fit in its memory, below the last page (kept for bootargs).

extension SystemConfig {
    /// The image of VM `index`, checked: present in `pack` and small enough.
    public func image(ofVM index: Int, in pack: ImagePack, fdt: FDT) throws(ConfigError) -> UnsafeRawBufferPointer {
        let vm = vms[index]
        guard let image = pack.image(named: fdt.bytes(of: vm.image)) else {
            throw ConfigError(node: vm.node, property: .image, reason: .imageNotFound(vm.image))
        }
        try checkImageSize(image.count, ofVM: index)
        return image
    }

    /// An image of `size` bytes fits VM `index` (shared with the host's file check).
    public func checkImageSize(_ size: Int, ofVM index: Int) throws(ConfigError) {
        let vm = vms[index]
        let limit = vm.memory.size - PageSize.small
        if UInt64(clampingNonNegative: size) > limit {
            throw ConfigError(node: vm.node, property: .image, reason: .imageTooLarge(size: size, limit: limit))
        }
    }
}
