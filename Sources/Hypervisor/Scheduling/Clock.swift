import HVRegs
import HypervisorCore

/// The one time base: the generic timer's physical counter, converted to the
/// core's nanoseconds at this edge only.
enum Clock {
    nonisolated(unsafe) static var frequency: UInt64 = 62_500_000
    /// Nanoseconds per tick when that is a whole number (62.5 MHz: 16), so the
    /// trap path multiplies instead of dividing 128-bit values; 0 otherwise.
    nonisolated(unsafe) static var nanosecondsPerTick: UInt64 = 16

    /// CNTFRQ is 0 when no firmware set it: then the boot device tree's
    /// clock-frequency, else the board's description, says (BootDeviceTree).
    static func initialize(treeFrequency: UInt64?) {
        let register = UInt64(widening: hv_read_cntfrq())
        frequency = register != 0 ? register : treeFrequency ?? UInt64(widening: UInt32(BOARD_COUNTER_FREQUENCY))
        nanosecondsPerTick = 1_000_000_000 % frequency == 0 ? 1_000_000_000 / frequency : 0
    }

    static var ticks: UInt64 { hv_read_cntpct() }
    static var now: Instant { instant(ticks: ticks) }

    static func instant(ticks: UInt64) -> Instant {
        if nanosecondsPerTick != 0 {
            let (product, overflow) = ticks.multipliedReportingOverflow(by: nanosecondsPerTick)
            return overflow ? .never : Instant(nanoseconds: product)
        }
        let product = ticks.multipliedFullWidth(by: 1_000_000_000)
        return Instant(nanoseconds: frequency.dividingFullWidth(product).quotient)
    }

    /// The first counter value at or after `instant` (rounded up, so a timer
    /// never fires early).
    static func ticks(at instant: Instant) -> UInt64 {
        guard instant != .never else { return UInt64.max }
        if nanosecondsPerTick != 0 {
            let ticks = instant.nanoseconds / nanosecondsPerTick
            return instant.nanoseconds % nanosecondsPerTick == 0 ? ticks : ticks &+ 1
        }
        let product = instant.nanoseconds.multipliedFullWidth(by: frequency)
        let (quotient, remainder) = UInt64(1_000_000_000).dividingFullWidth(product)
        return remainder == 0 ? quotient : quotient &+ 1
    }
}

/// The hypervisor's one-shot timer (CNTHP, PPI 26): the next scheduling event.
enum HypTimer {
    static func program(at deadline: Instant) {
        guard deadline != .never else {
            hv_write_cnthp_ctl(0)
            return
        }
        hv_write_cnthp_cval(Clock.ticks(at: deadline))
        hv_write_cnthp_ctl(1)
        hv_isb()
    }

    static func stop() { hv_write_cnthp_ctl(0) }
}
