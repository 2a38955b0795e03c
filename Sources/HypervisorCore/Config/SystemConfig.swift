// The parsed configuration: plain values with fixed capacities, so the
// hypervisor can hold it in static storage. Names, image names and bootargs
// stay in the DTB and are referred to by `FDTSlice`; read them with the `FDT`
// the configuration was parsed from.

public enum SchedulerKind: Equatable, Sendable {
    case sedf, credit

    public var name: StaticString {
        switch self {
        case .sedf: "sedf"
        case .credit: "credit"
        }
    }
}

/// A device passed through to one VM: its registers, identity-mapped, and its interrupts.
public struct PassthroughDevice: Sendable {
    public static let maximumInterrupts = 4

    public var node: FDTNode
    /// Registers; the guest sees them at the same (guest-physical) address.
    public var registers: PhysicalRange
    public var interrupts: InlineArray<4, UInt32>
    public var interruptCount: Int
    /// What the device is, for a Linux VM's device tree (`compatible`); nil: not listed there.
    public var linuxBinding: LinuxDeviceBinding?

    public init(node: FDTNode, registers: PhysicalRange) {
        self.node = node
        self.registers = registers
        interrupts = InlineArray(repeating: 0)
        interruptCount = 0
        linuxBinding = nil
    }

    /// The guest-physical view of the registers (identity mapping).
    public var guestRegisters: GuestPhysicalRange {
        GuestPhysicalRange(base: GuestPhysicalAddress(registers.base.value), size: registers.size)
    }

    /// The whole 4 KiB pages of the registers, which stage 2 maps (nil when the
    /// device covers no whole page). The rest, parts of pages shared with
    /// windows of other devices, is never mapped: the hypervisor forwards it.
    public var mappedPages: GuestPhysicalRange? {
        let first = (registers.base.value &+ PageSize.small &- 1) & ~(PageSize.small &- 1)
        let end = registers.end & ~(PageSize.small &- 1)
        guard first < end else { return nil }
        return GuestPhysicalRange(base: GuestPhysicalAddress(first), size: end &- first)
    }

    /// Every byte of the registers is in a page stage 2 maps.
    public var isWholePages: Bool {
        registers.base.value & (PageSize.small &- 1) == 0 && registers.size & (PageSize.small &- 1) == 0
    }
}

/// A slice of the block backend's disk that a VM gets as its virtual disk, in
/// 512-byte sectors: [firstSector, firstSector + sectorCount).
public struct DiskSlice: Equatable, Sendable {
    public static let sectorSize: UInt64 = 512

    public var firstSector: UInt64
    public var sectorCount: UInt64

    public init(firstSector: UInt64, sectorCount: UInt64) {
        self.firstSector = firstSector
        self.sectorCount = sectorCount
    }

    /// One past the last sector.
    public var endSector: UInt64 { firstSector &+ sectorCount }

    public func overlaps(_ other: DiskSlice) -> Bool {
        firstSector < other.endSector && other.firstSector < endSector
    }
}

public struct VMConfig: Sendable {
    public static let maximumDevices = 4
    /// VCPUs per VM (what the vGIC banks per VCPU).
    public static var maximumVCPUs: Int { VirtualGIC.maximumVCPUs }
    /// VCPUs in the whole system: the hypervisor's VCPU table and each CPU's run queue hold this many.
    public static let maximumSystemVCPUs = 8

    public var node: FDTNode
    /// `label`, or the node name when there is none.
    public var name: FDTSlice
    /// The guest's RAM as it sees it.
    public var memory: GuestPhysicalRange
    /// Where that RAM really is; same size as `memory`.
    public var physicalBase: PhysicalAddress
    /// The configuration gave `physical-base`; otherwise the VM was placed
    /// after the one before it (SystemConfig.placeMemory).
    public var physicalBaseGiven: Bool
    public var entry: GuestPhysicalAddress
    public var image: FDTSlice
    /// Empty when the VM has no `bootargs`.
    public var bootargs: FDTSlice
    /// `vcpus`: how many VCPUs the VM has (1 unless configured). Each VCPU is
    /// scheduled on its own with the VM's `sedf` or `credit` parameters.
    public var vcpuCount: Int
    public var sedf: SEDFParameters?
    public var credit: CreditParameters?
    /// This VM is the console driver domain (docs/CONSOLE.md).
    public var consoleBackend: Bool
    /// This VM is the block driver domain: it owns a virtio-blk transport and
    /// serves the other VMs' disks (`block-backend;`).
    public var blockBackend: Bool
    /// The slice of the block backend's disk this VM gets (`disk = <first count>;`).
    public var disk: DiskSlice?
    /// When this VM stops, for whatever reason, the hypervisor stops every
    /// other VM and ends the run (`ends-run;`, at most one VM).
    public var endsRun: Bool
    public var devices: InlineArray<4, PassthroughDevice>
    public var deviceCount: Int
    /// A Linux VM's zImage and initramfs (names in the large-image pack); empty otherwise (docs/LINUX.md).
    public var kernel: FDTSlice
    public var initramfs: FDTSlice
    /// The physical CPU each VCPU runs on (`cpu`: one cell for all, or one per
    /// VCPU; default 0): partitioned scheduling, each CPU runs its own scheduler
    /// over its VCPUs (docs/SMP.md).
    public var vcpuCPUs = InlineArray<4, Int>(repeating: 0)

