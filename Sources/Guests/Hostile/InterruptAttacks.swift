import GuestRuntime
import GuestSupport
import HypervisorCore

/// The distributor a guest sees is the hypervisor's emulation: it may read
/// and set only interrupts the configuration gave it. This VM owns no SPI, so
/// enabling or pending INTID 37 (UART0) and 38 (UART1) must leave their bits
/// reading 0. Reading the register is legitimate and must not fault.
func attackInterruptController(_ attempts: inout Attempts) {
    // Control: the same write-and-read-back does take effect for an
    // interrupt this VM owns (its virtual timer, PPI 27), so "reads 0" below
    // means refused, not "the emulation reads 0 for everything".
    let ownTimer: UInt32 = 1 << 27
    let gicd = UInt32(truncatingIfNeeded: GuestMemoryMap.gicDistributor.base.value)
    check("hostile-control-gicd-own-ppi", !setBitsStayClear(at: gicd + 0x100, ownTimer))  // ISENABLER0
    _ = expectFault { g_mmio_write32(UInt(gicd + 0x180), ownTimer) }  // ICENABLER0: leave it as it was

    let foreign: UInt32 = (1 << (37 - 32)) | (1 << (38 - 32))
    attempts.record("hostile-gicd-enable-foreign-spi", refused: setBitsStayClear(at: gicd + 0x104, foreign))  // ISENABLER1
    attempts.record("hostile-gicd-pend-foreign-spi", refused: setBitsStayClear(at: gicd + 0x204, foreign))    // ISPENDR1
}

/// Writes `bits` to a set-register and reads it back: true when the write
/// had no effect on them (the write itself may fault; the read may not,
/// and a faulting read counts as "had an effect": the check fails).
private func setBitsStayClear(at address: UInt32, _ bits: UInt32) -> Bool {
    _ = expectFault { g_mmio_write32(UInt(address), bits) }
    var value: UInt32 = 0
    let readFault = expectFault { value = g_mmio_read32(UInt(address)) }
    return readFault == nil && value & bits == 0
}
