import HVRegs

/// The physical GIC as the hypervisor drives it: CPU interface in split
/// priority-drop/deactivate mode (EOImodeNS), so an interrupt passed to a
/// guest with the list register's HW bit stays active until the guest's EOI.
enum GIC {
    static let distributor = UInt(BOARD_GICD_BASE)
    static let cpuInterface = UInt(BOARD_GICC_BASE)
    static let hypInterface = UInt(BOARD_GICH_BASE)

    static let maintenanceInterrupt = UInt32(BOARD_MAINTENANCE_INTERRUPT)
    static let hypTimerInterrupt = UInt32(BOARD_HYP_TIMER_INTERRUPT)
    static let virtualTimerInterrupt = UInt32(BOARD_VIRTUAL_TIMER_INTERRUPT)
    static let spurious: UInt32 = 1023

    /// CPU 0, once: the distributor, shared by every CPU.
    static func initializeDistributor() {
        hv_mmio_write32(distributor + 0x000, 1)                  // GICD_CTLR: group 1 on
    }

    /// Every CPU: its own CPU interface and its banked PPIs (maintenance, timers).
    static func initializeCPUInterface() {
        hv_mmio_write32(cpuInterface + 0x004, 0xFF)              // GICC_PMR: all priorities
        hv_mmio_write32(cpuInterface + 0x000, 1 | (1 << 9))      // GICC_CTLR: enable, EOImodeNS
        setPriority(maintenanceInterrupt, 0xA0)
        setPriority(hypTimerInterrupt, 0xA0)
        setPriority(virtualTimerInterrupt, 0xA0)
        setPriority(UInt32(SGI_MAILBOX), 0xA0)
        enable(maintenanceInterrupt)
        enable(hypTimerInterrupt)
        enable(virtualTimerInterrupt)
        enable(UInt32(SGI_MAILBOX))
    }

    static func enable(_ intid: UInt32) {
        hv_mmio_write32(distributor + 0x100 + UInt(intid / 32) * 4, 1 << (intid % 32))
    }

    static func disable(_ intid: UInt32) {
        hv_mmio_write32(distributor + 0x180 + UInt(intid / 32) * 4, 1 << (intid % 32))
    }

    /// Sends an SPI to CPU `cpu` at `priority`.
    static func route(_ intid: UInt32, priority: UInt8, to cpu: Int = 0) {
        setPriority(intid, priority)
        let targets = distributor + 0x800 + UInt(intid & ~3)
        let shift = (intid & 3) * 8
        let value = hv_mmio_read32(targets) & ~(0xFF << shift)
        hv_mmio_write32(targets, value | ((1 << UInt32(cpu)) << shift))
    }

    /// GICD_SGIR: software-generated interrupt `sgi` to CPU `cpu` only.
    static func sendSGI(_ sgi: UInt32, to cpu: Int) {
        hv_dsb()  // what the SGI announces is visible first
        hv_mmio_write32(distributor + 0xF00, ((1 << UInt32(cpu)) << 16) | (sgi & 0xF))
    }

    static func setPriority(_ intid: UInt32, _ priority: UInt8) {
        let register = distributor + 0x400 + UInt(intid & ~3)
        let shift = (intid & 3) * 8
        let value = hv_mmio_read32(register) & ~(0xFF << shift)
        hv_mmio_write32(register, value | (UInt32(priority) << shift))
    }

    /// GICC_IAR: the interrupt now being handled (with its source CPU bits).
    static func acknowledge() -> UInt32 { hv_mmio_read32(cpuInterface + 0x00C) }
    /// GICC_EOIR: priority drop only (EOImodeNS); the interrupt stays active.
    static func dropPriority(_ iar: UInt32) { hv_mmio_write32(cpuInterface + 0x010, iar) }
    /// GICC_DIR: deactivate an interrupt the hypervisor handled itself.
    static func deactivate(_ iar: UInt32) { hv_mmio_write32(cpuInterface + 0x1000, iar) }

    /// Physical active state of a PPI of this CPU (banked), for the virtual
    /// timer's interrupt, which belongs to whichever VCPU is running.
    static func isActive(_ intid: UInt32) -> Bool {
        hv_mmio_read32(distributor + 0x300 + UInt(intid / 32) * 4) & (1 << (intid % 32)) != 0
    }

    static func setActive(_ intid: UInt32, _ active: Bool) {
        let base: UInt = active ? 0x300 : 0x380
        hv_mmio_write32(distributor + base + UInt(intid / 32) * 4, 1 << (intid % 32))
    }

    /// The number of list registers (GICH_VTR.ListRegs + 1).
    static var listRegisterCount: UInt32 { (hv_mmio_read32(hypInterface + UInt(GICH_VTR)) & 0x3F) + 1 }
}
