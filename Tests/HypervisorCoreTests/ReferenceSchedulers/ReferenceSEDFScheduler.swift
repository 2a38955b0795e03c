// The SEDF scheduler as it was before its queues became heaps: every operation
// scans the slot table. Kept as the reference model that SEDFQueueEquivalenceTests
// hold the real SEDFScheduler to (same decisions, same status, same errors).
@testable import HypervisorCore

// SEDF: Simple Earliest Deadline First with hard reservations, one per CPU.
//
// Parameters per VCPU (SEDFParameters): period P (= relative deadline), slice S
// (reserved time per period), extratime flag (may receive slack).
//
// State per VCPU: absolute deadline d (the current period is [d - P, d)), time
// used in that period u (0 <= u < S between operations; overrun is carried),
// blocked flag.
//
// Queues (kept implicit: each is a predicate over the fixed slot table, scanned
// in O(n); with n <= 64 a scan beats maintaining linked lists and cannot get out
// of sync):
//   run queue   runnable, d - P <= now            ordered by d (then VCPU id)
//   wait queue  runnable, d - P >  now            ordered by d - P (release)
//   extra set   runnable, extratime, not on the run queue
//   blocked     on no queue
//
// Rules:
//   - decide(now): catch up any runnable VCPU whose deadline passed (next period
//     boundary after now, fresh budget); run the run-queue head (EDF) until
//     min(now + S - u, next release); with an empty run queue hand slack to
//     extratime VCPUs round-robin in quanta, never past the next release;
//     otherwise idle until the next release.
//   - charge: u += time used on reserved time. When u >= S the period's budget
//     is gone: carry the overrun (u -= S, d += P, as often as needed), so the
//     VCPU waits for its next period (hard reservation) and pays for the overrun.
//   - wake: SEDFWakeRule (CBS rule by default; Xen's forfeit rule selectable).
//   - yield: gives up the rest of the current period's budget (next period).
//   - insert/setParameters: exact admission test sum(S/P) <= 1; a new period
//     starts at `now`.
// Nothing here allocates; every operation is O(capacity).
//
// Deliberately not like Xen's sched_sedf.c: no first deadline at now + slice
// (a new VCPU's period starts at insertion), no short-block forfeit unless
// asked for, admission control, no 1 s idle timeout (idle until the next
// release, or `.never`), no weights for slack (round-robin among extratime
// VCPUs) and no extra-time compensation for forfeited periods.

struct ReferenceSEDFScheduler<let capacity: Int>: VCPUScheduler {
    typealias Parameters = SEDFParameters
    typealias Status = SEDFStatus

    struct Slot {
        var inUse = false
        var vcpu = VCPUID(0)
        var parameters = SEDFParameters(period: .zero, slice: .zero)
        var deadline = Instant.zero
        var used = TimeSpan.zero
        var blocked = false

        var periodStart: Instant { deadline - parameters.period }
    }

    /// Causes noted by operations since the last decision, for its reason;
    /// `changed`: an operation that moved a runnable VCPU on the queues.
    struct Causes {
        var blocked = false, yielded = false, exhausted = false, woke = false, changed = false

        var any: Bool { blocked || yielded || exhausted || woke || changed }
    }

    var slots: InlineArray<capacity, Slot>
    private(set) var vcpuCount = 0
    let options: SEDFOptions
    /// Slot chosen by the last decision, until it stops running.
    var running: Int? = nil
    var runningOnSlack = false
    /// Time up to which the running VCPU has been charged.
    var chargedUpTo = Instant.zero
    /// End of the current slack quantum.
    var slackEnds = Instant.zero
    /// Slot after which the next slack grant is searched (round-robin).
    var slackCursor = -1
    var lastDecision = Instant.zero
    var causes = Causes()
    /// The last decision's answer.
    var lastAnswer: SchedulingDecision? = nil
    /// False: every wake asks for a decision (the rule before wakes could keep one).
    let keepsDecisions: Bool

    init(options: SEDFOptions = SEDFOptions(), keepsDecisions: Bool = true) {
        self.options = options
        self.keepsDecisions = keepsDecisions
        slots = InlineArray(repeating: Slot())
    }

    // MARK: Membership and parameters

    mutating func insert(_ vcpu: VCPUID, parameters: SEDFParameters, now: Instant) throws(SchedulerError) {
        try parameters.validate()
        if index(of: vcpu) != nil { throw .duplicateVCPU }
        guard let free = freeSlot() else { throw .capacityExceeded }
        try admit(parameters, replacing: nil)
        slots[free] = Slot(inUse: true, vcpu: vcpu, parameters: parameters,
                           deadline: now + parameters.period, used: .zero, blocked: false)
        vcpuCount += 1
        causes.changed = true
    }

