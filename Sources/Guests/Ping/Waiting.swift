import GuestRuntime
import GuestSupport
import HypervisorCore
import XenRings

/// Bounds every wait for the peer: the virtual timer fires once at the end of
/// a phase, so a peer that never answers ends the run with a FAILED check
/// instead of a hang, and the round trips pay nothing for it.
enum Watchdog {
    nonisolated(unsafe) static var expired = false

    static func attach() { GIC.attach(VirtualTimer.interrupt, watchdogFired) }

    static func start(_ span: TimeSpan) {
        expired = false
        GuestClock.arm(at: GuestClock.now + span)
    }

    static func stop() { VirtualTimer.disarm() }
}

/// PPI 27; disarming keeps the level-triggered timer quiet.
func watchdogFired(_ intid: UInt32) {
    VirtualTimer.disarm()
    Watchdog.expired = true
}

/// Sleeps until `ready()` holds, taking interrupts (event upcalls, the
/// watchdog) between WFIs; false once the watchdog expired first. A wake-up
/// without progress (an event that carried nothing new) just sleeps again.
func wait(until ready: () -> Bool) -> Bool {
    while !ready() {
        if Watchdog.expired { return ready() }
        GuestClock.waitForInterrupt()
    }
    return true
}

/// Events on our port, counted by the upcall (interrupts masked there),
/// and the virtual counter (low 32 bits) when the handler last ran.
enum PortEvents {
    nonisolated(unsafe) static var count: UInt32 = 0
    nonisolated(unsafe) static var handledAt: UInt32? = nil
}

func portEvent(_ port: UInt32) {
    PortEvents.count &+= 1
    PortEvents.handledAt = UInt32(truncatingIfNeeded: VirtualTimer.now)
}
