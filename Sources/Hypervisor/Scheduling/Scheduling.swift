import HVRegs
import HypervisorCore

/// The shell around the core's scheduling loop (VCPUScheduling): events from
/// the trap path go to the loop; on the way back to a guest, `resume` reads
/// the clock and the guest-instruction counter, takes the loop's decision,
/// switches VCPU state, arms CNTHP, and idles or reports a stall or a
/// starved VM. Everything it keeps is this CPU's (CPURecord, through HTPIDR).
enum Scheduling {
    /// This CPU's record: its loop, trace ring, cost meters and window.
    @inline(__always)
    static var cpu: UnsafeMutablePointer<CPURecord> { ThisCPU.record }

    /// The scheduler's id of VCPU `vcpu` (VCPUs.table).
    static func id(_ vcpu: Int) -> VCPUID { VCPUID(UInt32(truncatingIfNeeded: vcpu)) }

    /// Appends to the trace ring in builds that dump it (TRACE=1, APUS_TRACE_DUMP); in
    /// the others nothing ever reads the ring, so the trap path does not fill it
    /// (nor read the clock or name a switch's reason for it).
    @inline(__always)
    static func record(_ event: @autoclosure () -> TraceEvent, at time: @autoclosure () -> Instant) {
        #if APUS_TRACE_DUMP
        cpu.pointee.trace.append(TraceRecord(time: time(), event: event()))
        #endif
    }

    /// Decisions of every CPU's loop.
    static var decisions: UInt64 {
        var total: UInt64 = 0
        for index in 0..<PhysicalCPUs.online { total &+= ThisCPU.record(of: index).pointee.loop.decisions }
        return total
    }

    /// CPU 0 at boot: a fresh loop on every CPU.
    static func start(policy: SchedulingPolicy) {
        for index in 0..<PhysicalCPUs.online {
            ThisCPU.record(of: index).pointee.loop = SchedulingLoop(scheduler: ConfiguredScheduler(policy: policy))
        }
    }

    /// CPU 0 at boot: `vcpu` into the loop of the CPU it is assigned to (partitioned scheduling).
    /// `creditWeight`: the credit weights of all `vcpus` (credit only).
    static func admit(_ vcpu: Int, parameters: PolicyParameters, vcpus: Int, creditWeight: UInt64) throws(SchedulerError) {
        let owner = ThisCPU.record(of: VCPUs.table[vcpu].physicalCPU)
        // The progress watch counts this CPU's guest instructions against time; under
        // QEMU's -icount every CPU's instructions advance the one clock and CPUs run
        // in turns, so with VCPUs on several CPUs it would see starvation that is
        // QEMU's: zero (not watched) then (docs/SMP.md).
        let progressWindow = PhysicalCPUs.inUse > 1 ? .zero
            : owner.pointee.loop.scheduler.progressWindow(for: parameters, vcpus: vcpus, creditWeight: creditWeight)
        let now = Clock.now
        try owner.pointee.loop.admit(id(vcpu), parameters: parameters, progressWindow: progressWindow, now: now)
        owner.pointee.window.admitted(vcpu, at: now)
    }

    /// CPU 0 at boot: a secondary VCPU waits, off, until its VM starts it (PSCI CPU_ON).
    static func park(_ vcpu: Int) {
        ThisCPU.record(of: VCPUs.table[vcpu].physicalCPU).pointee.loop.block(id(vcpu), wakeAt: .never, now: Clock.now)
    }

    /// Whether this CPU's loop has VCPUs to run (a CPU without any idles for good).
    static var hasVCPUs: Bool {
        for vcpu in 0..<VCPUs.count where VCPUs.table[vcpu].physicalCPU == ThisCPU.index
            && Machines.table[VCPUs.table[vcpu].vm].isRunnable { return true }
        return false
    }

    // The VCPU arguments below are VCPUs on this CPU (VCPUs.table).
    @inline(__always)  // every injected interrupt asks
    static func isBlocked(_ vcpu: Int) -> Bool { cpu.pointee.loop.isBlocked(id(vcpu)) }
    @inline(__always)  // the WFI path's one call of it
    static func block(_ vcpu: Int, wakeAt: Instant) { cpu.pointee.loop.block(id(vcpu), wakeAt: wakeAt, now: Clock.now) }
    /// Wakes `vcpu`, which is blocked (its one caller asked `isBlocked`).
    static func wake(_ vcpu: Int) {
        let now = Clock.now  // one reading: the runstate and the loop see the same instant
        RunstateArea.enter(vcpu: vcpu, .runnable, at: now)
        cpu.pointee.loop.wake(id(vcpu), now: now)
    }
    static func yield(_ vcpu: Int) { cpu.pointee.loop.yield(id(vcpu), now: Clock.now) }
    static func remove(_ vcpu: Int) {
        let now = Clock.now
        cpu.pointee.window.close(at: now)
        cpu.pointee.loop.remove(id(vcpu), now: now)
    }
    static func timerFired() { cpu.pointee.loop.timerFired() }

