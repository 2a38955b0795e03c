// The device tree a Linux VM boots with, built from its configuration
// (docs/LINUX.md has the contract). The nodes a stock Debian kernel needs as a
// Xen guest: the Xen VM root, chosen (bootargs, initramfs), memory without the
// pages Apus keeps, one Cortex-A15 per VCPU (started through PSCI over HVC), the guest's GIC, the
// architected timer, the hypervisor node (grant-table frames, event PPI), and
// the VM's passthrough devices that have a binding (LinuxDeviceBinding).

public enum LinuxDeviceTree {
    /// GIC interrupt specifiers: PPI, flags = all CPUs, level high.
    static let ppi: UInt32 = 1
    static let levelHighAllCPUs: UInt32 = 0xF08
    /// The timer's PPIs as the armv7-timer binding lists them: secure and
    /// non-secure physical, virtual, hypervisor (INTIDs 29, 30, 27, 26).
    static let timerPPIs: (UInt32, UInt32, UInt32, UInt32) = (13, 14, 11, 10)
    /// Xen's event upcall, INTID 31 (docs/EVENTS.md).
    static let eventPPI: UInt32 = 15
    static let gicPhandle: UInt32 = 1
    /// GIC interrupt specifiers for SPIs: the first cell, and level high
    /// (a virtio-mmio transport holds its line while InterruptStatus is non-zero).
    static let spi: UInt32 = 0
    static let levelHigh: UInt32 = 4

    /// Writes the tree into `buffer`; its size, or nil when it does not fit.
    public static func write(into buffer: UnsafeMutableRawBufferPointer, layout: LinuxGuestLayout,
                             bootargs: UnsafeRawBufferPointer, vcpus: Int, platform: Platform,
                             devices: LinuxTreeDevices = .none) -> Int? {
        var w = FDTWriter(buffer: buffer)
        w.beginNode("")
        w.property("#address-cells", cell: 1)
        w.property("#size-cells", cell: 1)
        w.property("compatible", strings: "xen,xenvm-4.19", "xen,xenvm")
        w.property("model", strings: "Apus Linux VM")
        w.property("interrupt-parent", cell: gicPhandle)

        w.beginNode("chosen")
        w.property("bootargs", text: bootargs)
        if layout.initramfs.size > 0 {
            w.property("linux,initrd-start", cell: UInt32(truncatingIfNeeded: layout.initramfs.base.value))
            w.property("linux,initrd-end", cell: UInt32(truncatingIfNeeded: layout.initramfs.end))
        }
        w.endNode()

        let usable = layout.usableMemory
        w.beginNode("memory", unit: UInt32(truncatingIfNeeded: usable.base.value))
        w.property("device_type", strings: "memory")
        w.property("reg", cells: UInt32(truncatingIfNeeded: usable.base.value), UInt32(truncatingIfNeeded: usable.size))
        w.endNode()

        w.beginNode("cpus")
        w.property("#address-cells", cell: 1)
        w.property("#size-cells", cell: 0)
        for vcpu in 0..<vcpus {
            let affinity = VirtualMPIDR.affinity(ofVCPU: vcpu)
            w.beginNode("cpu", unit: affinity)
            w.property("device_type", strings: "cpu")
            w.property("compatible", strings: "arm,cortex-a15")
            w.property("reg", cell: affinity)
            w.property("enable-method", strings: "psci")
            w.endNode()
        }
        w.endNode()

        w.beginNode("psci")
        w.property("compatible", strings: "arm,psci-1.0", "arm,psci-0.2")
        w.property("method", strings: "hvc")
        w.endNode()

        let distributor = platform.virtualGIC.base.value
        let cpuInterface = platform.guestGICCPUInterface
        w.beginNode("interrupt-controller", unit: UInt32(truncatingIfNeeded: distributor))
        w.property("compatible", strings: "arm,cortex-a15-gic")
        w.property("#interrupt-cells", cell: 3)
        w.property("#address-cells", cell: 0)
        w.property("interrupt-controller")
        w.property("reg", count: 4) { index in
            switch index {
            case 0: UInt32(truncatingIfNeeded: distributor)
            case 1: DistributorRegisters.frameSize
            case 2: UInt32(truncatingIfNeeded: cpuInterface.base.value)
            default: UInt32(truncatingIfNeeded: cpuInterface.size)
            }
        }
        w.property("phandle", cell: gicPhandle)
        w.endNode()

        w.beginNode("timer")
        w.property("compatible", strings: "arm,armv7-timer")
        w.property("interrupts", count: 12) { index in
            switch (index % 3, index / 3) {
            case (0, _): ppi
            case (1, 0): timerPPIs.0
            case (1, 1): timerPPIs.1
            case (1, 2): timerPPIs.2
            case (1, _): timerPPIs.3
            default: levelHighAllCPUs
            }
        }
        w.endNode()

        let frames = LinuxGuestLayout.grantFrames
        w.beginNode("hypervisor")  // Linux looks for exactly this name (no unit address)
        w.property("compatible", strings: "xen,xen-4.19", "xen,xen")
        w.property("reg", cells: UInt32(truncatingIfNeeded: frames.base.value), UInt32(truncatingIfNeeded: frames.size))
        w.property("interrupts", count: 3) { index in
            switch index {
            case 0: ppi
            case 1: eventPPI
            default: levelHighAllCPUs
            }
        }
        w.endNode()

        if devices.count > 0 { writeDevices(devices, to: &w) }

        w.endNode()
        return w.finish()
    }

    /// A simple bus holding the devices, whose `dma-ranges` says that guest-physical
    /// RAM is at `physicalBase` for them: Linux's DMA API (dma-direct, as a
    /// Xen guest without XENFEAT_direct_mapped) then gives devices machine addresses.
    static func writeDevices(_ devices: LinuxTreeDevices, to w: inout FDTWriter) {
        w.beginNode("passthrough")
        w.property("compatible", strings: "simple-bus")
        w.property("#address-cells", cell: 1)
        w.property("#size-cells", cell: 1)
        w.property("ranges")  // register addresses are the same on both sides (identity-mapped)
        w.property("dma-ranges", count: 3) { index in
            switch index {
            case 0: UInt32(truncatingIfNeeded: devices.physicalBase.value)  // the devices' view
            case 1: UInt32(truncatingIfNeeded: devices.memory.base.value)   // the CPU's view
            default: UInt32(truncatingIfNeeded: devices.memory.size)
            }
        }
        for d in 0..<devices.count {
            let device = devices.devices[d]
            guard let binding = device.linuxBinding else { continue }
            let base = UInt32(truncatingIfNeeded: device.registers.base.value)
            switch binding {
            case .virtioMMIO: w.beginNode("virtio_mmio", unit: base)
            }
            w.property("compatible", strings: binding.compatible)
            w.property("reg", cells: base, UInt32(truncatingIfNeeded: device.registers.size))
            w.property("interrupts", count: 3) { index in
                switch index {
                case 0: spi
                case 1: device.interrupts[0] &- 32
                default: levelHigh
                }
            }
            w.property("dma-coherent")  // as QEMU's own trees say for its virtio-mmio transports
            w.endNode()
        }
        w.endNode()
    }
}
