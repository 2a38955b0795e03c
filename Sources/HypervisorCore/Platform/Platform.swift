// A platform: the facts about one machine that the hypervisor, its boot stub,
// its link map, `apus check` and the tests need, as one value. Each platform
// is described once (VexpressA15.swift, QEMUVirt.swift); the build turns the
// description into a C header and a linker-script fragment for the boot stub
// (`apus platform NAME --emit-header`, PlatformHeader.swift), so every fact
// has one home. What guests see is not here: GuestMemoryMap.swift.

/// The physical GICv2 with the Virtualization Extensions.
public struct GICLayout: Equatable, Sendable {
    public var distributor: PhysicalRange
    public var cpuInterface: PhysicalRange
    /// GICH: the hypervisor's control interface (list registers).
    public var hypInterface: PhysicalRange
    /// GICV: what a guest gets as its CPU interface.
    public var virtualCPUInterface: PhysicalRange
}

/// The per-CPU interrupts (PPIs) the hypervisor uses, as INTIDs.
public struct PlatformInterrupts: Equatable, Sendable {
    public var maintenance: UInt32
    public var hypTimer: UInt32
    public var virtualTimer: UInt32
    public var physicalTimer: UInt32
}

/// The hypervisor's console: a PL011 UART.
public struct ConsoleUART: Equatable, Sendable {
    public var base: PhysicalAddress
    public var interrupt: UInt32
    /// The UART's reference clock (UARTCLK), for baud divisors.
    public var clockHz: UInt32
}

/// How a board (not QEMU's semihosting) is switched off.
public enum PowerOffMethod: Equatable, Sendable {
    /// A store of `value` to the system controller register `register`.
    case systemControl(register: PhysicalAddress, value: UInt32)
    /// PSCI SYSTEM_OFF through an SMC from HYP.
    case psciSystemOff

    /// The build's EXIT= value that selects this method.
    public var exitName: StaticString {
        switch self {
        case .systemControl: "sysctl"
        case .psciSystemOff: "psci"
        }
    }
}

/// How the hypervisor gets a board's other CPUs (the secondaries) into HYP mode.
public enum SecondaryCPUStart: Equatable, Sendable {
    /// Every CPU enters the image at its entry point (QEMU's vexpress-a15 with
    /// -kernel): the boot stub holds each secondary until CPU 0 releases it.
    case sameEntry
    /// Secondaries stay off until CPU 0 asks the firmware: PSCI CPU_ON through an
    /// SMC, with the image's entry point (QEMU's virt, boards with PSCI).
    case psciCPUOn
}

public struct Platform: Sendable {
    /// The most physical CPUs Apus starts (MPIDR.Aff0 0-3; hypervisor_abi.h's APUS_MAX_CPUS).
    public static let maximumCPUs = 4

    public static let maximumDeviceRegions = 12

    public var kind: PlatformKind
    /// All of RAM this run has (the description's RAM base, the configured size).
    public var ram: PhysicalRange
    /// The most RAM the machine can have from `ram.base`.
    public var maximumRAMSize: UInt64
    /// The start of RAM that belongs to the hypervisor (image, stacks, tables); never given to guests.
    public var hypervisorReserved: PhysicalRange
    public var gic: GICLayout
    public var interrupts: PlatformInterrupts
    public var console: ConsoleUART
    public var powerOff: PowerOffMethod
    public var secondaryCPUStart: SecondaryCPUStart
    /// The generic timer's frequency when CNTFRQ reads 0 (no firmware set it).
    public var counterFrequency: UInt64
    /// Device regions that may be passed through; the first `deviceRegionCount` entries are valid.
    public var deviceRegions: InlineArray<12, DeviceRegion>
    public var deviceRegionCount: Int
    /// Shared peripheral interrupts that may be passed through (the GIC has INTIDs 0 up to the end).
    public var firstSPI: UInt32
    public var lastSPI: UInt32
    /// 4 KiB pages of the hypervisor's stage-2 table region (.stage2 in
    /// LinkerScripts/hypervisor.ld), shared out among the VMs by `Stage2Budget`.
    public var stage2TablePages: Int

    /// Pages of the .stage2 region the hypervisor links (LinkerScripts/hypervisor.ld
    /// says the same number; a host test holds the two together).
    public static let linkedStage2TablePages = 128

    public init(kind: PlatformKind, ram: PhysicalRange, maximumRAMSize: UInt64, hypervisorReservedSize: UInt64,
                gic: GICLayout, interrupts: PlatformInterrupts, console: ConsoleUART, powerOff: PowerOffMethod,
                secondaryCPUStart: SecondaryCPUStart, counterFrequency: UInt64, deviceRegions: InlineArray<12, DeviceRegion>, deviceRegionCount: Int,
                firstSPI: UInt32, lastSPI: UInt32, stage2TablePages: Int = Platform.linkedStage2TablePages) {
        self.kind = kind
        self.ram = PhysicalRange(base: ram.base, size: min(ram.size, maximumRAMSize))
        self.maximumRAMSize = maximumRAMSize
        hypervisorReserved = PhysicalRange(base: ram.base, size: min(hypervisorReservedSize, ram.size))
        self.gic = gic
        self.interrupts = interrupts
        self.console = console
        self.powerOff = powerOff
        self.secondaryCPUStart = secondaryCPUStart
        self.counterFrequency = counterFrequency
        self.deviceRegions = deviceRegions
        self.deviceRegionCount = min(deviceRegionCount, Platform.maximumDeviceRegions)
        self.firstSPI = firstSPI
        self.lastSPI = lastSPI
        self.stage2TablePages = max(stage2TablePages, 0)
    }

    /// Where every guest sees its GIC: the distributor (one page, emulated) and,
    /// right after it, the CPU interface (two pages, the real GICV).
    public var virtualGIC: GuestPhysicalRange { GuestMemoryMap.gic }
    /// The guest's GIC CPU interface, mapped by stage 2 onto `gicVirtualCPUInterface`.
    public var guestGICCPUInterface: GuestPhysicalRange { GuestMemoryMap.gicCPUInterface }
    /// The physical GIC virtual CPU interface (GICV).
    public var gicVirtualCPUInterface: PhysicalAddress { gic.virtualCPUInterface.base }
    /// Where every guest gets the pages other VMs grant it mapped (docs/GRANTS.md).
    public var grantWindow: GuestPhysicalRange { GuestMemoryMap.grantWindow }

    /// The assignable region that contains `address`, if any.
    public func deviceRegion(containing address: PhysicalAddress) -> DeviceRegion? {
        for i in 0..<deviceRegionCount where deviceRegions[i].range.contains(address) { return deviceRegions[i] }
        return nil
    }

    /// The assignable region that wholly contains `range`, if any.
    public func deviceRegion(containing range: PhysicalRange) -> DeviceRegion? {
        for i in 0..<deviceRegionCount where deviceRegions[i].range.contains(range) { return deviceRegions[i] }
        return nil
    }

    /// An empty slot of `deviceRegions`.
    static let noRegion = DeviceRegion(name: "", base: 0, size: 0, firstInterrupt: 0, interruptCount: 0)

    /// The PPIs every ARMv7 generic timer and GICv2 virtualization uses
    /// (maintenance 9, hyp timer 10, virtual 11, non-secure physical 14).
    static let standardInterrupts = PlatformInterrupts(maintenance: 25, hypTimer: 26, virtualTimer: 27, physicalTimer: 30)
}
