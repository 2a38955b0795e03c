// The credit scheduler as it was before its run queue became a heap: every
// operation scans the slot table. Kept as the reference model that
// CreditQueueEquivalenceTests hold the real CreditScheduler to.
@testable import HypervisorCore

// Credit: proportional share after Xen's credit1, one per CPU. Baseline to
// compare SEDF against; it knows "how much", not "when".
//
// Parameters per VCPU (CreditParameters): weight 1...65535 (default 256), cap in
// percent of the CPU (0 = none).
//
// State per VCPU: credit (ns of CPU time; Xen's 10 credits = 1 ms), priority
// BOOST > UNDER > OVER, active flag (earns credit at accounting), blocked and
// parked flags, queue position (a ticket from a counter: FIFO within priority).
//
// Queues (implicit over the fixed slot table, O(n) scans):
//   run queue  runnable, not parked; highest priority first, FIFO within it
//   parked     capped VCPUs that went OVER; back at an accounting with credit >= 0
//   blocked    on no queue
//
// Timers at fixed multiples of the tick (10 ms) and accounting period (30 ms)
// from time zero:
//   tick        the VCPU running at the tick joins the active set; a BOOSTed one
//               drops to UNDER ("boosted until the next tick finds it running").
//   accounting  one period's CPU time (30 ms) is shared among active VCPUs by
//               weight, a capped VCPU's share limited to cap% of the period and
//               the surplus redistributed. Then: credit clipped below at minus
//               one period's worth; credit < 0 -> OVER (capped: parked);
//               credit >= 0 -> UNDER, and above one period's worth the VCPU
//               leaves the active set and its credit is halved.
// Running burns credit 1:1 with time used (charge). The running VCPU keeps the
// CPU for a 30 ms timeslice unless a higher-priority VCPU (a boosted waker)
// appears and it has run for the 1 ms rate limit; then it goes to the tail of
// its priority. A VCPU waking while UNDER
// is BOOSTed. Everything is integer and tie-broken by ticket: deterministic.
//
// Simplified against Xen's sched_credit.c: one CPU per scheduler (no load
// balancing or migration), every VCPU its own domain, credit in nanoseconds,
// no system-wide credit balance/peak adjustment, parking only at accounting.
// Accounting is O(n * capped VCPUs) for the cap water-filling; everything
// else O(n).

struct ReferenceCreditScheduler<let capacity: Int>: VCPUScheduler {
    typealias Parameters = CreditParameters
    typealias Status = CreditStatus

    struct Slot {
        var inUse = false
        var vcpu = VCPUID(0)
        var parameters = CreditParameters()
        var credit: Int64 = 0
        var priority = CreditPriority.under
        var active = false
        var blocked = false
        var parked = false
        /// Position in the run queue: smaller is earlier (FIFO within a priority).
        var ticket: UInt64 = 0
        /// Accounting scratch: share fixed at the cap this round.
        var shareFixed = false
        var share: UInt64 = 0

        var runnable: Bool { inUse && !blocked && !parked }
    }

    struct Causes {
        var blocked = false, yielded = false, woke = false, timers = false

        var any: Bool { blocked || yielded || woke || timers }
    }

    var slots: InlineArray<capacity, Slot>
    private(set) var vcpuCount = 0
    let configuration: CreditConfiguration
    var running: Int? = nil
    var chargedUpTo = Instant.zero
    var sliceEnds = Instant.zero
    /// When the running VCPU got the CPU (for the rate limit).
    var dispatchedAt = Instant.zero
    var nextTick = Instant.never
    var nextAccounting = Instant.never
    var tickets: UInt64 = 0
    var causes = Causes()
    /// The last decision's answer.
    var lastAnswer: SchedulingDecision? = nil
    /// False: every wake asks for a decision (the rule before wakes could keep one).
    let keepsDecisions: Bool

    /// A caller later than this many timer events gets the rest skipped, so one
    /// decision stays bounded (see `runTimers`).
    static var maximumCatchUpEvents: Int { 64 }

    init(configuration: CreditConfiguration = CreditConfiguration(), keepsDecisions: Bool = true) {
        self.configuration = configuration
        self.keepsDecisions = keepsDecisions
        slots = InlineArray(repeating: Slot())
    }

    // MARK: Membership and parameters

    mutating func insert(_ vcpu: VCPUID, parameters: CreditParameters, now: Instant) throws(SchedulerError) {
        try parameters.validate()
        if index(of: vcpu) != nil { throw .duplicateVCPU }
        guard let free = freeSlot() else { throw .capacityExceeded }
        if nextTick == .never {
            nextTick = Instant.zero.firstBoundary(after: now, period: configuration.tick)
            nextAccounting = Instant.zero.firstBoundary(after: now, period: configuration.accountingPeriod)
        }
        slots[free] = Slot(inUse: true, vcpu: vcpu, parameters: parameters, ticket: takeTicket())
        vcpuCount += 1
    }

