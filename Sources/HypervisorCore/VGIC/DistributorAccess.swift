// The vocabulary of an emulated GICD access: how wide it was, whether it was a
// legal access, and what the hypervisor must do to the physical GIC afterwards.

/// The size of a guest load or store (the HSR's SAS field says which).
public enum AccessWidth: UInt8, Sendable {
    case byte = 1
    case halfword = 2
    case word = 4
}

/// Whether an access was one the GICv2 architecture allows. `.ignored` accesses
/// read as zero and change nothing; the hypervisor may count them or inject an
/// abort, at its choice. Architecturally RAZ/WI registers (IGROUPR, NSACR, the
/// banks beyond INTID 159) and bits of interrupts the VM does not own are `.ok`:
/// a guest may touch them and sees zeros, exactly like on a real GIC.
public enum AccessStatus: Equatable, Sendable {
    case ok
    case ignored(AccessFault)
}

public enum AccessFault: UInt8, Equatable, Sendable {
    /// The offset is at or beyond the 4 KiB distributor frame.
    case outsideFrame
    /// A halfword access, a byte access to a word-only register, or a misaligned word.
    case badWidth
    /// A reserved or implementation-defined offset.
    case reserved
    /// A write to TYPER, IIDR or an identification register.
    case readOnly
    /// A read of GICD_SGIR.
    case writeOnly
}

/// What the guest read.
public struct DistributorRead: Equatable, Sendable {
    public var value: UInt32
    public var status: AccessStatus

    public init(value: UInt32, status: AccessStatus) {
        self.value = value
        self.status = status
    }
}

/// What the hypervisor must apply to the physical GIC after a guest's write.
/// Physical INTIDs equal virtual INTIDs (passthrough interrupts are identity-mapped).
///   - `enable` / `disable`: owned SPIs (passthrough devices) whose virtual enable bit
///     changed: write GICD_ISENABLER / GICD_ICENABLER of the physical distributor.
///     PPIs produce no enable effects: the hypervisor owns the physical PPIs and
///     switches them with the VCPU.
///   - `deactivate`: hardware-linked interrupts whose physical active state the guest
///     dropped without an EOI (ICPENDR of a pending hardware interrupt, ICACTIVER of
///     an active one): the physical interrupt is still active and will never be
///     deactivated by a list register now, so write GICC_DIR for each.
///   - `retarget`: owned SPIs whose target VCPU changed (GICD_ITARGETSR): route the
///     physical SPI to the CPU of its new target (`VirtualGIC.target(ofSPI:)`).
/// Priority and trigger configuration are not mirrored: the hypervisor sets the
/// physical ones from the platform description.
public struct DistributorEffects: Equatable, Sendable {
    public var enable: InterruptSet
    public var disable: InterruptSet
    public var deactivate: InterruptSet
    public var retarget: InterruptSet

    public init() {
        enable = InterruptSet()
        disable = InterruptSet()
        deactivate = InterruptSet()
        retarget = InterruptSet()
    }

    public init(enable: InterruptSet, disable: InterruptSet, deactivate: InterruptSet) {
        self.enable = enable
        self.disable = disable
        self.deactivate = deactivate
        retarget = InterruptSet()
    }

    public var isEmpty: Bool { enable.isEmpty && disable.isEmpty && deactivate.isEmpty && retarget.isEmpty }
}

/// What the guest's write did.
public struct DistributorWrite: Equatable, Sendable {
    public var effects: DistributorEffects
    public var status: AccessStatus
    /// Bit n set: VCPU n's bank may hold a newly signallable interrupt (an SGI sent
    /// to it, an SPI made pending, enabled or retargeted for it, the distributor
    /// turned on): the hypervisor wakes it, or asks its CPU to look (docs/SMP.md).
    public var reached: UInt8

    public init(effects: DistributorEffects, status: AccessStatus, reached: UInt8 = 0) {
        self.effects = effects
        self.status = status
        self.reached = reached
    }
}