    /// Called at the end of every trap from a guest (and at the first launch),
    /// with the frame that will be resumed. Returns when a VCPU is loaded into
    /// `frame`; powers off when every VM has stopped. A restarting VM given
    /// the CPU runs its load a step at a time until an interrupt or event
    /// calls for a decision, or the load is complete.
    /// The usual answer (no decision needed, a VM still running, the current
    /// one not restarting) is inlined into the trap path.
    /// A current VM that is still runnable means not every VM has stopped, which
    /// spares the trap path the pass over the VM table (`decideAndResume` checks).
    @inline(__always)
    static func resume(_ frame: UnsafeMutablePointer<apus_trap_frame>) {
        guard !cpu.pointee.loop.decisionNeeded, let vm = cpu.pointee.current,
              Machines.table[vm].isRunnable, !VMRestart.isRestarting(vm) else {
            decideAndResume(frame)
            return
        }
    }

    @inline(never)
    private static func decideAndResume(_ frame: UnsafeMutablePointer<apus_trap_frame>) {
        while true {
            if Machines.allStopped { EndOfRun.finish() }
            // A decision that chose a VCPU leaves every VM as it was and no
            // decision pending: what is left to ask is whether its VM restarts.
            if cpu.pointee.loop.decisionNeeded && !decide(frame) {
                idle()
                continue
            }
            guard let vm = cpu.pointee.current, VMRestart.isRestarting(vm) else { return }
            VMRestart.work(vm: vm)
            cpu.pointee.loop.progressed(id(cpu.pointee.currentVCPU), now: Clock.now)  // loading is progress, not starvation
            Interrupts.handlePending()
        }
    }

    /// Takes a decision and carries it out; false when nothing can run.
    @inline(__always)
    private static func decide(_ frame: UnsafeMutablePointer<apus_trap_frame>) -> Bool {
        let now = Clock.now
        let start = hv_read_pmccntr()
        cpu.pointee.loop.decide(now: now, retired: GuestInstructions.count)
        cpu.pointee.decideCost.record(hv_read_pmccntr() &- start)
        // The answer, read field by field where the loop wrote it (a copy
        // of the whole record would be a memcpy call).
        if let starved = cpu.pointee.loop.dispatch.starved { EndOfRun.starved(vm: VCPUs.table[Int(starved.rawValue)].vm, since: now) }
        let chosen = cpu.pointee.loop.dispatch.vcpu
        if cpu.pointee.loop.dispatch.switches { switchVCPU(now: now, frame: frame) }
        HypTimer.program(at: cpu.pointee.loop.dispatch.timer)
        return chosen != nil
    }

    /// Switches from the decision's previous VCPU to its chosen one (either nil).
    /// `now` and `frame` are its only arguments, in registers: the VCPUs are
    /// read from the decision before the meter starts.
    private static func switchVCPU(now: Instant, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let previousID = cpu.pointee.loop.dispatch.previous, nextID = cpu.pointee.loop.dispatch.vcpu
        let previous = previousID.map { Int($0.rawValue) }
        let next = nextID.map { Int($0.rawValue) }
        record(.switched(from: previousID?.rawValue, to: nextID?.rawValue, reason: cpu.pointee.loop.dispatch.reason), at: now)
        let start = hv_read_pmccntr()
        if let previous {
            VCPUs.table[previous].context.save(from: frame)
            RunstateArea.enter(vcpu: previous, isBlocked(previous) ? .blocked : .runnable, at: now)
        }
        if let next {
            VCPUs.table[next].context.restore(into: frame)
            VCPUs.table[next].dispatches &+= 1
            let vm = VCPUs.table[next].vm
            hv_write_vttbr(Machines.table[vm].vttbr)
            hv_isb()
            cpu.pointee.current = vm
            cpu.pointee.currentVCPU = next
            cpu.pointee.currentBank = VCPUs.table[next].index
            cpu.pointee.currentInterrupts = Machines.table[vm].vgic.bankPointer(vcpu: VCPUs.table[next].index)
            RunstateArea.enter(vcpu: next, .running, at: now)
            RunstateArea.update(vcpu: next)  // the guest's stage 1 is live now
        } else {
            cpu.pointee.current = nil
        }
        if previous != nil, next != nil { cpu.pointee.switchCost.record(hv_read_pmccntr() &- start) }
        cpu.pointee.window.switched(to: next, at: now)
    }

    /// Nothing can run: unless nothing could ever wake a VCPU, wait for an
    /// interrupt with IRQs masked (WFI still wakes), handle it, and let
    /// `resume` decide again.
    private static func idle() {
        // A device interrupt or typed console input (VIRQ_CONSOLE bound) may still wake a VCPU.
        let canBeWoken = { (vcpu: VCPUID) -> Bool in
            let vm = VCPUs.table[Int(vcpu.rawValue)].vm
            return VirtualInterrupts.hasEnabledDevice(vm: vm) || ConsoleInput.canWake(vm: vm)
        }
        // With VCPUs on several CPUs another CPU may still wake this one's: the
        // stall watch is for one CPU only (docs/SMP.md).
        if PhysicalCPUs.inUse == 1, cpu.pointee.loop.isStalled(canBeWoken: canBeWoken) { EndOfRun.stalled() }
        while !cpu.pointee.loop.decisionNeeded {
            hv_dsb()
            hv_wfi()
            Interrupts.handlePending()
        }
    }
}
