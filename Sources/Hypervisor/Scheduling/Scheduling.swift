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

    static func id(_ vm: Int) -> VCPUID { VCPUID(UInt32(truncatingIfNeeded: vm)) }

    /// Appends to the trace ring in builds that dump it (TRACE=1, APUS_TRACE_DUMP); in
    /// the others nothing ever reads the ring, so the trap path does not fill it
    /// (nor read the clock for it).
    @inline(__always)
    static func record(_ event: TraceEvent, at time: @autoclosure () -> Instant) {
        #if APUS_TRACE_DUMP
        cpu.pointee.trace.append(TraceRecord(time: time(), event: event))
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

    /// CPU 0 at boot: `vm` into the loop of the CPU its VCPU is assigned to (partitioned scheduling).
    static func admit(_ vm: Int, parameters: PolicyParameters, vms: Int) throws(SchedulerError) {
        let owner = ThisCPU.record(of: CrossCPU.owner(of: vm))
        // The progress watch counts this CPU's guest instructions against time; under
        // QEMU's -icount every CPU's instructions advance the one clock and CPUs run
        // in turns, so with VCPUs on several CPUs it would see starvation that is
        // QEMU's: zero (not watched) then (docs/SMP.md).
        let progressWindow = PhysicalCPUs.inUse > 1 ? .zero
            : owner.pointee.loop.scheduler.progressWindow(for: parameters, vcpus: vms)
        let now = Clock.now
        try owner.pointee.loop.admit(id(vm), parameters: parameters, progressWindow: progressWindow, now: now)
        owner.pointee.window.admitted(vm, at: now)
    }

    /// Whether this CPU's loop has VCPUs to run (a CPU without any idles for good).
    static var hasVCPUs: Bool {
        for vm in 0..<Machines.count where CrossCPU.owner(of: vm) == ThisCPU.index && Machines.table[vm].isRunnable { return true }
        return false
    }

    static func isBlocked(_ vm: Int) -> Bool { cpu.pointee.loop.isBlocked(id(vm)) }
    static func block(_ vm: Int, wakeAt: Instant) { cpu.pointee.loop.block(id(vm), wakeAt: wakeAt, now: Clock.now) }
    static func wake(_ vm: Int) {
        if isBlocked(vm) { RunstateArea.enter(vm: vm, .runnable) }
        cpu.pointee.loop.wake(id(vm), now: Clock.now)
    }
    static func yield(_ vm: Int) { cpu.pointee.loop.yield(id(vm), now: Clock.now) }
    static func remove(_ vm: Int) {
        let now = Clock.now
        cpu.pointee.window.close(at: now)
        cpu.pointee.loop.remove(id(vm), now: now)
    }
    static func timerFired() { cpu.pointee.loop.timerFired() }
    static func longestWait(_ vm: Int) -> TimeSpan { cpu.pointee.loop.longestWait(id(vm)) }

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
            guard cpu.pointee.loop.decisionNeeded else {
                guard let vm = cpu.pointee.current, VMRestart.isRestarting(vm) else { return }
                VMRestart.work(vm: vm)
                cpu.pointee.loop.progressed(id(vm), now: Clock.now)  // loading is progress, not starvation
                Interrupts.handlePending()
                continue
            }
            let now = Clock.now
            let start = hv_read_pmccntr()
            let dispatch = cpu.pointee.loop.decide(now: now, retired: GuestInstructions.count)
            cpu.pointee.decideCost.record(hv_read_pmccntr() &- start)
            if let starved = dispatch.starved { EndOfRun.starved(vm: Int(starved.rawValue), since: now) }
            if dispatch.switches { switchVCPU(dispatch, now: now, frame: frame) }
            HypTimer.program(at: dispatch.timer)
            if dispatch.vcpu != nil { continue }
            idle()
        }
    }

    private static func switchVCPU(_ dispatch: Dispatch, now: Instant, frame: UnsafeMutablePointer<apus_trap_frame>) {
        let previous = dispatch.previous.map { Int($0.rawValue) }
        let next = dispatch.vcpu.map { Int($0.rawValue) }
        record(.switched(from: dispatch.previous?.rawValue, to: dispatch.vcpu?.rawValue, reason: dispatch.reason), at: now)
        let start = hv_read_pmccntr()
        if let previous {
            Machines.table[previous].vcpu.save(from: frame)
            RunstateArea.enter(vm: previous, isBlocked(previous) ? .blocked : .runnable, at: now)
        }
        if let next {
            Machines.table[next].vcpu.restore(into: frame)
            hv_write_vttbr(Machines.table[next].vttbr)
            hv_isb()
            RunstateArea.enter(vm: next, .running, at: now)
            RunstateArea.update(vm: next)  // the guest's stage 1 is live now
        }
        if previous != nil, next != nil { cpu.pointee.switchCost.record(hv_read_pmccntr() &- start) }
        cpu.pointee.current = next
        cpu.pointee.window.switched(to: next, at: now)
    }

    /// Nothing can run: unless nothing could ever wake a VCPU, wait for an
    /// interrupt with IRQs masked (WFI still wakes), handle it, and let
    /// `resume` decide again.
    private static func idle() {
        // A device interrupt or typed console input (VIRQ_CONSOLE bound) may still wake a VCPU.
        let canBeWoken = { (vcpu: VCPUID) -> Bool in
            VirtualInterrupts.hasEnabledDevice(vm: Int(vcpu.rawValue)) || ConsoleInput.canWake(vm: Int(vcpu.rawValue))
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
