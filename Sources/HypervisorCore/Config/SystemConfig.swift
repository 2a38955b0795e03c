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

    public init(node: FDTNode, registers: PhysicalRange) {
        self.node = node
        self.registers = registers
        interrupts = InlineArray(repeating: 0)
        interruptCount = 0
    }

    /// The guest-physical view of the registers (identity mapping).
    public var guestRegisters: GuestPhysicalRange {
        GuestPhysicalRange(base: GuestPhysicalAddress(registers.base.value), size: registers.size)
    }
}

public struct VMConfig: Sendable {
    public static let maximumDevices = 4

    public var node: FDTNode
    /// `label`, or the node name when there is none.
    public var name: FDTSlice
    /// The guest's RAM as it sees it.
    public var memory: GuestPhysicalRange
    /// Where that RAM really is; same size as `memory`.
    public var physicalBase: PhysicalAddress
    public var entry: GuestPhysicalAddress
    public var image: FDTSlice
    /// Empty when the VM has no `bootargs`.
    public var bootargs: FDTSlice
    public var sedf: SEDFParameters?
    public var credit: CreditParameters?
    /// This VM is the console driver domain (docs/CONSOLE.md).
    public var consoleBackend: Bool
    public var devices: InlineArray<4, PassthroughDevice>
    public var deviceCount: Int

    public init(node: FDTNode, memory: GuestPhysicalRange, physicalBase: PhysicalAddress, entry: GuestPhysicalAddress) {
        self.node = node
        name = node.name
        self.memory = memory
        self.physicalBase = physicalBase
        self.entry = entry
        image = .empty
        bootargs = .empty
        sedf = nil
        credit = nil
        consoleBackend = false
        devices = InlineArray(repeating: PassthroughDevice(node: node, registers: PhysicalRange(base: PhysicalAddress(UInt64(0)), size: 0)))
        deviceCount = 0
    }

    /// Guest memory where it really is.
    public var physicalMemory: PhysicalRange { PhysicalRange(base: physicalBase, size: memory.size) }
}

public struct SystemConfig: Sendable {
    public static let maximumVMs = 8
    public static let defaultTraceEntries: UInt32 = 4096

    public var scheduler: SchedulerKind
    public var traceEntries: UInt32
    public var vms: InlineArray<8, VMConfig>
    public var vmCount: Int

    public init(scheduler: SchedulerKind, traceEntries: UInt32 = SystemConfig.defaultTraceEntries) {
        self.scheduler = scheduler
        self.traceEntries = traceEntries
        vms = InlineArray(repeating: VMConfig(node: .none, memory: GuestPhysicalRange(base: GuestPhysicalAddress(UInt64(0)), size: 0),
                                              physicalBase: PhysicalAddress(UInt64(0)), entry: GuestPhysicalAddress(UInt64(0))))
        vmCount = 0
    }
}
