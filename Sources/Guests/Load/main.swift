import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore

/// The general-purpose load (bootargs `mode=hog|periodic duration=ms
/// [block=run_us:block_us] [reboot=psci|sched reboot-before=ms]`): burns CPU,
/// optionally alternating with sleep, reports progress about every 100 ms and
/// its total work at the end, then powers off or restarts (docs/GUESTS.md).
@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var out = GuestConsole()
    let arguments: LoadGuestArguments
    do throws(GuestArgumentError) {
        arguments = try LoadGuestArguments(BootArguments(guestPointer: bootargs))
    } catch {
        out.write("ERROR ")
        error.describe(to: &out)
        out.newline()
        check("load-bootargs", false)
        Hypervisor.shutdown(.crash)
    }
    out.write("LOAD vm=")
    out.write(decimal: vm)
    switch arguments.mode {
    case .hog:
        out.write(" mode=hog")
    case .periodic(let run, let block):
        out.write(" mode=periodic run=")
        out.write(decimal: run.nanoseconds / 1_000)
        out.write(" block=")
        out.write(decimal: block.nanoseconds / 1_000)
    }
    out.write(" duration=")
    out.write(decimal: arguments.duration.nanoseconds / 1_000_000)
    out.newline()

    var load = Load(duration: arguments.duration)
    switch arguments.mode {
    case .hog: load.hog()
    case .periodic(let run, let block): load.alternate(run: run, block: block)
    }
    load.report(to: &out)
    if let reboot = arguments.reboot, GuestClock.now < Instant.zero + reboot.before {
        switch reboot.how {
        case .psci:
            out.write("REBOOT via=psci")
            out.newline()
            let result = g_psci_call(PSCIFunction.systemReset.rawValue, 0)
            out.write("ERROR PSCI SYSTEM_RESET returned ")
            out.write(signed: Int64(widening: Int(result)))
            out.newline()
            check("load-reboot", false)
        case .schedOp:
            out.write("REBOOT via=sched")
            out.newline()
            Hypervisor.shutdown(.reboot)
        }
    }
    Hypervisor.shutdown(.powerOff)
}
