import GuestSupport
import HypervisorCore

/// Timer 1 of the SP804 dual timer passed through to the bench VM (QEMU
/// clocks it at 1 MHz: one count per microsecond of virtual time).
enum SP804 {
    static let base = UInt(VexpressA15Devices.sp804Timer0)
    static let interrupt: UInt32 = 34
    static let nanosecondsPerCount: UInt32 = 1_000

    // Control register bits.
    static let enable: UInt32 = 1 << 7
    static let interruptEnable: UInt32 = 1 << 5
    static let thirtyTwoBit: UInt32 = 1 << 1
    static let oneShot: UInt32 = 1 << 0

    static func stop() { g_mmio_write32(base + 0x08, 0) }
    static func clearInterrupt() { g_mmio_write32(base + 0x0C, 1) }

    /// One-shot interrupt after `counts` microseconds; returns PMCCNTR read
    /// one instruction before the write that starts the count.
    static func fire(afterCounts counts: UInt32) -> UInt32 {
        stop()
        clearInterrupt()
        g_mmio_write32(base + 0x00, counts)  // load
        return routine2(&startTimerCode)(UInt32(base), enable | interruptEnable | thirtyTwoBit | oneShot)
    }

    /// Checks where the interrupt really rises against `fire`'s model (the
    /// count starts at the write, one instruction after the returned read):
    /// with the interrupt still disabled at the GIC, poll the raw status.
    /// Returns the smallest and largest distance from the model's moment to
    /// the PMCCNTR read after the first load that saw it (a 4-instruction loop).
    static func pollFireModel(samples: Int) -> (minimum: UInt32, maximum: UInt32) {
        var minimum = UInt32.max, maximum: UInt32 = 0
        for sample in 0..<samples {
            let counts = UInt32(truncatingIfNeeded: sample) + 1
            let modelled = fire(afterCounts: counts) &+ 1 &+ counts * nanosecondsPerCount
            let seen = routine2(&pollTimerCode)(UInt32(base), 0)
            minimum = min(minimum, seen &- modelled)
            maximum = max(maximum, seen &- modelled)
        }
        stop()
        clearInterrupt()
        return (minimum, maximum)
    }
}
