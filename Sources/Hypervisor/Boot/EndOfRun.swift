import HVRegs
import HypervisorCore

/// The end of a run: every VM has stopped, or none can ever run again.
enum EndOfRun {
    /// Every remaining VM waits for an interrupt that nothing can raise: say
    /// so and end the run instead of idling forever.
    static func stalled() -> Never {
        var out = Console()
        out.write("Apus: every running VM is blocked with no timer armed and no device interrupt enabled; nothing can wake them:")
        out.newline()
        for vm in 0..<Machines.count where Machines.table[vm].isRunnable {
            out.write("  VM ")
            Machines.table[vm].writeName(to: &out)
            out.write(" waits at pc ")
            out.write(hex: VCPUs.table[VCPUs.of(vm: vm, 0)].context.frame.elr)
            out.newline()
        }
        finish("Apus: stopping the system", status: EXIT_STATUS_STALLED)
    }

    /// Every VM has stopped (or none can run again): report, dump the trace, power off.
    /// A runnable VM retired no guest instruction over its whole progress
    /// window (two SEDF periods, which contain one whole period of its
    /// reservation; under credit the longest credit1 can keep it waiting,
    /// ConfiguredScheduler.creditProgressWindow): its guarantee is broken, most likely because the
    /// hypervisor's own scheduling work leaves no time. The run ends with its
    /// own exit status rather than carrying on without the guarantee.
    static func starved(vm: Int, since now: Instant) -> Never {
        var out = Console()
        out.write("Apus: VM ")
        Machines.table[vm].writeName(to: &out)
        out.write(" starved: runnable but no guest instruction retired over a whole period, at ")
        out.write(decimal: now.nanoseconds / 1000)
        out.write(" us (scheduling overhead leaves it no CPU time)")
        out.newline()
        finish("Apus: stopping the system", status: EXIT_STATUS_STARVED)
    }

    /// A clean end (status 0) becomes EXIT_STATUS_GUEST_FAILED when a guest failed.
    static func finish(_ headline: StaticString = "Apus: all VMs stopped", status: Int32 = EXIT_STATUS_OK) -> Never {
        // The first CPU to get here reports and powers off; the locks stay
        // taken, so no other CPU writes or changes the tables meanwhile.
        apus_spin_lock(hv_lock_word(UInt32(LOCK_SHARED_TABLES)))
        apus_spin_lock(hv_lock_word(UInt32(LOCK_CONSOLE)))
        var out = Console()
        out.write(headline)
        out.newline()
        let failed = writeFailures(to: &out)
        for vm in 0..<Machines.count {
            let machine = Machines.table[vm]
            out.write("  VM ")
            machine.writeName(to: &out)
            out.write(": hypercalls ")
            out.write(decimal: machine.hypercalls)
            out.write(", console_io writes ")
            out.write(decimal: machine.consoleWrites)
            out.write(", interrupts ")
            out.write(decimal: machine.interrupts)
            out.write(", faults injected ")
            out.write(decimal: machine.injectedFaults)
            if machine.restarts != 0 {
                out.write(", restarts ")
                out.write(decimal: machine.restarts)
            }
            if machine.grantOperations != 0 {
                out.write(", grant operations ")
                out.write(decimal: machine.grantOperations)
            }
            if machine.forwardedAccesses != 0 {
                out.write(", forwarded accesses ")
                out.write(decimal: machine.forwardedAccesses)
            }
            out.newline()
            if machine.isSMP { writeVCPUs(of: vm, to: &out) }
        }
        out.write("  decisions ")
        out.write(decimal: Scheduling.decisions)
        out.write(", unowned interrupts ")
        out.write(decimal: Interrupts.unowned)
        out.write(", ignored distributor accesses ")
        out.write(decimal: DistributorEmulation.ignoredAccesses)
        out.newline()
        writePerCPU(to: &out)
        writeCommonWindow(to: &out)
        writeLongestWaits(to: &out)
        IsolationAudit.write(to: &out)
        writeStackPeak(to: &out)
        ThisCPU.record(of: 0).pointee.trapCost.write(name: "trap-handling", to: &out)
        ThisCPU.record(of: 0).pointee.decideCost.write(name: "decide", to: &out)
        ThisCPU.record(of: 0).pointee.switchCost.write(name: "vcpu-switch", to: &out)
        #if APUS_TRACE_DUMP
        dumpTrace(to: &out)
        #endif
        #if APUS_MEASURE
        TrapCensus.write(to: &out)
        #endif
        PowerOff.exit(status: failed && status == EXIT_STATUS_OK ? EXIT_STATUS_GUEST_FAILED : status)
    }

