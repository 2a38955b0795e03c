import GuestRuntime
import GuestSupport
import HypervisorCore

/// Keeps the CPU busy (never blocking) for `duration` after the attacks, so
/// the other VMs can be seen keeping their deadlines beside it; prints
/// `PROGRESS <n> elapsed=<us>` about every 100 ms.
func keepRunning(for duration: TimeSpan) {
    let start = GuestClock.now
    let end = start + duration
    var nextProgress = start + .milliseconds(100)
    var reports: UInt64 = 0
    while true {
        CPUWork.spin(iterations: 10_000)
        let now = GuestClock.now
        if now >= end { return }
        if now >= nextProgress {
            reports += 1
            while nextProgress <= now { nextProgress += .milliseconds(100) }
            var out = GuestConsole()
            out.write("PROGRESS ")
            out.write(decimal: reports)
            out.write(" elapsed=")
            out.write(decimal: now.since(start).nanoseconds / 1_000)
            out.newline()
        }
    }
}

/// Sleeps for `span` (WFI with interrupts masked and its timer armed: the
/// pending timer ends the WFI, no handler is needed): `after=` lets the
/// other VMs settle first.
func idle(for span: TimeSpan) {
    guard span > .zero else { return }
    let until = GuestClock.now + span
    while GuestClock.now < until {
        GuestClock.arm(at: until)
        g_wfi()
    }
    VirtualTimer.disarm()
}

/// An undefined instruction nobody expects: the runtime reports it and shuts
/// down with reason crash. Getting past it is a failure.
func crashWithUndefinedInstruction() -> Never {
    note("crashing on purpose: undefined instruction")
    g_undefined_instruction()
    check("hostile-crash-stopped", false)
    Hypervisor.shutdown(.crash)
}

/// Points the exception vectors at `vectors` (unmapped: just past guest RAM)
/// and takes an exception: the CPU's fetch of the vector faults in stage 2
/// while entering the handler. The guest cannot handle that; the hypervisor
/// must stop it with a report. Getting past it is a failure.
func crashInsideExceptionEntry(vectors: UInt32) -> Never {
    note("crashing on purpose: exception vectors at unmapped memory")
    ForbiddenInstruction.setVectorBase(vectors)
    g_undefined_instruction()
    check("hostile-crash-stopped", false)
    Hypervisor.shutdown(.crash)
}

/// Masks interrupts, disarms its timer and blocks: nothing can wake it. The
/// hypervisor must say so and end the run once the other VMs are done.
func blockForever() -> Never {
    note("blocking on purpose with nothing to wake it")
    g_disable_irq()
    VirtualTimer.disarm()
    while true { Hypervisor.block() }
}
