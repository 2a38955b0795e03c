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
// Queues (Queues/*.swift):
//   run queue  `queue`, a binary heap of the runnable, not parked VCPUs (the
//              running one included) by priority, then ticket: highest
//              priority first, FIFO within it. A heap rather than one FIFO per
//              priority because an accounting moves VCPUs between priorities
//              with the ticket they had.
//   active     `earning`, a bitmap in slot order: the VCPUs that earn credit
//   parked     `parkedSet`, a bitmap: capped VCPUs that went OVER; back at an
//              accounting with credit >= 0
//   blocked    on no queue
//   pending    `pending`, a heap of the active VCPUs that are not running, by
//              the accounting at which their priority, parking or active flag
//              next changes (see "Lazy accounting" below)
// The VCPU id -> slot map is sorted (VCPUIndex).
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
// A wake that cannot preempt (no runnable VCPU above the running one's
// priority, its time not run out) tells the caller that no decision is
// needed, as Xen's wake-up tickles only a lower-priority CPU.
//
// Simplified against Xen's sched_credit.c: one CPU per scheduler (no load
// balancing or migration), every VCPU its own domain, credit in nanoseconds,
// no system-wide credit balance/peak adjustment, parking only at accounting.
//
// Lazy accounting. Between two changes of the active set or of an active
// VCPU's weight or cap, every active VCPU gets the same share at every
// accounting, and only the running one spends credit. So a VCPU that does not
// run earns `share` per accounting, and the accounting at which it next
// changes priority, parking or activity is known in advance
// (`accountingsToNextChange`): its credit is kept as of `settledEpoch`
// accountings, brought up to date when it is read or starts running
// (`settle`), and it waits in `pending` for that accounting.
// An accounting then touches the running VCPU, the VCPUs that stopped running,
// woke or got new parameters since the last one (`unfiled`, a bitmap: the
// switch, wake and block paths set a bit and do no heap work), and the VCPUs
// due in `pending`.
// Only the first accounting after a change of the active set or of an active
// VCPU's parameters recomputes the shares (the water-filling, in slot order as
// the shares depend on it) and re-files every active VCPU: O(active * passes).
// Credits, priorities and decisions are exactly those of accounting every
// active VCPU every time (the scan-based reference model of the tests,
// Tests/HypervisorCoreTests/ReferenceSchedulers, does that).
//
// wake, block, yield, charge and decide are O(log n); an accounting is
// O((1 + VCPUs that ran, woke or changed since the last one + VCPUs whose
// priority, parking or activity changes) * log n) while the shares stand,
// O(active VCPUs * water-filling passes) after they changed. insert, remove
// and setParameters are O(n) (the id map).

public struct CreditScheduler<let capacity: Int>: VCPUScheduler {
    public typealias Parameters = CreditParameters
    public typealias Status = CreditStatus

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
        /// Water-filling scratch: share fixed at the cap.
        var shareFixed = false
        /// Credit earned per accounting while the shares stand (active VCPUs).
        var share: UInt64 = 0
        /// Accountings `credit` includes; an active VCPU that does not run earns
        /// `share` at each later one (`settle`).
        var settledEpoch: UInt64 = 0

