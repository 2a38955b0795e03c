import GuestSupport
import HypervisorCore

/// The virtual counter as the core's time: nanoseconds since the counter
/// started (`Instant`), and the virtual timer armed at an `Instant`.
public enum GuestClock {
    /// CNTFRQ does not change while the guest runs: read it once.
    nonisolated(unsafe) static var cachedCounter: CounterClock? = nil

    public static var counter: CounterClock {
        if let counter = cachedCounter { return counter }
        let counter = CounterClock(frequency: VirtualTimer.frequency)
        cachedCounter = counter
        return counter
    }

    public static var now: Instant { counter.instant(ticks: VirtualTimer.now) }

    /// Arms the virtual timer (PPI 27) for the first counter value at or after `instant`.
    public static func arm(at instant: Instant) {
        VirtualTimer.arm(at: counter.ticks(atOrAfter: instant))
    }

    /// Waits with interrupts masked until an interrupt is pending, then lets
    /// it be taken (the handler runs between the two instructions) and masks
    /// again. Masking first means a timer that fires before the WFI still
    /// wakes it: WFI returns on a pending interrupt even while masked.
    public static func waitForInterrupt() {
        g_wfi()
        g_enable_irq()
        g_disable_irq()
    }
}
