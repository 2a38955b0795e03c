import GuestKit
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
    // The bootargs sit in the last page of RAM: its end is the first address not ours.
    let memoryEnd = UInt64(widening: UInt32(UInt(bitPattern: bootargs)) | 0xFFF) + 1
    // The driver domain's disk is connected after the calibration, before
    // the head start (start=): its xenstore handshake waits for the driver
    // domain to come up, and the calibration must not wait with it, so the
    // system's first moments stay as they were without the handshake
    // (docs/BENCHMARKS.md, "RT guest with I/O"). The own device is brought up at once.
    let connectsLate = arguments.io.path == .split
    let io = connectsLate ? nil : BlockIO.open(arguments.io.path, memoryEnd: memoryEnd)
    if arguments.io.path != .none, !connectsLate, io == nil { failIO() }
    var runner = TaskRunner(executive: arguments.makeExecutive(), backgroundWork: arguments.backgroundWork,
                            io: io, ioTask: arguments.io.task)
    switch arguments.io.output {
    case .console:
        run(&runner, arguments, vm: vm, memoryEnd: memoryEnd, reportingTo: &out)
    case .uart1:
        out.write("RT reports on UART1")
        out.newline()
        var uart = PL011Port(base: PL011Port.uart1)
        run(&runner, arguments, vm: vm, memoryEnd: memoryEnd, reportingTo: &uart)
    }
    Hypervisor.shutdown(.powerOff)
}

/// The I/O path could not be brought up (its own ERROR line said why).
func failIO() -> Never {
    check("rt-io", false)
    Hypervisor.shutdown(.crash)
}

func run<Sink: TextSink>(_ runner: inout TaskRunner, _ arguments: RTGuestArguments, vm: UInt32, memoryEnd: UInt64,
                         reportingTo out: inout Sink) {
    announce(arguments, vm: vm, to: &out)
    Calibration.report(to: &out)
    // The head start counts from here, the handshake inside it.
    let firstRelease = GuestClock.now + arguments.startDelay
    if arguments.io.path == .split {
        guard let io = BlockIO.open(arguments.io.path, memoryEnd: memoryEnd) else { failIO() }
        runner.io = io
    }
    let now = GuestClock.now
    runner.run(for: arguments.duration, after: now < firstRelease ? firstRelease.since(now) : .zero)
    Report.write(runner, to: &out)
    if arguments.reportJobs { JobLog.write(runner, to: &out) }
}

/// `RT vm=0 policy=edf late=keep idle=sleep tasks=2 duration=1000`: what this run is.
func announce<Sink: TextSink>(_ arguments: RTGuestArguments, vm: UInt32, to out: inout Sink) {
    out.write("RT vm=")
    out.write(decimal: vm)
    out.write(arguments.policy == .earliestDeadlineFirst ? " policy=edf" : " policy=rm")
    out.write(arguments.lateJobs == .keepRunning ? " late=keep" : " late=drop")
    out.write(arguments.backgroundWork ? " idle=work" : " idle=sleep")
    out.write(" tasks=")
    out.write(decimal: UInt64(clampingNonNegative: arguments.taskCount))
    out.write(" duration=")
    out.write(decimal: arguments.duration.nanoseconds / 1_000_000)
    if arguments.startDelay != .zero {
        out.write(" start=")
        out.write(decimal: arguments.startDelay.nanoseconds / 1_000_000)
    }
    switch arguments.io.path {
    case .none: break
    case .direct: out.write(" io=direct")
    case .split: out.write(" io=split")
    }
    out.newline()
}
