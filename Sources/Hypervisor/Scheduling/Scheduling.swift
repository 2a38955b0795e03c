import HVRegs
import HypervisorCore

/// The shell around the core's scheduling loop (VCPUScheduling): events from
/// the trap path go to the loop; on the way back to a guest, `resume` reads
/// the clock and the guest-instruction counter, takes the loop's decision,
/// switches VCPU state, arms CNTHP, and idles or reports a stall or a
/// starved VM.
enum Scheduling {
    nonisolated(unsafe) static var loop = VCPUScheduling<ConfiguredScheduler<8>, 8>(scheduler: ConfiguredScheduler(policy: .sedf))
    nonisolated(unsafe) static var trace = HypervisorTraceRing()
    /// Instructions (PMU cycles under -icount) per decision and per VCPU switch.
    nonisolated(unsafe) static var decideCost = CostMeter()
    nonisolated(unsafe) static var switchCost = CostMeter()
    /// CPU time per VM from the first dispatch to the first VM's stop (the power-off report's common window).
    nonisolated(unsafe) static var window = CPUWindow<8>()

    static func id(_ vm: Int) -> VCPUID { VCPUID(UInt32(truncatingIfNeeded: vm)) }

    static var decisions: UInt64 { loop.decisions }

    static func start(policy: SchedulingPolicy) {
        loop = VCPUScheduling(scheduler: ConfiguredScheduler(policy: policy))
    }

    static func admit(_ vm: Int, parameters: PolicyParameters, vms: Int) throws(SchedulerError) {
        let progressWindow = loop.scheduler.progressWindow(for: parameters, vcpus: vms)
        let now = Clock.now
        try loop.admit(id(vm), parameters: parameters, progressWindow: progressWindow, now: now)
        window.admitted(vm, at: now)
    }

    static func isBlocked(_ vm: Int) -> Bool { loop.isBlocked(id(vm)) }
    static func block(_ vm: Int, wakeAt: Instant) { loop.block(id(vm), wakeAt: wakeAt, now: Clock.now) }
    static func wake(_ vm: Int) {
        if isBlocked(vm) { RunstateArea.enter(vm: vm, .runnable) }
        loop.wake(id(vm), now: Clock.now)
    }
    static func yield(_ vm: Int) { loop.yield(id(vm), now: Clock.now) }
    static func remove(_ vm: Int) {
        let now = Clock.now
        window.close(at: now)
        loop.remove(id(vm), now: now)
    }
    static func timerFired() { loop.timerFired() }
    static func longestWait(_ vm: Int) -> TimeSpan { loop.longestWait(id(vm)) }

    /// Called at the end of every trap from a guest (and at the first launch),
    /// with the frame that will be resumed. Returns when a VCPU is loaded into
    /// `frame`; powers off when every VM has stopped. A restarting VM given
    /// the CPU runs its load a step at a time until an interrupt or event
    /// calls for a decision, or the load is complete.
    static func resume(_ frame: UnsafeMutablePointer<apus_trap_frame>) {
        while true {
            if Machines.allStopped { EndOfRun.finish() }
            guard loop.decisionNeeded else {
                guard let vm = Machines.current, VMRestart.isRestarting(vm) else { return }
                VMRestart.work(vm: vm)
                loop.progressed(id(vm), now: Clock.now)  // loading is progress, not starvation
                Interrupts.handlePending()
                continue
            }
            let now = Clock.now
            let start = hv_read_pmccntr()
            let dispatch = loop.decide(now: now, retired: GuestInstructions.count)
            decideCost.record(hv_read_pmccntr() &- start)
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
        trace.append(TraceRecord(time: now, event: .switched(from: dispatch.previous?.rawValue, to: dispatch.vcpu?.rawValue, reason: dispatch.reason)))
        let start = hv_read_pmccntr()
        if let previous {
            Machines.table[previous].vcpu.save(from: frame)
            RunstateArea.enter(vm: previous, isBlocked(previous) ? .blocked : .runnable)
        }
        if let next {
            Machines.table[next].vcpu.restore(into: frame)
            hv_write_vttbr(Machines.table[next].vttbr)
            hv_isb()
            RunstateArea.enter(vm: next, .running)
            RunstateArea.update(vm: next)  // the guest's stage 1 is live now
        }
        if previous != nil, next != nil { switchCost.record(hv_read_pmccntr() &- start) }
        Machines.current = next
        window.switched(to: next, at: now)
    }

    /// Nothing can run: unless nothing could ever wake a VCPU, wait for an
    /// interrupt with IRQs masked (WFI still wakes), handle it, and let
    /// `resume` decide again.
    private static func idle() {
        // A device interrupt or typed console input (VIRQ_CONSOLE bound) may still wake a VCPU.
        let canBeWoken = { (vcpu: VCPUID) -> Bool in
            VirtualInterrupts.hasEnabledDevice(vm: Int(vcpu.rawValue)) || ConsoleInput.canWake(vm: Int(vcpu.rawValue))
        }
        if loop.isStalled(canBeWoken: canBeWoken) { EndOfRun.stalled() }
        while !loop.decisionNeeded {
            hv_dsb()
            hv_wfi()
            Interrupts.handlePending()
        }
    }
}