    /// For a VM with several VCPUs, a line per VCPU:
    /// `    VCPU n on CPU c: dispatched D, SGIs received R, SGIs taken T, interrupts taken I`:
    /// how often its CPU's scheduler ran it, the SGIs its VM's VCPUs sent it (GICD_SGIR)
    /// and how many of those and of all interrupts its guest acknowledged.
    static func writeVCPUs(of vm: Int, to out: inout Console) {
        for vcpu in VCPUs.all(of: vm) {
            let bank = VCPUs.table[vcpu].index
            let counters = Machines.table[vm].vgic.counters(vcpu: bank)
            out.write("    VCPU ")
            out.write(decimal: UInt32(truncatingIfNeeded: bank))
            out.write(" on CPU ")
            out.write(decimal: UInt32(truncatingIfNeeded: VCPUs.table[vcpu].physicalCPU))
            out.write(": dispatched ")
            out.write(decimal: VCPUs.table[vcpu].dispatches)
            out.write(", SGIs received ")
            out.write(decimal: counters.sgisReceived)
            out.write(", SGIs taken ")
            out.write(decimal: counters.sgisDelivered)
            out.write(", interrupts taken ")
            out.write(decimal: counters.delivered)
            out.newline()
        }
    }

    /// `Apus: VM x failed: ...` for each VM that reported a failed check,
    /// crashed or faulted; true when there was one.
    static func writeFailures(to out: inout Console) -> Bool {
        var failed = false
        for vm in 0..<Machines.count where Machines.table[vm].hasFailed {
            failed = true
            out.write("Apus: VM ")
            Machines.table[vm].writeName(to: &out)
            out.write(" failed: ")
            out.write(decimal: Machines.table[vm].failedChecks)
            out.write(" failed checks")
            switch Machines.table[vm].stopped {
            case .shutdown(.crash): out.write(", shut down with reason crash")
            case .fault: out.write(", stopped for a fault")
            default: break
            }
            out.newline()
        }
        return failed
    }

    /// `  common window N us: a N us, b N us`: the CPU time each VM got while
    /// all of them competed (first dispatch to the first VM's stop), the one
    /// window over which shares are comparable; then `  admitted before the
    /// window: a N us, b N us`, where each VM's first period began (README,
    /// "Reading the output").
    static func writeCommonWindow(to out: inout Console) {
        out.write("  common window ")
        out.write(decimal: ThisCPU.record(of: 0).pointee.window.length.nanoseconds / 1000)
        out.write(" us:")
        writePerVM("", .received, to: &out)
        writePerVM("  admitted before the window:", .admittedBefore, to: &out)
    }

    /// `  longest runnable wait: a N us, b N us`: for each VM, the longest
    /// it was runnable (woken, its timer due, or preempted) before the
    /// scheduler gave it the CPU, a wait still going on at the end included.
    /// Under SEDF a VM that keeps its guarantee waits at most 2 (period -
    /// slice) plus the hypervisor's own latency.
    static func writeLongestWaits(to out: inout Console) {
        writePerVM("  longest runnable wait:", .longestWait, to: &out)
    }

    /// The record of the CPU `vm`'s VCPU 0 ran on: its window and loop hold its times.
    static func owner(_ vm: Int) -> UnsafeMutablePointer<CPURecord> { ThisCPU.record(of: CrossCPU.owner(of: vm)) }

