// SEDF: Simple Earliest Deadline First with hard reservations, one per CPU.
//
// Parameters per VCPU (SEDFParameters): period P (= relative deadline), slice S
// (reserved time per period), extratime flag (may receive slack).
//
// State per VCPU: absolute deadline d (the current period is [d - P, d)), time
// used in that period u (0 <= u < S between operations; overrun is carried),
// blocked flag.
//
// Queues (binary heaps of slot numbers, Queues/SlotHeap.swift; every runnable
// VCPU is on exactly one of the two):
//   run queue   `ready`: period begun (d - P <= last decision), ordered by d, then VCPU id
//   wait queue  `waiting`: ordered by d - P (release). Every operation that
//               changes a runnable VCPU's d (yield, budget exhausted, new
//               parameters, insert) puts it here; `decide` moves the
//               released ones to the run queue. So the run queue only ever
//               holds VCPUs whose period began by the last decision, and
//               VCPUs woken since then whose period has begun: a wake files
//               the VCPU on the queue the next decision would put it on
//               (the run queue once its period has begun, else here), and
//               its `wake` cause names that decision's reason, as a release
//               would not.
//   extra set   `slackTakers`: runnable with extratime, a bitmap in slot order
//   blocked     on no queue
// The VCPU id -> slot map is sorted (Queues/VCPUIndex.swift). decide, charge,
// wake, block and yield are O(log n) (plus O(1) per VCPU released or caught up
// by a decision); insert, remove and setParameters are O(n) (admission,
// the id map). Nothing here allocates. A caller whose `now` goes backwards
// between decisions gets the same answers, at O(n log n) for that decision.
// The scan-based version this replaced is the reference model of the tests
// (Tests/HypervisorCoreTests/ReferenceSchedulers).
//
// Rules:
//   - decide(now): catch up any runnable VCPU whose deadline passed (next period
//     boundary after now, fresh budget); run the run-queue head (EDF) until
//     min(now + S - u, next release); with an empty run queue hand slack to
//     extratime VCPUs round-robin in slot order, in quanta, never past the next
//     release; otherwise idle until the next release.
//   - charge: u += time used on reserved time. When u >= S the period's budget
//     is gone: carry the overrun (u -= S, d += P, as often as needed), so the
//     VCPU waits for its next period (hard reservation) and pays for the overrun.
//   - wake: SEDFWakeRule (CBS rule by default; Xen's forfeit rule selectable).
//     A wake that cannot change the decision (see `keepDecision`) does that
//     decision's work itself and tells the caller that none is needed.
//   - yield: gives up the rest of the current period's budget (next period).
//   - insert/setParameters: exact admission test sum(S/P) <= 1; a new period
//     starts at `now`.
//
// Deliberately not like Xen's sched_sedf.c: no first deadline at now + slice
// (a new VCPU's period starts at insertion), no short-block forfeit unless
// asked for, admission control, no 1 s idle timeout (idle until the next
// release, or `.never`), no weights for slack (round-robin among extratime
// VCPUs) and no extra-time compensation for forfeited periods.

public struct SEDFScheduler<let capacity: Int>: VCPUScheduler {
    public typealias Parameters = SEDFParameters
    public typealias Status = SEDFStatus

    struct Slot {
        var inUse = false
        var vcpu = VCPUID(0)
        var parameters = SEDFParameters(period: .zero, slice: .zero)
        var deadline = Instant.zero
        var used = TimeSpan.zero
        var blocked = false

        var periodStart: Instant { deadline - parameters.period }
    }

    var slots: InlineArray<capacity, Slot>
    var index = VCPUIndex<capacity>()
    /// Run queue: by deadline, then VCPU id.
    var ready = SlotHeap<capacity>()
    /// Wait queue: by release (period start).
    var waiting = SlotHeap<capacity>()
    /// Runnable VCPUs with extratime.
    var slackTakers = SlotSet<capacity>()
    public private(set) var vcpuCount = 0
    public let options: SEDFOptions
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
    /// Every VCPU on the run queue had begun its period by this instant: the
    /// last decision's, or a later wake's that filed a VCPU there.
    var runQueueAsOf = Instant.zero
    /// Causes noted by operations since the last decision, for its reason
    /// (`.changed`: another operation; none: the last decision stands).
    var causes = SwitchCauses()

    public init(options: SEDFOptions = SEDFOptions()) {
        self.options = options
        slots = InlineArray(repeating: Slot())
    }

    // MARK: Membership and parameters

