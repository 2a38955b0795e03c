import HVRegs
import HypervisorCore

/// Filling a VM's memory as a boot loader would: RAM cleared, its image (or
/// Linux's kernel, initramfs and device tree) and bootargs written, all of it
/// cleaned to the point of coherency. The work comes in steps of at most
/// `stepBytes` so that a restarting VM's load can run inside its own
/// scheduling budget, preemptible between steps (VMRestart); at boot the
/// steps simply run back to back.
struct MemoryLoad {
    /// Bytes cleared, copied or cleaned per step (about 40 us of work under
    /// QEMU -icount): how long a restart can delay the hypervisor's timer.
    static let stepBytes: UInt = 64 * 1024

    enum Stage { case clear, image, initramfs, tables, clean, done }

    /// The registers the VM starts with: an Apus guest gets its id and
    /// bootargs, Linux what a boot loader gives it.
    let start: VMCreation.Start
    private let physical: UInt
    private let size: UInt
    /// Physical pages [keptStart, keptEnd) the clear leaves alone (a restarting
    /// front end's split-driver rings, shared with the driver domain).
    private let keptStart: UInt
    private let keptEnd: UInt
    private let image: UnsafeRawBufferPointer
    private let imageAt: UInt
    private let initramfs: UnsafeRawBufferPointer
    private let initramfsAt: UInt
    private let linuxLayout: LinuxGuestLayout?
    private let bootargs: UnsafeRawBufferPointer
    private let bootargsAt: UInt
    /// The VCPUs the guest device tree lists.
    private let vcpuCount: Int
    /// The passthrough devices a Linux VM's device tree lists.
    private let linuxDevices: LinuxTreeDevices
    private(set) var stage = Stage.clear
    private var offset: UInt = 0

    /// Checks the images and plans the load of VM `index`; nothing is written yet.
    init(vm index: Int, config: SystemConfig, pack: ImagePack, largePack: ImagePack?, fdt: FDT,
         keeping kept: Range<UInt>? = nil) throws(ConfigError) {
        let vm = config.vms[index]
        physical = UInt(truncatingIfNeeded: vm.physicalBase.value)
        size = UInt(truncatingIfNeeded: vm.memory.size)
        let base = vm.memory.base.value
        let physical = self.physical
        func physicalAddress(_ address: GuestPhysicalAddress) -> UInt {
            physical + UInt(truncatingIfNeeded: address.value &- base)
        }
        keptStart = kept?.lowerBound ?? 0
        keptEnd = kept?.upperBound ?? 0
        vcpuCount = vm.vcpuCount
        linuxDevices = LinuxTreeDevices(vm: vm)
        let bootargsPage = GuestReservedPages.page(GuestReservedPages.bootargsPage, of: vm.memory)
        bootargs = fdt.bytes(of: vm.bootargs)
        bootargsAt = physicalAddress(bootargsPage)
        let entry = UInt32(truncatingIfNeeded: vm.entry.value)
        if vm.isLinux {
            guard let largePack else {
                throw ConfigError(node: vm.node, property: .kernel, reason: .linux(.noLargeImagesRegion))
            }
            let images = try config.linuxImages(ofVM: index, in: largePack, fdt: fdt)
            image = images.kernel
            imageAt = physicalAddress(images.layout.kernel.base)
            initramfs = images.initramfs
            initramfsAt = physicalAddress(images.layout.initramfs.base)
            linuxLayout = images.layout
            start = (entry, 0, 0xFFFF_FFFF, UInt32(truncatingIfNeeded: images.layout.deviceTree.base.value))
        } else {
            image = try config.image(ofVM: index, in: pack, fdt: fdt)
            imageAt = physical
            initramfs = UnsafeRawBufferPointer(start: nil, count: 0)
            initramfsAt = physical
            linuxLayout = nil
            start = (entry, UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: bootargsPage.value), 0)
        }
    }

    var isDone: Bool { stage == .done }

    /// One bounded piece of the load.
    mutating func step(platform: Platform) {
        switch stage {
        case .clear:
            let end = min(offset + Self.stepBytes, size)
            clear(physical + offset, upTo: physical + end)
            advance(to: end, of: size, then: .image)
        case .image:
            copyStep(image, to: imageAt, then: .initramfs)
        case .initramfs:
            copyStep(initramfs, to: initramfsAt, then: .tables)
        case .tables:
            if let linuxLayout { writeDeviceTree(linuxLayout, platform: platform) }
            GuestMemory.copyString(bootargs, toPhysical: bootargsAt)
            stage = .clean
        case .clean:
            let end = min(offset + Self.stepBytes, size)
            GuestMemory.cleanToPointOfCoherency(physical: physical + offset, size: end - offset)
            advance(to: end, of: size, then: .done)
        case .done:
            break
        }
    }

    /// The whole load at once (at boot, before any VM runs).
    mutating func finish(platform: Platform) {
        while !isDone { step(platform: platform) }
    }

    private mutating func advance(to end: UInt, of total: UInt, then next: Stage) {
        offset = end
        if end >= total {
            stage = next
            offset = 0
        }
    }

    private mutating func copyStep(_ bytes: UnsafeRawBufferPointer, to target: UInt, then next: Stage) {
        let total = UInt(bytes.count)
        let end = min(offset + Self.stepBytes, total)
        if end > offset, let base = bytes.baseAddress {
            GuestMemory.copy(UnsafeRawBufferPointer(start: base + Int(offset), count: Int(end - offset)), toPhysical: target + offset)
        }
        advance(to: end, of: total, then: next)
    }

    /// Clears [from, to) except the kept pages.
    private func clear(_ from: UInt, upTo to: UInt) {
        if keptStart >= keptEnd || keptStart >= to || keptEnd <= from {
            GuestMemory.clear(physical: from, size: to - from)
            return
        }
        if keptStart > from { GuestMemory.clear(physical: from, size: keptStart - from) }
        if keptEnd < to { GuestMemory.clear(physical: keptEnd, size: to - keptEnd) }
    }

    private func writeDeviceTree(_ layout: LinuxGuestLayout, platform: Platform) {
        let address = physical + UInt(truncatingIfNeeded: layout.deviceTree.base.value &- layout.memory.base.value)
        let tree = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: address),
                                                 count: Int(truncatingIfNeeded: layout.deviceTree.size))
        guard LinuxDeviceTree.write(into: tree, layout: layout, bootargs: bootargs, vcpus: vcpuCount, platform: platform,
                                    devices: linuxDevices) != nil else {
            Panic.halt("a Linux VM's device tree does not fit its 16 KiB")
        }
    }
}