    mutating func remove(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index(of: vcpu) else { throw .unknownVCPU }
        if running == i {
            charge(now: now)
            running = nil
        }
        causes.changed = true
        slots[i].inUse = false
        vcpuCount -= 1
    }

    mutating func setParameters(_ parameters: SEDFParameters, for vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        try parameters.validate()
        guard let i = index(of: vcpu) else { throw .unknownVCPU }
        try admit(parameters, replacing: i)
        if running == i { charge(now: now) }
        if !slots[i].blocked { causes.changed = true }  // a blocked VCPU is on no queue
        // A fresh period under the new reservation; the old one's accounting
        // does not translate.
        slots[i].parameters = parameters
        slots[i].deadline = now + parameters.period
        slots[i].used = .zero
    }

    func parameters(of vcpu: VCPUID) -> SEDFParameters? {
        index(of: vcpu).map { slots[$0].parameters }
    }

    func status(of vcpu: VCPUID) -> SEDFStatus? {
        guard let i = index(of: vcpu) else { return nil }
        let slot = slots[i]
        let state: SEDFState
        if slot.blocked { state = .blocked }
        else if running == i { state = runningOnSlack ? .runningOnSlack : .running }
        else if slot.periodStart <= lastDecision { state = .ready }
        else { state = .waiting }
        return SEDFStatus(vcpu: slot.vcpu, parameters: slot.parameters, state: state,
                          deadline: slot.deadline, remaining: slot.parameters.slice - slot.used)
    }

    // MARK: Events

    mutating func wake(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index(of: vcpu) else { throw .unknownVCPU }
        guard slots[i].blocked else { return }
        slots[i].blocked = false
        causes.woke = true
        applyWakeRule(slot: i, at: now)
    }

    /// The definition of a wake that keeps the decision: nothing else since
    /// the last decision, its time not over, and a decision taken now (on a
    /// copy) answers the same VCPU and `until`; then that decision's state is kept.
    mutating func wakeKeepingDecision(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) -> Bool {
        guard let i = index(of: vcpu) else { throw .unknownVCPU }
        guard slots[i].blocked else { return false }
        let quiet = !causes.any
        try wake(vcpu, now: now)
        guard keepsDecisions, quiet, running != nil, now >= chargedUpTo,
              let last = lastAnswer, now < last.until else { return true }
        var trial = self
        let answer = trial.decide(now: now)
        guard answer.vcpu == last.vcpu, answer.until == last.until else { return true }
        self = trial
        return false
    }

    mutating func block(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index(of: vcpu) else { throw .unknownVCPU }
        guard !slots[i].blocked else { return }
        if running == i {
            charge(now: now)
            running = nil
            causes.blocked = true
        } else {
            causes.changed = true
        }
        slots[i].blocked = true
    }

    mutating func yield(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index(of: vcpu) else { throw .unknownVCPU }
        if running == i {
            charge(now: now)
            running = nil
            causes.yielded = true
        }
        // Give up what is left of a period that has begun; a VCPU already
        // waiting for its next period has nothing to give.
        if !slots[i].blocked && slots[i].periodStart <= now {
            causes.changed = true
            slots[i].deadline = slots[i].deadline + slots[i].parameters.period
            slots[i].used = .zero
        }
    }

    mutating func charge(now: Instant) {
        guard let r = running, now > chargedUpTo else { return }
        let used = now.since(chargedUpTo)
        chargedUpTo = now
        if runningOnSlack { return }
        slots[r].used += used
        let slice = slots[r].parameters.slice
        if slots[r].used >= slice {
            // Budget gone: the overrun beyond the slice is paid from the next
            // period(s); the VCPU moves to the wait queue.
            let periods = slots[r].used.nanoseconds / slice.nanoseconds
            slots[r].used = TimeSpan(nanoseconds: slots[r].used.nanoseconds % slice.nanoseconds)
            slots[r].deadline = slots[r].deadline.advanced(by: periods, of: slots[r].parameters.period)
            causes.exhausted = true
        }
    }

    // MARK: Decision