    public mutating func insert(_ vcpu: VCPUID, parameters: SEDFParameters, now: Instant) throws(SchedulerError) {
        try parameters.validate()
        if index.slot(of: vcpu) != nil { throw .duplicateVCPU }
        guard let free = freeSlot() else { throw .capacityExceeded }
        try admit(parameters, replacing: nil)
        slots[free] = Slot(inUse: true, vcpu: vcpu, parameters: parameters,
                           deadline: now + parameters.period, used: .zero, blocked: false)
        index.insert(vcpu, slot: free)
        vcpuCount += 1
        requeue(free)
        slackTakers.update(free, member: parameters.extratime)
    }

    @inline(__always)  // the shell's decision loop was laid out around it in line (VM switch +9 without)
    public mutating func remove(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index.slot(of: vcpu) else { throw .unknownVCPU }
        if running == i {
            charge(now: now)
            running = nil
        }
        dequeue(i)
        slackTakers.update(i, member: false)
        index.remove(vcpu)
        slots[i].inUse = false
        vcpuCount -= 1
    }

    public mutating func setParameters(_ parameters: SEDFParameters, for vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        try parameters.validate()
        guard let i = index.slot(of: vcpu) else { throw .unknownVCPU }
        try admit(parameters, replacing: i)
        if running == i { charge(now: now) }
        // A fresh period under the new reservation; the old one's accounting
        // does not translate.
        slots[i].parameters = parameters
        slots[i].deadline = now + parameters.period
        slots[i].used = .zero
        if !slots[i].blocked {
            requeue(i)
            slackTakers.update(i, member: parameters.extratime)
        }
    }

    public func parameters(of vcpu: VCPUID) -> SEDFParameters? {
        var lookup = index // a copy: queries are off the hot path
        return lookup.slot(of: vcpu).map { slots[$0].parameters }
    }

    public func status(of vcpu: VCPUID) -> SEDFStatus? {
        var lookup = index // a copy: queries are off the hot path
        guard let i = lookup.slot(of: vcpu) else { return nil }
        let state: SEDFState
        if slots[i].blocked { state = .blocked }
        else if running == i { state = runningOnSlack ? .runningOnSlack : .running }
        else if slots[i].periodStart <= lastDecision { state = .ready }
        else { state = .waiting }
        return SEDFStatus(vcpu: slots[i].vcpu, parameters: slots[i].parameters, state: state,
                          deadline: slots[i].deadline, remaining: slots[i].parameters.slice - slots[i].used)
    }

    // MARK: Events

    public mutating func wake(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        _ = try wake(vcpu, now: now, mayKeepDecision: false)
    }

    /// False: a decision now would run the same VCPU until the same instant,
    /// and the wake did that decision's work (`keepDecision`).
    public mutating func wakeKeepingDecision(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) -> Bool {
        try wake(vcpu, now: now, mayKeepDecision: true)
    }

    @inline(__always)
    private mutating func wake(_ vcpu: VCPUID, now: Instant, mayKeepDecision: Bool) throws(SchedulerError) -> Bool {
        guard let i = index.slot(of: vcpu) else { throw .unknownVCPU }
        guard slots[i].blocked else { return false }
        slots[i].blocked = false
        // A VCPU woken before its period began keeps waiting for it (the wake
        // rule's first answer): checked in line where a running VCPU may keep
        // the CPU, as an event for a VCPU that used up its budget wakes it there.
        if !mayKeepDecision || now >= slots[i].periodStart { applyWakeRule(slot: i, at: now) }
        slackTakers.update(i, member: slots[i].parameters.extratime)
        if mayKeepDecision && keepDecision(waking: i, now: now) { return false }
        causes.insert(.woke)
        fileWoken(i, now: now)
        return true
    }

    public mutating func block(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index.slot(of: vcpu) else { throw .unknownVCPU }
        guard !slots[i].blocked else { return }
        if running == i {
            charge(now: now)
            running = nil
            causes.insert(.blocked)
        }
        slots[i].blocked = true
        dequeue(i)
        slackTakers.update(i, member: false)
    }

    public mutating func yield(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index.slot(of: vcpu) else { throw .unknownVCPU }
        if running == i {
            charge(now: now)
            running = nil
            causes.insert(.yielded)
        }
        // Give up what is left of a period that has begun; a VCPU already
        // waiting for its next period has nothing to give.
        if !slots[i].blocked && slots[i].periodStart <= now {
            slots[i].deadline = slots[i].deadline + slots[i].parameters.period
            slots[i].used = .zero
            requeue(i)
        }
    }

    /// The usual answer (nothing running, or charged up to `now`) is in line: a
    /// decision calls it first.
    @inline(__always)
    public mutating func charge(now: Instant) {
        guard let r = running, now > chargedUpTo else { return }
        chargeRunning(r, now: now)
    }

