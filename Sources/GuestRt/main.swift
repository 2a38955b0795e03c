import GuestRuntime
import GuestSupport
import HypervisorCore

/// The real-time guest: runs periodic tasks (bootargs `policy=edf|rm
/// tasks=p:e,... duration=ms`) under its own EDF or RM scheduler for
/// `duration`, then reports per task and shuts down (docs/GUESTS.md).
@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var out = GuestConsole()
    let arguments: RTGuestArguments
    do throws(GuestArgumentError) {
        arguments = try RTGuestArguments(BootArguments(guestPointer: bootargs))
    } catch {
        out.write("ERROR ")
        error.describe(to: &out)
        out.newline()
        check("rt-bootargs", false)
        Hypervisor.shutdown(.crash)
    }
    announce(arguments, vm: vm, to: &out)
    Calibration.report(to: &out)

    var runner = TaskRunner(executive: arguments.makeExecutive(), backgroundWork: arguments.backgroundWork)
    runner.run(for: arguments.duration)
    Report.write(runner, to: &out)
    Hypervisor.shutdown(.powerOff)
}

/// `RT vm=0 policy=edf late=keep idle=sleep tasks=2 duration=1000`: what this run is.
func announce(_ arguments: RTGuestArguments, vm: UInt32, to out: inout GuestConsole) {
    out.write("RT vm=")
    out.write(decimal: vm)
    out.write(arguments.policy == .earliestDeadlineFirst ? " policy=edf" : " policy=rm")
    out.write(arguments.lateJobs == .keepRunning ? " late=keep" : " late=drop")
    out.write(arguments.backgroundWork ? " idle=work" : " idle=sleep")
    out.write(" tasks=")
    out.write(decimal: UInt64(clampingNonNegative: arguments.taskCount))
    out.write(" duration=")
    out.write(decimal: arguments.duration.nanoseconds / 1_000_000)
    out.newline()
}
