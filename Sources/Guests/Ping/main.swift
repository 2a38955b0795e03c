import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore
import XenRings

/// The ping guest (bootargs `role=server|client peer=<domid> rounds=<n>
/// [port=<n>]`): two VMs talk over an event channel and a granted page; the
/// client measures the round trip (docs/GUESTS.md).
@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var out = GuestConsole()
    let arguments: PingArguments
    do throws(GuestArgumentError) {
        arguments = try PingArguments(BootArguments(guestPointer: bootargs), vm: vm)
    } catch {
        out.write("ERROR ")
        error.describe(to: &out)
        out.newline()
        check("ping-bootargs", false)
        Hypervisor.shutdown(.crash)
    }
    out.write("PING vm=")
    out.write(decimal: vm)
    out.write(arguments.role == .server ? " role=server" : " role=client")
    out.write(" peer=")
    out.write(decimal: UInt32(arguments.peer))
    out.write(" rounds=")
    out.write(decimal: arguments.rounds)
    out.newline()
    switch arguments.role {
    case .server:
        // The bootargs sit in the last page of RAM: its end is the first address not ours.
        Server(arguments: arguments, memoryEnd: (UInt32(UInt(bitPattern: bootargs)) | 0xFFF) &+ 1).run()
    case .client:
        Client(arguments: arguments).run()
    }
}
