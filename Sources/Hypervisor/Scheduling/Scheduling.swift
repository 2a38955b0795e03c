import HVRegs
import HypervisorCore

/// Drives the core's scheduler (SEDF or credit, chosen by the configuration)
/// from the trap path: events mark a decision as needed; on the way back to a
/// guest, `resume` asks the scheduler, switches VCPU state if the answer
/// changed, idles if nobody can run, and arms CNTHP for the next event.
enum Scheduling {
    enum Policy { case sedf, credit }

    nonisolated(unsafe) static var policy = Policy.sedf
    nonisolated(unsafe) static var sedf = SEDFScheduler<8>()
    nonisolated(unsafe) static var credit = CreditScheduler<8>()
    nonisolated(unsafe) static var decisionNeeded = true
    nonisolated(unsafe) static var lastReason = SwitchReason.release
    nonisolated(unsafe) static var trace = HypervisorTraceRing()
    /// Decisions taken.
    nonisolated(unsafe) static var decisions: UInt64 = 0
    /// Instructions (PMU cycles under -icount) per decide() and per VCPU switch.
    nonisolated(unsafe) static var decideCost = CostMeter()
    nonisolated(unsafe) static var switchCost = CostMeter()

    static func id(_ vm: Int) -> VCPUID { VCPUID(UInt32(truncatingIfNeeded: vm)) }

    static func admit(_ vm: Int, sedf parameters: SEDFParameters) throws(SchedulerError) {
        try sedf.insert(id(vm), parameters: parameters, now: Clock.now)
    }

    static func admit(_ vm: Int, credit parameters: CreditParameters) throws(SchedulerError) {
        try credit.insert(id(vm), parameters: parameters, now: Clock.now)
    }

    static func block(_ vm: Int) {
        Machines.table[vm].blocked = true
        switch policy {
        case .sedf: try? sedf.block(id(vm), now: Clock.now)
        case .credit: try? credit.block(id(vm), now: Clock.now)
        }
        request(.block)
    }

    static func wake(_ vm: Int) {
        guard Machines.table[vm].blocked, Machines.table[vm].isRunnable else { return }
        Machines.table[vm].blocked = false
        Machines.table[vm].timerWake = .never
        switch policy {
        case .sedf: try? sedf.wake(id(vm), now: Clock.now)
        case .credit: try? credit.wake(id(vm), now: Clock.now)
        }
        request(.wake)
    }

    static func yield(_ vm: Int) {
        switch policy {
        case .sedf: try? sedf.yield(id(vm), now: Clock.now)
        case .credit: try? credit.yield(id(vm), now: Clock.now)
        }
        request(.yield)
    }

    static func remove(_ vm: Int) {
        switch policy {
        case .sedf: try? sedf.remove(id(vm), now: Clock.now)
        case .credit: try? credit.remove(id(vm), now: Clock.now)
        }
        request(.block)
    }

    static func request(_ reason: SwitchReason) {
        decisionNeeded = true
        lastReason = reason
    }

    private static func decide(now: Instant) -> SchedulingDecision {
        decisions &+= 1
        let start = hv_read_pmccntr()
        let decision: SchedulingDecision
        switch policy {
        case .sedf: decision = sedf.decide(now: now)
        case .credit: decision = credit.decide(now: now)
        }
        decideCost.record(hv_read_pmccntr() &- start)
        return decision
    }

    /// Called at the end of every trap from a guest (and at the first launch),
    /// with the frame that will be resumed. Returns when a VCPU is loaded into
    /// `frame`; powers off when every VM has stopped.
    static func resume(_ frame: UnsafeMutablePointer<apus_trap_frame>) {
        while true {
            if Machines.allStopped { EndOfRun.finish() }
            guard decisionNeeded else { return }
            decisionNeeded = false
            let now = Clock.now
            wakeExpiredTimers(now: now)
            let decision = decide(now: now)
            let next = decision.vcpu.map { Int($0.rawValue) }
            if next != Machines.current {
                trace.append(TraceRecord(time: now, event: .switched(
                    from: Machines.current.map { UInt32(truncatingIfNeeded: $0) },
                    to: decision.vcpu?.rawValue, reason: decision.reason)))
                let start = hv_read_pmccntr()
                if let current = Machines.current { Machines.table[current].vcpu.save(from: frame) }
                if let next {
                    Machines.table[next].vcpu.restore(into: frame)
                    hv_write_vttbr(Machines.table[next].vttbr)
                    hv_isb()
                }
                if Machines.current != nil, next != nil { switchCost.record(hv_read_pmccntr() &- start) }
                Machines.current = next
            }
            armTimer(until: decision.until)
            if next != nil { return }
            idle()
        }
    }

    /// The hypervisor timer fires at the scheduler's next event or the
    /// earliest virtual-timer deadline of a blocked VCPU, whichever is first.
    private static func armTimer(until: Instant) {
        var deadline = until
        for vm in 0..<Machines.count where Machines.table[vm].blocked {
            deadline = min(deadline, Machines.table[vm].timerWake)
        }
        HypTimer.program(at: deadline)
    }

    /// Every VM that has not stopped is blocked with no timer armed and no
    /// device interrupt enabled: nothing can ever make one runnable again.
    private static func nothingCanWake() -> Bool {
        for vm in 0..<Machines.count where Machines.table[vm].isRunnable {
            if !Machines.table[vm].blocked || Machines.table[vm].timerWake != .never { return false }
            if VirtualInterrupts.hasEnabledDevice(vm: vm) { return false }
        }
        return true
    }

    /// Blocked VCPUs whose virtual timer is due become runnable; restoring
    /// their timer state then raises the interrupt in hardware.
    private static func wakeExpiredTimers(now: Instant) {
        for vm in 0..<Machines.count where Machines.table[vm].blocked && Machines.table[vm].timerWake <= now {
            wake(vm)
        }
    }

    /// Nothing can run: wait for an interrupt with IRQs masked (WFI still wakes),
    /// handle it, and let `resume` decide again.
    private static func idle() {
        if nothingCanWake() { EndOfRun.stalled() }
        while !decisionNeeded {
            hv_dsb()
            hv_wfi()
            Interrupts.handlePending()
        }
    }
}
