import GuestSupport
import HypervisorCore

/// The guest's view of the GIC (GuestMemoryMap): the distributor (emulated by
/// the hypervisor) and the CPU interface (the real GICV).
public enum GIC {
    static let distributor = UInt(truncatingIfNeeded: GuestMemoryMap.gicDistributor.base.value)
    static let cpuInterface = UInt(truncatingIfNeeded: GuestMemoryMap.gicCPUInterface.base.value)

    public typealias Handler = @convention(c) (UInt32) -> Void
    nonisolated(unsafe) static var handlers = InlineArray<160, Handler?>(repeating: nil)

    /// Enables the distributor and CPU interface (priority mask open).
    public static func enable() {
        g_mmio_write32(distributor + 0x000, 1)      // GICD_CTLR
        enableCPUInterface()
    }

    /// Enables this VCPU's own CPU interface (a secondary VCPU's; the distributor is the VM's).
    public static func enableCPUInterface() {
        g_mmio_write32(cpuInterface + 0x004, 0xF8)  // GICC_PMR
        g_mmio_write32(cpuInterface + 0x000, 1)     // GICC_CTLR
    }

    /// Routes `intid` to `handler` and enables it in the distributor.
    public static func attach(_ intid: UInt32, _ handler: @escaping Handler) {
        handlers[Int(intid)] = handler
        let register = distributor + 0x100 + UInt(intid / 32) * 4  // GICD_ISENABLERn
        g_mmio_write32(register, 1 << (intid % 32))
    }
}

@c(guest_irq)
func guestIRQ() {
    let iar = g_mmio_read32(GIC.cpuInterface + 0x00C)  // GICC_IAR
    let intid = iar & 0x3FF
    if intid < 160, let handler = GIC.handlers[Int(intid)] { handler(intid) }
    if intid < 1020 { g_mmio_write32(GIC.cpuInterface + 0x010, iar) }  // GICC_EOIR
}