    /// With VCPUs on several CPUs, one line per CPU: `  CPU n: decisions D, switches S, window W us, VMs a b`.
    static func writePerCPU(to out: inout Console) {
        guard PhysicalCPUs.inUse > 1 else { return }
        for cpu in 0..<PhysicalCPUs.online {
            let record = ThisCPU.record(of: cpu)
            out.write("  CPU ")
            out.write(decimal: UInt32(truncatingIfNeeded: cpu))
            out.write(": decisions ")
            out.write(decimal: record.pointee.loop.decisions)
            out.write(", window ")
            out.write(decimal: record.pointee.window.length.nanoseconds / 1000)
            out.write(" us, VMs")
            for vm in 0..<Machines.count where hasVCPU(of: vm, on: cpu) {
                out.write(" ")
                Machines.table[vm].writeName(to: &out)
            }
            out.newline()
        }
    }

    static func hasVCPU(of vm: Int, on cpu: Int) -> Bool {
        for vcpu in VCPUs.all(of: vm) where VCPUs.table[vcpu].physicalCPU == cpu { return true }
        return false
    }

    /// The times the end-of-run report lists per VM, in µs.
    enum PerVMFigure {
        case received, admittedBefore, longestWait

        func value(of vm: Int) -> UInt64 {
            switch self {
            // VCPU 0's figures stand for its VM.
            case .received: owner(vm).pointee.window.received(VCPUs.of(vm: vm, 0)).nanoseconds / 1000
            case .admittedBefore: owner(vm).pointee.window.admittedBefore(VCPUs.of(vm: vm, 0)).nanoseconds / 1000
            case .longestWait:
                owner(vm).pointee.loop.longestWait(Scheduling.id(VCPUs.of(vm: vm, 0)), upTo: Clock.now).nanoseconds / 1000
            }
        }
    }

    /// `TITLE a N us, b N us`: one figure per VM, on one line.
    static func writePerVM(_ title: StaticString, _ figure: PerVMFigure, to out: inout Console) {
        out.write(title)
        for vm in 0..<Machines.count {
            out.write(vm == 0 ? " " : ", ")
            Machines.table[vm].writeName(to: &out)
            out.write(" ")
            out.write(decimal: figure.value(of: vm))
            out.write(" us")
        }
        out.newline()
    }

    /// The deepest the HYP stack went: the first word from the bottom that no
    /// longer holds the boot-time paint.
    static func writeStackPeak(to out: inout Console) {
        var address = hv_stack_bottom()
        while address < hv_stack_top(), hv_peek32(address) == UInt32(STACK_PAINT) { address += 4 }
        out.write("  HYP stack: peak ")
        out.write(decimal: UInt32(truncatingIfNeeded: hv_stack_top() - address))
        out.write(" of ")
        out.write(decimal: UInt32(truncatingIfNeeded: hv_stack_top() - hv_stack_bottom()))
        out.write(" bytes")
        out.newline()
    }

    /// Each CPU's trace ring in `apus-trace 1` format between two marker lines, for
    /// `make trace` to cut out and hand to `apus trace`: CPU 0's between
    /// `--- apus-trace begin ---` and `--- apus-trace end ---`, every further CPU the
    /// configuration uses between `--- apus-trace begin cpu N ---` and `--- apus-trace end cpu N ---`
    /// (docs/TRACE.md). The other CPUs only idle by now, so their rings stay as read.
    static func dumpTrace(to out: inout Console) {
        let end = Clock.now
        for cpu in 0..<PhysicalCPUs.inUse {
            writeTraceMarker("begin", cpu: cpu, to: &out)
            ThisCPU.record(of: cpu).pointee.trace.write(to: &out, vcpus: VCPUs.count, end: end) { vcpu, sink in
                Machines.table[VCPUs.table[Int(vcpu)].vm].writeName(to: &sink)
            }
            writeTraceMarker("end", cpu: cpu, to: &out)
        }
    }

    private static func writeTraceMarker(_ which: StaticString, cpu: Int, to out: inout Console) {
        out.write("--- apus-trace ")
        out.write(which)
        if cpu > 0 {
            out.write(" cpu ")
            out.write(decimal: UInt32(truncatingIfNeeded: cpu))
        }
        out.write(" ---")
        out.newline()
    }
}
