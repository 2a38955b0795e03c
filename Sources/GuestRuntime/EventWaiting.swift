import GuestSupport
import HypervisorCore

/// Sleeping until the other end of an event channel answers, or a deadline:
/// the split drivers' front ends (the block front end, the xenstore client)
/// wait this way rather than spin, so the VCPU blocks in WFI and the
/// hypervisor runs someone else meanwhile.
public enum EventWaiting {
    /// Makes a page of `storage` shared_info (unless one already is), takes
    /// the event upcall (PPI 31) and the virtual timer (PPI 27, disarmed when
    /// it fires) and enables the GIC. False when registration fails.
    public static func start(sharedInfo storage: UnsafeMutableRawBufferPointer) -> Bool {
        if EventChannels.sharedInfoPage == nil {
            guard EventChannels.registerSharedInfo(in: storage) == 0 else { return false }
        }
        GIC.attach(VirtualTimer.interrupt, deadlineCame)
        EventChannels.attachUpcall()
        GIC.enable()
        return true
    }

    /// Blocks in WFI until an interrupt: an event's upcall, or the virtual
    /// timer at `deadline`. Callers check what they wait for before and after.
    public static func sleep(until deadline: Instant) {
        GuestClock.arm(at: deadline)
        GuestClock.waitForInterrupt()
    }
}

/// An event the waiter reads for itself after the WFI.
func eventArrived(_ port: UInt32) {}

/// PPI 27 while waiting: the deadline came. Disarmed, as it is level-triggered.
func deadlineCame(_ intid: UInt32) { VirtualTimer.disarm() }
