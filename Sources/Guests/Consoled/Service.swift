import GuestRuntime
import GuestSupport
import HypervisorCore

/// The driver domain's loop: serve every block ring and drain every console ring on each wake-up (an event, or the
/// tick), look for departed frontends on each tick, and sleep in WFI with
/// the virtual timer armed, so no wait lasts longer than one tick even if
/// an event is lost or never comes.
enum Service {
    /// Wake-ups of the loop (events and ticks together).
    nonisolated(unsafe) static var wakeUps: UInt32 = 0

    static func attachTimer() { GIC.attach(VirtualTimer.interrupt, tickFired) }

    /// Serves until every console is gone or dropped (true), or until
    /// `timeout` has passed (false). `tick` is the fallback period: output
    /// is at most this late without events, and a departed frontend is
    /// noticed within it.
    static func run(tick: TimeSpan, timeout: TimeSpan?) -> Bool {
        let start = GuestClock.now
        let end = timeout.map { start + $0 } ?? .never
        var nextCheck = start + tick
        while true {
            XenstoreService.startIfAsked()
            XenstoreService.resetRestarted()
            XenstoreService.serveAndNegotiate()
            BlockBackend.serveAll()
            Consoles.serveAll()
            ConsoleInput.route()
            let now = GuestClock.now
            if now >= nextCheck {
                BlockBackend.retireDeparted()
                Consoles.retireDeparted()
                nextCheck = now + tick
            }
            if Consoles.serving == 0, BlockBackend.serving == 0 { return true }
            if now >= end { return false }
            GuestClock.arm(at: min(nextCheck, end))
            GuestClock.waitForInterrupt()
            wakeUps &+= 1
        }
    }
}

/// PPI 27: the timer is level-triggered, so it is disarmed until the loop
/// arms it again.
/// A tick also serves the xenstore rings, in case an event was lost.
func tickFired(_ intid: UInt32) {
    VirtualTimer.disarm()
    XenstoreService.mayHaveMoved = true
}