    mutating func decide(now: Instant) -> SchedulingDecision {
        charge(now: now)
        var earliest: Int? = nil
        var nextRelease = Instant.never
        var released = false
        for i in slots.indices where slots[i].inUse && !slots[i].blocked {
            if slots[i].deadline <= now {
                // Missed its deadline with budget left (overload after overruns,
                // or a caller that was late): catch up to the current period.
                slots[i].deadline = slots[i].deadline.firstBoundary(after: now, period: slots[i].parameters.period)
                slots[i].used = .zero
            }
            let start = slots[i].periodStart
            if start > now {
                nextRelease = min(nextRelease, start)
                continue
            }
            if start > lastDecision { released = true }
            if let e = earliest {
                if (slots[i].deadline, slots[i].vcpu.rawValue) < (slots[e].deadline, slots[e].vcpu.rawValue) { earliest = i }
            } else {
                earliest = i
            }
        }

        let previous = running
        let wasOnSlack = runningOnSlack
        var decision: SchedulingDecision
        if let e = earliest {
            running = e
            runningOnSlack = false
            let budgetEnd = now + (slots[e].parameters.slice - slots[e].used)
            decision = SchedulingDecision(vcpu: slots[e].vcpu, until: min(min(budgetEnd, nextRelease), slots[e].deadline), reason: .preempt)
        } else if let s = slackRecipient(now: now, previous: previous, wasOnSlack: wasOnSlack) {
            running = s
            runningOnSlack = true
            decision = SchedulingDecision(vcpu: slots[s].vcpu, until: min(slackEnds, nextRelease), reason: .slack)
        } else {
            running = nil
            runningOnSlack = false
            decision = SchedulingDecision(vcpu: nil, until: nextRelease, reason: .preempt)
        }
        decision.reason = reason(slackChosen: runningOnSlack, released: released)
        causes = Causes()
        lastDecision = now
        chargedUpTo = now
        lastAnswer = decision
        return decision
    }

    // MARK: Internals

    /// Keeps the current slack holder for the rest of its quantum, else picks
    /// the next extratime VCPU after the cursor.
    private mutating func slackRecipient(now: Instant, previous: Int?, wasOnSlack: Bool) -> Int? {
        if let p = previous, wasOnSlack, slackEnds > now, slots[p].inUse, !slots[p].blocked {
            return p
        }
        var step = 1
        while step <= capacity {
            let i = (slackCursor + step + capacity) % capacity
            if slots[i].inUse && !slots[i].blocked && slots[i].parameters.extratime {
                slackCursor = i
                slackEnds = now + options.slackQuantum
                return i
            }
            step += 1
        }
        return nil
    }

    private func reason(slackChosen: Bool, released: Bool) -> SwitchReason {
        if causes.blocked { return .block }
        if causes.yielded { return .yield }
        if causes.exhausted { return .budget }
        if slackChosen { return .slack }
        if causes.woke { return .wake }
        if released { return .release }
        return .preempt
    }

    private mutating func applyWakeRule(slot i: Int, at now: Instant) {
        let period = slots[i].parameters.period
        let start = slots[i].periodStart
        let deadline = slots[i].deadline
        // Woke before its period began (it had used up its budget): it simply
        // keeps waiting for that period, under either rule.
        if now < start { return }
        switch options.wakeRule {
        case .constantBandwidth:
            if deadline > now {
                let left = slots[i].parameters.slice - slots[i].used
                let untilDeadline = deadline.since(now)
                if productIsAtMost(left.nanoseconds, period.nanoseconds,
                                   untilDeadline.nanoseconds, slots[i].parameters.slice.nanoseconds) {
                    return // the remaining budget fits the remaining time at bandwidth S/P
                }
            }
        case .xenShortBlockForfeit:
            if deadline > now {
                // Short block: forfeit the rest of this period.
                slots[i].deadline = deadline + period
                slots[i].used = .zero
                return
            }
        }
        slots[i].deadline = now + period
        slots[i].used = .zero
    }

    private func admit(_ parameters: SEDFParameters, replacing replaced: Int?) throws(SchedulerError) {
        var sum = UtilizationSum()
        for i in slots.indices where slots[i].inUse && i != replaced {
            sum.add(slice: slots[i].parameters.slice, period: slots[i].parameters.period)
        }
        sum.add(slice: parameters.slice, period: parameters.period)
        if let refusal = sum.checkFitsOneCPU() { throw refusal }
    }

    private func index(of vcpu: VCPUID) -> Int? {
        for i in slots.indices where slots[i].inUse && slots[i].vcpu == vcpu { return i }
        return nil
    }

    private func freeSlot() -> Int? {
        for i in slots.indices where !slots[i].inUse { return i }
        return nil
    }
}
