// Stage 2 for one VM, from its configuration: exactly its memory, its
// passthrough devices and the GIC virtual CPU interface; nothing else. The GIC
// distributor stays unmapped so that guest accesses fault and the hypervisor
// emulates them; the hypervisor's own memory is never mapped. A page a device
// covers only in part (a sub-page window, e.g. one virtio-mmio transport) is
// not mapped either: its accesses fault and the hypervisor forwards those
// inside the VM's own windows (MMIORegionTable.swift, ForwardedAccess.swift).

extension Stage2Tables {
    /// Builds `vm`'s tables into `tables` (seen by the MMU at `physicalBase`).
    /// Take `vttbr(vmid:)` of the result for VTTBR and `Stage2Tables.vtcr` for VTCR.
    public static func build(for vm: VMConfig, platform: Platform, tables: UnsafeMutableRawBufferPointer,
                             physicalBase: PhysicalAddress) throws(Stage2Error) -> Stage2Tables {
        var result = try Stage2Tables(tables: tables, physicalBase: physicalBase)
        try result.map(vm.memory, to: vm.physicalBase, attributes: .guestMemory)
        for i in 0..<vm.deviceCount {
            let device = vm.devices[i]
            guard let pages = device.mappedPages else { continue }
            try result.map(pages, to: PhysicalAddress(pages.base.value), attributes: .device)
        }
        try result.map(platform.guestGICCPUInterface, to: platform.gicVirtualCPUInterface, attributes: .device)
        return result
    }
}