    mutating func remove(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index(of: vcpu) else { throw .unknownVCPU }
        if running == i {
            charge(now: now)
            running = nil
        }
        slots[i].inUse = false
        vcpuCount -= 1
    }

    mutating func setParameters(_ parameters: CreditParameters, for vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        try parameters.validate()
        guard let i = index(of: vcpu) else { throw .unknownVCPU }
        slots[i].parameters = parameters
        if parameters.cap == 0 { slots[i].parked = false }
    }

    func parameters(of vcpu: VCPUID) -> CreditParameters? {
        index(of: vcpu).map { slots[$0].parameters }
    }

    func status(of vcpu: VCPUID) -> CreditStatus? {
        guard let i = index(of: vcpu) else { return nil }
        let slot = slots[i]
        let state: CreditState
        if slot.blocked { state = .blocked }
        else if slot.parked { state = .parked }
        else if running == i { state = .running }
        else { state = .queued }
        return CreditStatus(vcpu: slot.vcpu, parameters: slot.parameters, state: state,
                            priority: slot.priority, credit: slot.credit, active: slot.active)
    }

    // MARK: Events

    mutating func wake(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index(of: vcpu) else { throw .unknownVCPU }
        guard slots[i].blocked else { return }
        slots[i].blocked = false
        if slots[i].priority == .under && !slots[i].parked { slots[i].priority = .boost }
        slots[i].ticket = takeTicket()
        causes.woke = true
    }

