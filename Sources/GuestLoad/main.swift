import GuestRuntime
import GuestSupport
import HypervisorCore

/// The general-purpose load: burns CPU (a "hog") and reports progress.
@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var out = GuestConsole()
    out.write("hello from VM ")
    out.write(decimal: vm)
    out.newline()
    Hypervisor.shutdown(.powerOff)
}
