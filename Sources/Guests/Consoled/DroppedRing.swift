import GuestRuntime
import HypervisorCore
import XenRings

/// A front end's ring whose indices are not believable (RingOverrun): its
/// port is masked, so the front end's events stop waking us, and
/// `OVERRUN <what> prod=<p> cons=<c>: dropped` is reported through console_io.
/// The caller never reads the ring again.
func reportDroppedRing(port: UInt32, _ overrun: RingOverrun, what: (inout GuestConsole) -> Void) {
    if let page = EventChannels.sharedInfoPage { GuestEventChannels(sharedInfo: page).mask(port) }
    var out = GuestConsole()
    out.write("OVERRUN ")
    what(&out)
    out.write(" prod=")
    out.write(decimal: overrun.published)
    out.write(" cons=")
    out.write(decimal: overrun.consumer)
    out.write(": dropped")
    out.newline()
}