    private mutating func chargeRunning(_ r: Int, now: Instant) {
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
            causes.insert(.exhausted)
            requeue(r)
        }
    }

    // MARK: Decision

    public mutating func decide(now: Instant) -> SchedulingDecision {
        var decision = SchedulingDecision(vcpu: nil, until: .never, causes: SwitchCauses())
        decide(now: now, into: &decision)
        return decision
    }

    public mutating func decide(now: Instant, into decision: inout SchedulingDecision) {
        charge(now: now)
        if now < runQueueAsOf {
            // Time went backwards: periods that had begun may not have yet.
            while let first = ready.first { requeue(first) }
        }
        var nextRelease = self.nextRelease
        if nextRelease <= now || deadlinePassed(now: now) {
            if releaseAndCatchUp(now: now) { causes.insert(.released) }
            nextRelease = self.nextRelease
        }

        let previous = running
        let wasOnSlack = runningOnSlack
        if let e = ready.first {
            running = e
            runningOnSlack = false
            let budgetEnd = now + (slots[e].parameters.slice - slots[e].used)
            // At its deadline it is in a new period and may no longer come first
            // (it can still hold budget there after a late first decision or an overrun).
            decision.vcpu = slots[e].vcpu
            decision.until = min(min(budgetEnd, nextRelease), slots[e].deadline)
        } else if let s = slackRecipient(now: now, previous: previous, wasOnSlack: wasOnSlack) {
            running = s
            runningOnSlack = true
            causes.insert(.slack)
            decision.vcpu = slots[s].vcpu
            decision.until = min(slackEnds, nextRelease)
        } else {
            running = nil
            runningOnSlack = false
            decision.vcpu = nil
            decision.until = nextRelease
        }
        decision.causes = causes
        causes = SwitchCauses()
        lastDecision = now
        runQueueAsOf = now
        chargedUpTo = now
    }

    // MARK: Internals

    /// When the wait queue's first period begins (`.never`: nobody waits).
    /// Most decisions release nobody and read it once, in line.
    @inline(__always)
    private var nextRelease: Instant {
        mutating get { waiting.first.map { Instant(nanoseconds: waiting.key(of: $0)) } ?? .never }
    }

    /// Whether the run queue's first deadline has passed by `now`.
    @inline(__always)
    private mutating func deadlinePassed(now: Instant) -> Bool {
        if let first = ready.first { return ready.key(of: first) <= now.nanoseconds }
        return false
    }

    /// Moves the VCPUs whose period has begun by `now` to the run queue and
    /// catches up those whose deadline passed (next period boundary after
    /// `now`, fresh budget). Returns whether a period began since the last
    /// decision.
    @inline(never)
    private mutating func releaseAndCatchUp(now: Instant) -> Bool {
        var released = false
        while let first = waiting.first, waiting.key(of: first) <= now.nanoseconds {
            guard slots[first].deadline > now else {
                released = enterRunQueue(first, now: now) || released
                continue
            }
            // The usual release: its period has begun (the wait queue's key is
            // its period start) and its deadline is ahead, so it moves to the
            // run queue as it is (what `enterRunQueue` does then).
            if waiting.key(of: first) > lastDecision.nanoseconds { released = true }
            waiting.removeFirst()
            ready.insert(first, key: slots[first].deadline.nanoseconds, tie: UInt64(widening: slots[first].vcpu.rawValue))
        }
        if let first = ready.first, ready.key(of: first) <= now.nanoseconds {
            released = catchUp(now: now) || released
        }
        return released
    }

    /// Missed its deadline with budget left (overload after overruns, or a
    /// caller that was late): the least deadlines come first. Rare: out of
    /// line, so the releases above keep their registers.
    @inline(never)
    private mutating func catchUp(now: Instant) -> Bool {
        var released = false
        while let first = ready.first, ready.key(of: first) <= now.nanoseconds {
            released = enterRunQueue(first, now: now) || released
            // Only at `now == .never` can a caught-up deadline stay <= now.
            if slots[first].deadline <= now { break }
        }
        return released
    }

    /// Puts runnable slot `i`, whose period has begun, on the run queue after
    /// catching it up; back on the wait queue if catching up moved its period
    /// start past `now` (a deadline saturated at `.never`). Returns whether its
    /// period began after the last decision.
    @inline(never)  // late VCPUs only
    private mutating func enterRunQueue(_ i: Int, now: Instant) -> Bool {
        if slots[i].deadline <= now {
            slots[i].deadline = slots[i].deadline.firstBoundary(after: now, period: slots[i].parameters.period)
            slots[i].used = .zero
        }
        let start = slots[i].periodStart
        if start > now {
            ready.remove(i)
            waiting.set(i, key: start.nanoseconds, tie: 0)
            return false
        }
        waiting.remove(i)
        ready.set(i, key: slots[i].deadline.nanoseconds, tie: UInt64(widening: slots[i].vcpu.rawValue))
        return start > lastDecision
    }

    /// Puts runnable slot `i` on the wait queue after its deadline changed;
    /// the next decision moves it on if its period has begun. This and
    /// `dequeue` note `.changed`: the last decision may no longer stand.
    private mutating func requeue(_ i: Int) {
        causes.insert(.changed)
        ready.remove(i)
        waiting.set(i, key: slots[i].periodStart.nanoseconds, tie: 0)
    }

    /// Files slot `i`, woken at `now` (on no queue), where the next decision
    /// would put it: the run queue if its period has begun. A timer wake-up
    /// in a decision then costs one queue move, not two.
    @inline(__always)
    private mutating func fileWoken(_ i: Int, now: Instant) {
        let start = slots[i].periodStart
        if start <= now {
            ready.insert(i, key: slots[i].deadline.nanoseconds, tie: UInt64(widening: slots[i].vcpu.rawValue))
            runQueueAsOf = max(runQueueAsOf, now)
        } else {
            waiting.insert(i, key: start.nanoseconds, tie: 0)
        }
    }

    /// Whether waking slot `i` (its wake rule applied, on no queue yet) leaves
    /// the last decision standing; if so, does that decision's work (charges
    /// the running VCPU, files `i`, moves `lastDecision`). It stands when
    /// nothing else happened since, the running VCPU's time has not run out
    /// (budget or slack quantum, deadline, next release), and `i` neither
    /// comes before it on the run queue nor releases before that time.
    /// Waking VCPUs that cannot preempt is what Xen's schedulers do too (a
    /// wake-up "tickles" only a lower priority). In line in
    /// `wakeKeepingDecision` only: the plain wake never asks.
    @inline(__always)
    private mutating func keepDecision(waking i: Int, now: Instant) -> Bool {
        guard let r = running, causes.isEmpty, now >= chargedUpTo else { return false }
        let nextRelease = self.nextRelease
        guard now < nextRelease else { return false }
        let onSlack = runningOnSlack
        if onSlack {
            guard ready.first == nil, now < slackEnds else { return false }
        } else {
            guard ready.first == r, now < slots[r].deadline,
                  now.since(chargedUpTo) < slots[r].parameters.slice - slots[r].used else { return false }
        }
        let start = slots[i].periodStart
        if start <= now {
            // Its period has begun: it joins the run queue, behind the running VCPU.
            let deadline = slots[i].deadline, runningDeadline = slots[r].deadline
            guard !onSlack, deadline > runningDeadline || (deadline == runningDeadline && slots[i].vcpu > slots[r].vcpu)
            else { return false }
            ready.insert(i, key: deadline.nanoseconds, tie: UInt64(widening: slots[i].vcpu.rawValue))
        } else {
            // It waits for its period, which must not begin before the running VCPU's time is over.
            let until = onSlack ? min(slackEnds, nextRelease)
                : min(min(chargedUpTo + (slots[r].parameters.slice - slots[r].used), nextRelease), slots[r].deadline)
            guard start >= until else { return false }
            waiting.insert(i, key: start.nanoseconds, tie: 0)
        }
        // The decision's charge: within the budget (checked above), or slack.
        if !onSlack { slots[r].used += now.since(chargedUpTo) }
        chargedUpTo = now
        lastDecision = now
        runQueueAsOf = max(runQueueAsOf, now)
        return true
    }

    private mutating func dequeue(_ i: Int) {
        causes.insert(.changed)
        ready.remove(i)
        waiting.remove(i)
    }

    /// Keeps the current slack holder for the rest of its quantum, else picks
    /// the next extratime VCPU after the cursor in slot order.
    @inline(__always)  // once per decision: no call
    private mutating func slackRecipient(now: Instant, previous: Int?, wasOnSlack: Bool) -> Int? {
        if let p = previous, wasOnSlack, slackEnds > now, slots[p].inUse, !slots[p].blocked {
            return p
        }
        guard let i = slackTakers.firstWrapping(after: slackCursor) else { return nil }
        slackCursor = i
        slackEnds = now + options.slackQuantum
        return i
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

    private func freeSlot() -> Int? {
        for i in slots.indices where !slots[i].inUse { return i }
        return nil
    }
}
