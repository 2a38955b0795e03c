import GuestSupport

/// Timer 1 of the SP804 dual timer passed through to the bench VM (QEMU
/// clocks it at 1 MHz: one count per microsecond of virtual time).
enum SP804 {
    static let base: UInt = 0x1C11_0000
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
}