        var runnable: Bool { inUse && !blocked && !parked }
    }

    /// Causes noted since the last decision, for its reason. None at all:
    /// the last decision still stands as it was taken (other operations need
    /// no cause of their own: a VCPU inserted, unparked or woken shows in
    /// the run queue, which `keepDecision` reads; one removed or blocked while
    /// another runs changes no decision, a held-off waker keeps `woke`).
    struct Causes {
        var blocked = false, yielded = false, woke = false, timers = false

        var any: Bool { blocked || yielded || woke || timers }
    }

    var slots: InlineArray<capacity, Slot>
    var index = VCPUIndex<capacity>()
    /// Run queue: runnable VCPUs by priority (highest first), then ticket.
    var queue = SlotHeap<capacity>()
    /// VCPUs that take part in accounting (`active`).
    var earning = SlotSet<capacity>()
    /// Parked VCPUs.
    var parkedSet = SlotSet<capacity>()
    /// Active VCPUs other than the running one, by the accounting (epoch) at
    /// which their priority, parking or activity changes next.
    var pending = SlotHeap<capacity>()
    /// Active VCPUs that stopped running, woke or got new parameters since
    /// the last accounting: the next one settles and files each that is not
    /// running (a bit here is all the switch, wake and block paths pay).
    var unfiled = SlotSet<capacity>()
    /// Accountings done so far.
    var epoch: UInt64 = 0
    /// The active set or an active VCPU's weight or cap changed since the
    /// shares were computed: the next accounting recomputes them.
    var sharesStale = false
    public private(set) var vcpuCount = 0
    public let configuration: CreditConfiguration
    var running: Int? = nil
    var chargedUpTo = Instant.zero
    var sliceEnds = Instant.zero
    /// When the running VCPU got the CPU (for the rate limit).
    var dispatchedAt = Instant.zero
    var nextTick = Instant.never
    var nextAccounting = Instant.never
    var tickets: UInt64 = 0
    var causes = Causes()

    /// A caller later than this many timer events gets the rest skipped, so one
    /// decision stays bounded (see `runTimers`).
    static var maximumCatchUpEvents: Int { 64 }

    public init(configuration: CreditConfiguration = CreditConfiguration()) {
        self.configuration = configuration
        slots = InlineArray(repeating: Slot())
    }

    // MARK: Membership and parameters

    public mutating func insert(_ vcpu: VCPUID, parameters: CreditParameters, now: Instant) throws(SchedulerError) {
        try parameters.validate()
        if index.slot(of: vcpu) != nil { throw .duplicateVCPU }
        guard let free = freeSlot() else { throw .capacityExceeded }
        if nextTick == .never {
            nextTick = Instant.zero.firstBoundary(after: now, period: configuration.tick)
            nextAccounting = Instant.zero.firstBoundary(after: now, period: configuration.accountingPeriod)
        }
        slots[free] = Slot(inUse: true, vcpu: vcpu, parameters: parameters, ticket: takeTicket(), settledEpoch: epoch)
        index.insert(vcpu, slot: free)
        vcpuCount += 1
        sync(free)
    }

    public mutating func remove(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index.slot(of: vcpu) else { throw .unknownVCPU }
        if running == i {
            charge(now: now)
            running = nil
        }
        if slots[i].active { sharesStale = true }
        pending.remove(i)
        unfiled.update(i, member: false)
        slots[i].inUse = false
        index.remove(vcpu)
        vcpuCount -= 1
        sync(i)
    }

    public mutating func setParameters(_ parameters: CreditParameters, for vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        try parameters.validate()
        guard let i = index.slot(of: vcpu) else { throw .unknownVCPU }
        settle(i)
        slots[i].parameters = parameters
        if parameters.cap == 0 { slots[i].parked = false }
        if slots[i].active { sharesStale = true }
        sync(i)
        fileAtNextAccounting(i)
    }

    public func parameters(of vcpu: VCPUID) -> CreditParameters? {
        var lookup = index // a copy: queries are off the hot path
        return lookup.slot(of: vcpu).map { slots[$0].parameters }
    }

    public func status(of vcpu: VCPUID) -> CreditStatus? {
        var lookup = index // a copy: queries are off the hot path
        guard let i = lookup.slot(of: vcpu) else { return nil }
        let slot = slots[i]
        let state: CreditState
        if slot.blocked { state = .blocked }
        else if slot.parked { state = .parked }
        else if running == i { state = .running }
        else { state = .queued }
        let credit = slot.active && running != i
            ? Self.credit(slot.credit, share: slot.share, accountings: epoch - slot.settledEpoch, floor: periodWorth)
            : slot.credit
        return CreditStatus(vcpu: slot.vcpu, parameters: slot.parameters, state: state,
                            priority: slot.priority, credit: credit, active: slot.active)
    }

    // MARK: Events

    public mutating func wake(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        _ = try wake(vcpu, now: now, mayKeepDecision: false)
    }

    /// False: a decision now would keep the running VCPU until the same
    /// instant, and the wake charged it as that decision would have.
    public mutating func wakeKeepingDecision(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) -> Bool {
        try wake(vcpu, now: now, mayKeepDecision: true)
    }

    @inline(__always)
    private mutating func wake(_ vcpu: VCPUID, now: Instant, mayKeepDecision: Bool) throws(SchedulerError) -> Bool {
        guard let i = index.slot(of: vcpu) else { throw .unknownVCPU }
        guard slots[i].blocked else { return false }
        slots[i].blocked = false
        if slots[i].priority == .under && !slots[i].parked {
            slots[i].priority = .boost
            fileAtNextAccounting(i) // which ends the boost
        }
        slots[i].ticket = takeTicket()
        sync(i)
        if mayKeepDecision && keepDecision(now: now) { return false }
        causes.woke = true
        return true
    }

    public mutating func block(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index.slot(of: vcpu) else { throw .unknownVCPU }
        guard !slots[i].blocked else { return }
        if running == i {
            charge(now: now)
            stopRunning()
            causes.blocked = true
        }
        slots[i].blocked = true
        sync(i)
    }

    public mutating func yield(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        guard let i = index.slot(of: vcpu) else { throw .unknownVCPU }
        guard running == i else { return }
        charge(now: now)
        stopRunning()
        slots[i].ticket = takeTicket()
        // Only its ticket changed: the running VCPU is runnable and its sets
        // are in line (every decision leaves it so), so of `sync` only the
        // run queue's move is left.
        queue.set(i, key: Self.queueRank(slots[i].priority), tie: slots[i].ticket)
        causes.yielded = true
    }

    /// The usual answer (nothing running, or charged up to `now`) is in line: a
    /// decision calls it first.
    @inline(__always)
    public mutating func charge(now: Instant) {
        guard let r = running, now > chargedUpTo else { return }
        chargeRunning(r, now: now)
    }

    private mutating func chargeRunning(_ r: Int, now: Instant) {
        // Clamp: a single charge of more than ~146 years is not a real case,
        // and keeps the subtraction from trapping.
        let used = min(now.since(chargedUpTo).nanoseconds, 0x4000_0000_0000_0000)
        chargedUpTo = now
        slots[r].credit -= Int64(bitPattern: used)
    }

    // MARK: Decision

    public mutating func decide(now: Instant) -> SchedulingDecision {
        var decision = SchedulingDecision(vcpu: nil, until: .never, causes: SwitchCauses())
        decide(now: now, into: &decision)
        return decision
    }

    public mutating func decide(now: Instant, into decision: inout SchedulingDecision) {
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
        var why = SwitchCauses()  // .preempt
        var heldOffUntil = Instant.never
        if let c = current, !sliceExpired, !causes.yielded {
            let preemptible = dispatchedAt + configuration.rateLimit
            if let h = challenger, slots[h].priority > slots[c].priority, now < preemptible {
                heldOffUntil = preemptible // rate limit: the waker waits a little
            } else if let h = challenger, slots[h].priority > slots[c].priority {
                slots[c].ticket = takeTicket()
                sync(c)
                dispatch(h, now: now)
                why = causes.woke ? .woke : .timers
            } else {
                why = causes.timers ? .timers : SwitchCauses() // nothing changed
            }
        } else {
            if let c = current {
                slots[c].ticket = takeTicket()
                sync(c)
            }
            if let next = bestRunnable(excluding: nil) {
                dispatch(next, now: now)
            } else {
                stopRunning()
            }
            if causes.blocked { why = .blocked }
            else if causes.yielded { why = .yielded }
            else if sliceExpired { why = .exhausted }
            else if causes.woke { why = .woke }
            else if causes.timers { why = .timers }
        }
        // A waker held off by the rate limit still preempts "because of the wake".
        let wokeAndWaiting = causes.woke && heldOffUntil != .never
        causes = Causes()
        causes.woke = wokeAndWaiting

        if let r = running {
            decision.vcpu = slots[r].vcpu
            decision.until = min(min(sliceEnds, heldOffUntil), min(nextTick, nextAccounting))
        } else {
            decision.vcpu = nil
            decision.until = anyEarning() ? nextAccounting : .never
        }
        decision.causes = why
    }

    // MARK: Internals

    /// Whether the last decision still stands after a wake: nothing else
    /// happened since, the running VCPU's slice and the next tick and
    /// accounting are still ahead, and no runnable VCPU (the woken one
    /// included) has a higher priority (equal ones wait their turn, as in
    /// `decide`).
    /// Out of line: the usual wake (nothing running) stays small. Charges
    /// the running VCPU as the decision would have.
    @inline(never)
    private mutating func keepDecision(now: Instant) -> Bool {
        guard let c = running, now >= chargedUpTo, !causes.any,
              now < sliceEnds, now < nextTick, now < nextAccounting else { return false }
        if let h = bestRunnable(excluding: c), slots[h].priority > slots[c].priority { return false }
        charge(now: now)
        return true
    }

    @inline(__always)  // a decision's answer: no call
    private mutating func dispatch(_ i: Int, now: Instant) {
        if running != i {
            stopRunning()
            // Running, it spends credit: its account is kept current from now
            // on. (A bit left in `unfiled` is dropped by the next accounting.)
            if slots[i].settledEpoch != epoch { settle(i) }
            if pending.contains(i) { pending.remove(i) }
            running = i
        }
        dispatchedAt = now
        sliceEnds = now + configuration.timeslice
    }

    /// The running VCPU leaves the CPU; if active, it now earns lazily.
    @inline(__always)
    private mutating func stopRunning() {
        guard let r = running else { return }
        running = nil
        fileAtNextAccounting(r)
    }

    /// Highest priority, then earliest ticket, among runnable VCPUs.
    @inline(__always)  // a decision's question: no call
    private mutating func bestRunnable(excluding excluded: Int?) -> Int? {
        guard let first = queue.first else { return nil }
        if first != excluded { return first }
        return queue.second
    }

    /// Heap key of a priority: the highest comes first.
    private static func queueRank(_ priority: CreditPriority) -> UInt64 {
        switch priority {
        case .boost: 0
        case .under: 1
        case .over: 2
        case .idle: 3
        }
    }

    /// Brings slot `i`'s place in the run queue and the active and parked sets
    /// in line with its fields, after any of them changed.
    private mutating func sync(_ i: Int) {
        let slot = slots[i]
        if slot.runnable {
            queue.set(i, key: Self.queueRank(slot.priority), tie: slot.ticket)
        } else {
            queue.remove(i)
        }
        earning.update(i, member: slot.inUse && slot.active)
        parkedSet.update(i, member: slot.inUse && slot.parked)
    }

    /// Processes the ticks and accountings due at or before `now`, in time
    /// order (a tick before an accounting at the same instant). A caller that
    /// ignored `until` for more than `maximumCatchUpEvents` events has the
    /// rest skipped: they would only add credit to nobody-running VCPUs.
    /// Nothing due (most decisions) is answered in line.
    @inline(__always)
    private mutating func runTimers(now: Instant) {
        if nextTick <= now || nextAccounting <= now { runDueTimers(now: now) }
    }

    private mutating func runDueTimers(now: Instant) {
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
        if !slots[r].active {
            slots[r].active = true
            slots[r].settledEpoch = epoch
            sharesStale = true
        }
        if slots[r].priority == .boost { slots[r].priority = .under }
        sync(r)
    }

    private mutating func account() {
        if earning.isEmpty { return }
        if sharesStale {
            // Everyone's credit up to now at the old shares, then the new
            // shares, then each one's next change under them.
            forEachEarning { s, i in s.settle(i) }
            computeShares()
            forEachEarning { s, i in s.file(i) }
            sharesStale = false
        }
        epoch += 1
        if let r = running, slots[r].active { applyAccounting(r) }
        // The unfiled first: filing one moves it in `pending` past this accounting.
        for w in 0..<unfiled.wordsInUse {
            var bits = unfiled.word(w)
            while bits != 0 {
                let i = w * SlotSet<capacity>.wordBits + bits.trailingZeroBitCount
                bits &= bits - 1
                unfiled.update(i, member: false)
                if slots[i].inUse && slots[i].active && running != i {
                    applyAccounting(i)
                    file(i)
                }
            }
        }
        while let i = pending.first, pending.key(of: i) <= epoch {
            applyAccounting(i)
            file(i)
        }
    }

    /// Shares one period's CPU time (30 ms) among the active VCPUs by weight.
    /// Water-filling: a capped VCPU whose weighted share exceeds its cap gets
    /// the cap; what it leaves is shared among the rest. Each pass fixes at
    /// least one VCPU or ends. Slot order, as the shares depend on it.
    private mutating func computeShares() {
        let period = configuration.accountingPeriod.nanoseconds
        var remainingWeight: UInt64 = 0
        forEachEarning { s, i in
            remainingWeight += UInt64(widening: s.slots[i].parameters.weight)
            s.slots[i].shareFixed = false
        }
        var remainingCredit = period
        var changed = true
        while changed && remainingWeight > 0 {
            changed = false
            forEachEarning { s, i in
                guard !s.slots[i].shareFixed && s.slots[i].parameters.cap > 0 else { return }
                let weight = UInt64(widening: s.slots[i].parameters.weight)
                let fair = remainingCredit * weight / remainingWeight
                let limit = period * UInt64(widening: s.slots[i].parameters.cap) / 100
                if fair > limit {
                    s.slots[i].shareFixed = true
                    s.slots[i].share = limit
                    remainingCredit -= limit
                    remainingWeight -= weight
                    changed = true
                }
            }
        }
        forEachEarning { s, i in
            if !s.slots[i].shareFixed {
                s.slots[i].share = remainingCredit * UInt64(widening: s.slots[i].parameters.weight) / remainingWeight
            }
        }
    }

    /// Accounting number `epoch` for active slot `i`, whose credit is settled
    /// up to the one before: its share, the clip at minus one period's worth,
    /// then OVER (capped: parked) below zero, UNDER at or above, and above one
    /// period's worth it leaves the active set with half its credit.
    private mutating func applyAccounting(_ i: Int) {
        settle(i, upTo: epoch - 1)
        let priorityBefore = slots[i].priority, parkedBefore = slots[i].parked
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
                sharesStale = true
                credit /= 2
            }
        }
        slots[i].credit = credit
        slots[i].settledEpoch = epoch
        // Only a new priority or parking, or leaving the active set, moves it.
        if priorityBefore != slots[i].priority || parkedBefore != slots[i].parked || !slots[i].active {
            sync(i)
        }
    }

    /// One accounting period's worth of credit.
    private var periodWorth: Int64 { Int64(bitPattern: configuration.accountingPeriod.nanoseconds) }

    /// Credit `credit` after `accountings` more accountings at `share` each,
    /// when none of them changes the VCPU's priority, parking or activity:
    /// only the first can clip (after it the credit is >= -floor and grows).
    private static func credit(_ credit: Int64, share: UInt64, accountings: UInt64, floor: Int64) -> Int64 {
        if accountings == 0 { return credit }
        let s = Int64(bitPattern: share)
        return max(credit + s, -floor) + Int64(bitPattern: accountings - 1) * s
    }

    /// Brings an active, not running slot's credit up to accounting `upTo`
    /// (default: now).
    private mutating func settle(_ i: Int, upTo: UInt64? = nil) {
        let target = upTo ?? epoch
        if slots[i].active && running != i && slots[i].settledEpoch < target {
            slots[i].credit = Self.credit(slots[i].credit, share: slots[i].share,
                                          accountings: target - slots[i].settledEpoch, floor: periodWorth)
        }
        slots[i].settledEpoch = target
    }

    /// Leaves slot `i` to the next accounting, the earliest at which it can
    /// change: that one settles it and files it exactly (`file`).
    @inline(__always)
    private mutating func fileAtNextAccounting(_ i: Int) {
        unfiled.update(i, member: true)
    }

    /// Files slot `i` in `pending` under the accounting at which it next
    /// changes, or takes it out (running, inactive, or never changing).
    private mutating func file(_ i: Int) {
        guard slots[i].inUse && slots[i].active && running != i else {
            pending.remove(i)
            return
        }
        settle(i)
        if let steps = accountingsToNextChange(i) {
            pending.set(i, key: epoch + steps, tie: UInt64(clampingNonNegative: i))
        } else {
            pending.remove(i)
        }
    }

    /// How many accountings from now until the first that changes settled,
    /// active slot `i`'s priority, parking or activity (what `applyAccounting`
    /// would do), nil if none ever does at the current share.
    private mutating func accountingsToNextChange(_ i: Int) -> UInt64? {
        let share = Int64(bitPattern: slots[i].share)
        let first = max(slots[i].credit + share, -periodWorth)
        let priority = slots[i].priority, parked = slots[i].parked
        if first < 0 {
            if priority != .over || (slots[i].parameters.cap > 0 && !parked) { return 1 }
            if share == 0 { return nil }
            // OVER until the credit reaches 0.
            return 1 + UInt64(bitPattern: (-first + share - 1) / share)
        }
        if priority != .under || parked || first > periodWorth { return 1 }
        if share == 0 { return nil }
        // UNDER until the credit exceeds one period's worth.
        return 2 + UInt64(bitPattern: (periodWorth - first) / share)
    }

    /// Calls `body` for every active VCPU in slot order; `body` may change
    /// the sets (each word is read before its slots are visited).
    @inline(__always)
    private mutating func forEachEarning(_ body: (inout Self, Int) -> Void) {
        for w in 0..<earning.wordsInUse {
            var bits = earning.word(w)
            while bits != 0 {
                body(&self, w * SlotSet<capacity>.wordBits + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
    }

    /// Whether an accounting could change anything (someone earns or is parked).
    private mutating func anyEarning() -> Bool { !earning.isEmpty || !parkedSet.isEmpty }

    private mutating func takeTicket() -> UInt64 {
        tickets += 1
        return tickets
    }

    private func freeSlot() -> Int? {
        for i in slots.indices where !slots[i].inUse { return i }
        return nil
    }
}
