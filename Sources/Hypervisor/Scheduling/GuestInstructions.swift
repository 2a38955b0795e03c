import HVRegs
import HypervisorCore

/// Instructions retired by guests (PL1 and PL0, never HYP), counted on the
/// PMU's last event counter, which the hypervisor keeps for itself: HDCR.HPMN
/// hides it from guests and HDCR.HPME keeps it counting whatever a guest does
/// to PMCR. The scheduling loop uses it to see that a runnable VM makes
/// progress. Nil on a PMU without the architectural instructions-retired
/// event (QEMU has it under -icount) or without counters: then progress is
/// not watched.
enum GuestInstructions {
    /// ARM architectural event 0x08, INST_RETIRED.
    static let instructionsRetired: UInt32 = 0x08
    nonisolated(unsafe) static var counter: UInt32? = nil
    /// `counter`'s bit in PMCNTENSET.
    nonisolated(unsafe) static var counterBit: UInt32 = 0

    static func start() {
        let counters = (hv_read_pmcr() &>> 11) & 0x1F
        guard counters > 0 else { return }
        let index = counters - 1
        hv_write_pmselr(index)
        hv_write_pmcntenset(1 &<< index)
        hv_write_hdcr(hv_read_hdcr() & ~0x1F | index | hpme)  // HPMN = index: hidden from guests
        // Probe: count in HYP too (NSH) for a few instructions. PMCEID0, which
        // would say whether the event exists, is not readable on every ARMv7 PMU.
        hv_write_pmxevtyper(instructionsRetired | countInHYP)
        hv_isb()
        let before = hv_read_pmxevcntr()
        hv_isb()
        hv_isb()
        guard hv_read_pmxevcntr() != before else {
            hv_write_hdcr(hv_read_hdcr() & ~(0x1F | hpme) | counters)  // give the counter back
            return
        }
        hv_write_pmxevtyper(instructionsRetired)  // P, U, NSK, NSU, NSH clear: PL1 and PL0, not HYP
        hv_isb()
        counter = index
        counterBit = 1 &<< index
    }

    static let hpme: UInt32 = 1 << 7
    static let countInHYP: UInt32 = 1 << 27

    /// The running count (32 bits, wrapping). PMSELR belongs to the guest: put back.
    /// Nil when a guest has reprogrammed or disabled the counter (HPMN hides it,
    /// but QEMU, and ARMv7 as UNPREDICTABLE, may let PL1 reach it): it is set
    /// up again, and the loop's watch starts over instead of reading a
    /// stopped counter as starvation.
    @inline(__always)  // read once per decision, straight into the loop's call
    static var count: UInt64? {
        guard let counter else { return nil }
        let selected = hv_read_pmselr()
        hv_write_pmselr(counter)
        hv_isb()
        let value = hv_read_pmxevcntr()
        guard hv_read_pmxevtyper() & 0xF800_03FF == instructionsRetired, hv_read_pmcntenset() & counterBit != 0 else {
            restore(selected: selected)
            return nil
        }
        hv_write_pmselr(selected)
        return UInt64(widening: value)
    }

    /// The counter (selected) was found reprogrammed: counts again from here.
    @inline(never)
    private static func restore(selected: UInt32) {
        hv_write_pmxevtyper(instructionsRetired)
        hv_write_pmcntenset(counterBit)
        hv_write_pmselr(selected)
    }
}
