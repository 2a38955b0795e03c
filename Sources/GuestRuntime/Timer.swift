import GuestSupport

/// The generic virtual timer (CNTV): the guest's clock and its one interrupt,
/// PPI 27. Times are counter ticks at CNTFRQ (GuestClock converts them to
/// nanoseconds).
public enum VirtualTimer {
    public static let interrupt: UInt32 = 27

    public static var now: UInt64 { g_read_cntvct() }
    public static var frequency: UInt32 { g_read_cntfrq() }

    /// Ticks for a number of microseconds at the counter frequency.
    public static func ticks(microseconds: UInt64) -> UInt64 {
        microseconds * UInt64(_truncatingBits: UInt(frequency)) / 1_000_000
    }

    /// Fires PPI 27 when the counter reaches `deadline`.
    public static func arm(at deadline: UInt64) {
        g_write_cntv_cval(deadline)
        g_write_cntv_ctl(1)  // enable, unmasked
    }

    public static func disarm() { g_write_cntv_ctl(0) }
}