    /// The definition of a wake that keeps the decision: nothing else since
    /// the last decision, its time not over, and a decision taken now (on a
    /// copy) answers the same VCPU and `until` and carries no cause on (a
    /// waker held off by the rate limit); then that decision's state is kept.
    mutating func wakeKeepingDecision(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) -> Bool {
        guard let i = index(of: vcpu) else { throw .unknownVCPU }
        guard slots[i].blocked else { return false }
        let quiet = !causes.any
        try wake(vcpu, now: now)
        guard keepsDecisions, quiet, running != nil, now >= chargedUpTo,
              let last = lastAnswer, now < last.until else { return true }
        var trial = self
        let answer = trial.decide(now: now)
        guard answer.vcpu == last.vcpu, answer.until == last.until, !trial.causes.any else { return true }
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
        }
        slots[i].blocked = true
    }

    mutating func yield(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index(of: vcpu) else { throw .unknownVCPU }
        guard running == i else { return }
        charge(now: now)
        running = nil
        slots[i].ticket = takeTicket()
        causes.yielded = true
    }

    mutating func charge(now: Instant) {
        guard let r = running, now > chargedUpTo else { return }
        // Clamp: a single charge of more than ~146 years is not a real case,
        // and keeps the subtraction from trapping.
        let used = min(now.since(chargedUpTo).nanoseconds, 0x4000_0000_0000_0000)
        chargedUpTo = now
        slots[r].credit -= Int64(bitPattern: used)
    }

    // MARK: Decision

    mutating func decide(now: Instant) -> SchedulingDecision {
        charge(now: now)
        runTimers(now: now)
        chargedUpTo = now

        var current = running
        if let c = current, !slots[c].runnable {
            current = nil // parked by the accounting that just ran
            causes.timers = true
        }
        let sliceExpired = current != nil && now >= sliceEnds
        let challenger = bestRunnable(excluding: current)
        var reason = SwitchReason.preempt
        var heldOffUntil = Instant.never
        if let c = current, !sliceExpired, !causes.yielded {
            let preemptible = dispatchedAt + configuration.rateLimit
            if let h = challenger, slots[h].priority > slots[c].priority, now < preemptible {
                heldOffUntil = preemptible // rate limit: the waker waits a little
            } else if let h = challenger, slots[h].priority > slots[c].priority {
                slots[c].ticket = takeTicket()
                dispatch(h, now: now)
                reason = causes.woke ? .wake : .tick
            } else {
                reason = causes.timers ? .tick : .preempt // nothing changed
            }
        } else {
            if let c = current { slots[c].ticket = takeTicket() }
            if let next = bestRunnable(excluding: nil) {
                dispatch(next, now: now)
            } else {
                running = nil
            }
            if causes.blocked { reason = .block }
            else if causes.yielded { reason = .yield }
            else if sliceExpired { reason = .budget }
            else if causes.woke { reason = .wake }
            else if causes.timers { reason = .tick }
        }
        // A waker held off by the rate limit still preempts "because of the wake".
        let wokeAndWaiting = causes.woke && heldOffUntil != .never
        causes = Causes()
        causes.woke = wokeAndWaiting

        let until: Instant
        if running != nil {
            until = min(min(sliceEnds, heldOffUntil), min(nextTick, nextAccounting))
        } else {
            until = anyEarning() ? nextAccounting : .never
        }
        let answer = SchedulingDecision(vcpu: running.map { slots[$0].vcpu }, until: until, reason: reason)
        lastAnswer = answer
        return answer
    }

    // MARK: Internals

    private mutating func dispatch(_ i: Int, now: Instant) {
        running = i
        dispatchedAt = now
        sliceEnds = now + configuration.timeslice
    }

    /// Highest priority, then earliest ticket, among runnable VCPUs.
    private func bestRunnable(excluding excluded: Int?) -> Int? {
        var best: Int? = nil
        for i in slots.indices where slots[i].runnable && i != excluded {
            if let b = best {
                let better = slots[i].priority > slots[b].priority
                    || (slots[i].priority == slots[b].priority && slots[i].ticket < slots[b].ticket)
                if better { best = i }
            } else {
                best = i
            }
        }
        return best
    }

    /// Processes the ticks and accountings due at or before `now`, in time
    /// order (a tick before an accounting at the same instant). A caller that
    /// ignored `until` for more than `maximumCatchUpEvents` events has the
    /// rest skipped: they would only add credit to nobody-running VCPUs.
    private mutating func runTimers(now: Instant) {
        var events = 0
        while nextTick <= now || nextAccounting <= now {
            if events == Self.maximumCatchUpEvents {
                nextTick = nextTick.firstBoundary(after: now, period: configuration.tick)
                nextAccounting = nextAccounting.firstBoundary(after: now, period: configuration.accountingPeriod)
                break
            }
            if nextTick <= nextAccounting {
                tick()
                nextTick += configuration.tick
            } else {
                account()
                nextAccounting += configuration.accountingPeriod
            }
            events += 1
            causes.timers = true
        }
    }

    private mutating func tick() {
        guard let r = running else { return }
        slots[r].active = true
        if slots[r].priority == .boost { slots[r].priority = .under }
    }

    private mutating func account() {
        let period = configuration.accountingPeriod.nanoseconds
        var remainingWeight: UInt64 = 0
        for i in slots.indices where slots[i].inUse && slots[i].active {
            remainingWeight += UInt64(widening: slots[i].parameters.weight)
            slots[i].shareFixed = false
        }
        if remainingWeight == 0 { return }

        // Water-filling: a capped VCPU whose weighted share exceeds its cap gets
        // the cap; what it leaves is shared among the rest. Each pass fixes at
        // least one VCPU or ends.
        var remainingCredit = period
        var changed = true
        while changed && remainingWeight > 0 {
            changed = false
            for i in slots.indices where slots[i].inUse && slots[i].active && !slots[i].shareFixed
                && slots[i].parameters.cap > 0 {
                let weight = UInt64(widening: slots[i].parameters.weight)
                let fair = remainingCredit * weight / remainingWeight
                let limit = period * UInt64(widening: slots[i].parameters.cap) / 100
                if fair > limit {
                    slots[i].shareFixed = true
                    slots[i].share = limit
                    remainingCredit -= limit
                    remainingWeight -= weight
                    changed = true
                }
            }
        }

        let periodWorth = Int64(bitPattern: period)
        for i in slots.indices where slots[i].inUse && slots[i].active {
            if !slots[i].shareFixed {
                slots[i].share = remainingCredit * UInt64(widening: slots[i].parameters.weight) / remainingWeight
            }
            var credit = slots[i].credit + Int64(bitPattern: slots[i].share)
            if credit < -periodWorth { credit = -periodWorth }
            if credit < 0 {
                slots[i].priority = .over
                if slots[i].parameters.cap > 0 { slots[i].parked = true }
            } else {
                slots[i].priority = .under
                slots[i].parked = false
                if credit > periodWorth {
                    // Not using what it earns: stop earning, keep half as a head start.
                    slots[i].active = false
                    credit /= 2
                }
            }
            slots[i].credit = credit
        }
    }

    /// Whether an accounting could change anything (someone earns or is parked).
    private func anyEarning() -> Bool {
        for i in slots.indices where slots[i].inUse && (slots[i].active || slots[i].parked) { return true }
        return false
    }

    private mutating func takeTicket() -> UInt64 {
        tickets += 1
        return tickets
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