    /// VCPU 0's CPU; setting it puts every VCPU there (a one-cell `cpu`).
    public var physicalCPU: Int {
        get { vcpuCPUs[0] }
        set { for vcpu in 0..<VMConfig.maximumVCPUs { vcpuCPUs[vcpu] = newValue } }
    }

    /// The CPU VCPU `vcpu` runs on.
    public func physicalCPU(ofVCPU vcpu: Int) -> Int { vcpuCPUs[vcpu] }

    public init(node: FDTNode, memory: GuestPhysicalRange, physicalBase: PhysicalAddress, entry: GuestPhysicalAddress) {
        self.node = node
        name = node.name
        self.memory = memory
        self.physicalBase = physicalBase
        physicalBaseGiven = true
        self.entry = entry
        image = .empty
        bootargs = .empty
        vcpuCount = 1
        sedf = nil
        credit = nil
        consoleBackend = false
        blockBackend = false
        disk = nil
        endsRun = false
        devices = InlineArray(repeating: PassthroughDevice(node: node, registers: PhysicalRange(base: PhysicalAddress(UInt64(0)), size: 0)))
        deviceCount = 0
        kernel = .empty
        initramfs = .empty
    }

    /// The VM boots a Linux kernel (`kernel`) instead of an Apus guest image.
    public var isLinux: Bool { kernel.count > 0 }

    /// Guest memory where it really is.
    public var physicalMemory: PhysicalRange { PhysicalRange(base: physicalBase, size: memory.size) }
}

public struct SystemConfig: Sendable {
    public static let maximumVMs = 8
    public static let defaultTraceEntries: UInt32 = 4096
    /// `trace-entries` at most: what the hypervisor's ring holds.
    public static var maximumTraceEntries: Int { HypervisorTraceRing.storageCapacity }
    /// The longest VM name (`label`, or the node name): the device-tree limit for node names.
    public static let maximumNameLength = 31

    public var scheduler: SchedulerKind
    public var traceEntries: UInt32
    /// `trace-from`: the trace ring keeps its first records from this many ms after
    /// boot (a window chosen in advance) instead of the run's last ones.
    public var traceFromMilliseconds: UInt32?
    public var vms: InlineArray<8, VMConfig>
    public var vmCount: Int
    /// Where the boot loader puts the pack of large images (Linux kernels and
    /// initramfs), in physical RAM outside the hypervisor and every VM.
    public var largeImages: PhysicalRange?
    /// The `hypervisor` node (errors about its properties name it).
    public var hypervisorNode: FDTNode

    public init(scheduler: SchedulerKind, traceEntries: UInt32 = SystemConfig.defaultTraceEntries) {
        self.scheduler = scheduler
        self.traceEntries = traceEntries
        traceFromMilliseconds = nil
        vms = InlineArray(repeating: VMConfig(node: .none, memory: GuestPhysicalRange(base: GuestPhysicalAddress(UInt64(0)), size: 0),
                                              physicalBase: PhysicalAddress(UInt64(0)), entry: GuestPhysicalAddress(UInt64(0))))
        vmCount = 0
        largeImages = nil
        hypervisorNode = .none
    }
}

extension VMConfig {
    /// Whether one of the VM's devices can DMA (a virtio transport): such a VM
    /// must know where its RAM really is, since the device sees physical
    /// addresses (no SMMU on vexpress), and gets ` physical-base=0x...` appended
    /// to its bootargs.
    public func ownsDMACapableDevice(on platform: Platform) -> Bool {
        for d in 0..<deviceCount {
            if let region = platform.deviceRegion(containing: devices[d].registers), region.dmaCapable { return true }
        }
        return false
    }

    /// Whether the hypervisor appends ` physical-base=0x...` to the bootargs:
    /// for an Apus guest with a DMA-capable device. A Linux VM is told the same
    /// by its device tree's `dma-ranges` (LinuxDeviceTree).
    public func getsPhysicalBaseArgument(on platform: Platform) -> Bool {
        !isLinux && ownsDMACapableDevice(on: platform)
    }
}
