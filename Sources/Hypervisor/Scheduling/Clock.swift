import HVRegs
import HypervisorCore

/// The one time base: the generic timer's physical counter, converted to the
/// core's nanoseconds at this edge only.
enum Clock {
    /// Replaced from CNTFRQ at boot, before anything reads the clock. Starts
    /// as a constant, so reading it needs no one-time-initialization check.
    nonisolated(unsafe) static var counter = CounterClock()

    /// CNTFRQ is 0 when no firmware set it: then the boot device tree's
    /// clock-frequency, else the board's description, says (BootDeviceTree).
    static func initialize(treeFrequency: UInt64?) {
        let register = hv_read_cntfrq()
        let fallback = treeFrequency.map { UInt32(truncatingIfNeeded: $0) } ?? UInt32(BOARD_COUNTER_FREQUENCY)
        counter = CounterClock(frequency: register != 0 ? register : fallback)
    }

    static var frequency: UInt64 { counter.frequency }
    static var ticks: UInt64 { hv_read_cntpct() }
    static var now: Instant { counter.instant(ticks: ticks) }

    static func instant(ticks: UInt64) -> Instant { counter.instant(ticks: ticks) }

    /// The first counter value at or after `instant` (rounded up, so a timer
    /// never fires early).
    static func ticks(at instant: Instant) -> UInt64 { counter.ticks(atOrAfter: instant) }
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
