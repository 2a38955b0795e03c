// The scheduling loop around a VCPU scheduler, as pure logic: the hypervisor's
// shell reads the clock, arms its one-shot timer, switches VCPU state and
// idles; everything it decides with is here, with host tests.
//
// Events (block, wake, yield, remove, the timer firing) only mark a decision
// as needed; the shell then calls `decide(now:retired:)` on the way back to a
// guest; a wake that cannot change the decision does not mark it (`wake`).
// A decision wakes the blocked VCPUs whose virtual timer is due, asks
// the scheduler, and answers who runs, when to arm the timer (the scheduler's
// next event or the earliest wake-up of a blocked VCPU) and whether a
// runnable VCPU has starved. When nobody runs, `isStalled` says whether
// anything can still wake a VCPU. Fixed capacity, no allocation.
//
// The pass over the VCPUs is skipped while it cannot find anything: before
// the earliest armed wake-up (kept exact) and before the earliest instant a
// progress watch could run out (a lower bound: a watch only ever restarts
// later). Then a decision costs the same for any number of VCPUs, and
// answers exactly what the pass would.

/// What the shell does after a decision. The loop keeps one (`dispatch`)
/// and the scheduler writes its answer straight into it.
public struct Dispatch: Equatable, Sendable {
    /// The scheduler's answer, its `until` lowered to the earliest timer
    /// wake-up of a blocked VCPU.
    var decision = SchedulingDecision(vcpu: nil, until: .never, causes: SwitchCauses())
    /// The VCPU that ran before; differs from `vcpu` when state must be switched.
    public internal(set) var previous: VCPUID? = nil
    /// A runnable VCPU that retired no guest instruction over its whole
    /// progress window (see `ConfiguredScheduler.progressWindow`), if any.
    public internal(set) var starved: VCPUID? = nil

    /// The VCPU to run; nil: idle until an interrupt.
    public var vcpu: VCPUID? { decision.vcpu }
    public var reason: SwitchReason { decision.reason }
    /// When to arm the hypervisor timer (`.never`: leave it off).
    public var timer: Instant { decision.until }
    public var switches: Bool { vcpu != previous }
}

public struct VCPUScheduling<S: VCPUScheduler, let capacity: Int> {
    struct Slot {
        var present = false
        var blocked = false
        /// While blocked: when its virtual timer fires (`.never`: not armed).
        /// Always `.never` while not blocked (`findEarliestWake` needs no other check).
        var wakeAt = Instant.never
        /// Starved when runnable since `watchedSince` with no instruction retired for `window`.
        var window = TimeSpan.zero
        var watchedSince = Instant.zero
        /// Runnable but not chosen since then (`.never`: running or blocked).
        var waitingSince = Instant.never
    }

    public private(set) var scheduler: S
    var slots: InlineArray<capacity, Slot>
    /// Slots 0..<used have ever held a VCPU: the loops stop there.
    var used = 0
    /// The VCPU the last decision chose.
    public private(set) var running: VCPUID? = nil
    /// An event happened since the last decision.
    public private(set) var decisionNeeded = true
    /// Decisions taken.
    public private(set) var decisions: UInt64 = 0
    /// The last decision's answer.
    public private(set) var dispatch = Dispatch()
    /// The instruction count the previous decision saw (nil: no counter).
    var lastRetired: UInt64? = nil
    /// Per VCPU id, the longest it waited runnable before a decision chose it
    /// (from its wake-up, its virtual timer's due time or its preemption);
    /// kept when it is removed and admitted again (a VM restart).
    var longestWaits: InlineArray<capacity, TimeSpan>
    /// The earliest `wakeAt` of a blocked VCPU (`.never`: none), always exact.
    var earliestWake = Instant.never
    /// No runnable VCPU's progress watch runs out before this instant (a
    /// lower bound; `.zero`: unknown). With `earliestWake`, it tells
    /// `decide` when its pass over the VCPUs can find nothing.
    var watchRunsOut = Instant.zero

    public init(scheduler: S) {
        self.scheduler = scheduler
        slots = InlineArray(repeating: Slot())
        longestWaits = InlineArray(repeating: .zero)
    }

    /// The slot of `vcpu`, nil for an id of `capacity` or more: one unsigned
    /// comparison, and the slot is then known to be in bounds.
    @inline(__always)
    static func slot(_ vcpu: VCPUID) -> Int? {
        UInt(vcpu.rawValue) < UInt(capacity) ? Int(truncatingIfNeeded: vcpu.rawValue) : nil
    }

    /// Adds a runnable VCPU (ids are 0..<capacity). `progressWindow` zero: never watched.
    public mutating func admit(_ vcpu: VCPUID, parameters: S.Parameters, progressWindow: TimeSpan, now: Instant) throws(SchedulerError) {
        guard let i = Self.slot(vcpu) else { throw .capacityExceeded }
        try scheduler.insert(vcpu, parameters: parameters, now: now)
        slots[i] = Slot(present: true, window: progressWindow, watchedSince: now, waitingSince: now)
        used = max(used, i + 1)
        if progressWindow != .zero { watchRunsOut = min(watchRunsOut, now + progressWindow) }
        decisionNeeded = true
    }

    /// The VCPU waits for an interrupt, or until `wakeAt` (its virtual timer).
    public mutating func block(_ vcpu: VCPUID, wakeAt: Instant, now: Instant) {
        guard let i = Self.slot(vcpu), slots[i].present else { return }
        let replaced = slots[i].blocked ? slots[i].wakeAt : .never
        slots[i].blocked = true
        slots[i].wakeAt = wakeAt
        if replaced == earliestWake && replaced != .never { findEarliestWake() } else { earliestWake = min(earliestWake, wakeAt) }
        slots[i].waitingSince = .never
        try? scheduler.block(vcpu, now: now)
        decisionNeeded = true
    }

    /// An interrupt makes a blocked VCPU runnable. Nothing for a VCPU that is
    /// runnable or removed. While someone runs and no decision is pending,
    /// the wake may keep the last decision (`wakeMayKeepDecision`).
    public mutating func wake(_ vcpu: VCPUID, now: Instant) {
        guard let i = Self.slot(vcpu), slots[i].present, slots[i].blocked else { return }
        let cancelled = slots[i].wakeAt
        slots[i].blocked = false
        slots[i].wakeAt = .never
        if slots[i].window != .zero { watchRunsOut = min(watchRunsOut, now + slots[i].window) }  // its watch starts now
        slots[i].watchedSince = now
        slots[i].waitingSince = now
        if running != nil && !decisionNeeded {
            wakeMayKeepDecision(vcpu, cancelled: cancelled, now: now)
            return
        }
        if cancelled == earliestWake && cancelled != .never { findEarliestWake() }
        try? scheduler.wake(vcpu, now: now)
        decisionNeeded = true
    }

    /// The rest of `wake` while someone runs and nothing is pending. No
    /// decision is asked for when one now would answer what the last one
    /// did: its pass would find nothing (`now` before `earliestWake` and
    /// `watchRunsOut`), the armed timer stays (it is set before the cancelled
    /// wake-up, or another one is as early) and the scheduler says the
    /// running VCPU keeps the CPU until the same instant. The running VCPU's
    /// progress is then credited at the next decision. Out of line: a wake
    /// with nobody running (an idle CPU) stays as small as before.
    @inline(never)
    mutating func wakeMayKeepDecision(_ vcpu: VCPUID, cancelled: Instant, now: Instant) {
        var timerStays = true
        if cancelled == earliestWake && cancelled != .never {
            findEarliestWake()
            timerStays = cancelled > dispatch.timer || earliestWake == cancelled
        }
        if timerStays && now < earliestWake && now < watchRunsOut {
            if (try? scheduler.wakeKeepingDecision(vcpu, now: now)) ?? true { decisionNeeded = true }
        } else {
            try? scheduler.wake(vcpu, now: now)
            decisionNeeded = true
        }
    }

    public mutating func yield(_ vcpu: VCPUID, now: Instant) {
        guard let i = Self.slot(vcpu), slots[i].present else { return }
        try? scheduler.yield(vcpu, now: now)
        decisionNeeded = true
    }

    /// The VCPU's VM stopped: it never runs again.
    public mutating func remove(_ vcpu: VCPUID, now: Instant) {
        guard let i = Self.slot(vcpu), slots[i].present else { return }
        slots[i] = Slot()
        findEarliestWake()
        try? scheduler.remove(vcpu, now: now)
        decisionNeeded = true
    }

    /// The hypervisor timer fired: the scheduler's event (or a blocked VCPU's timer) is due.
    public mutating func timerFired() { decisionNeeded = true }

    /// Takes a decision at `now` and answers it (`dispatch`). `retired` is a
    /// running count of guest instructions (any origin, wrapping) when the
    /// machine can count them: what it gained since the previous decision
    /// was retired by the VCPU that decision chose. One pass over the VCPUs
    /// wakes those whose timer is due, finds the earliest timer still
    /// pending and a starved VCPU.
    @inline(__always) @discardableResult
    public mutating func decide(now: Instant, retired: UInt64? = nil) -> Dispatch {
        decideInPlace(now: now, retired: retired)
        return dispatch
    }

    /// `decide` without the copy of its answer: the scheduler and the loop
    /// write `dispatch` in place, and the shell reads it there.
    public mutating func decideInPlace(now: Instant, retired: UInt64?) {
        decisionNeeded = false
        decisions &+= 1
        if decisions == 1 {
            // Loading the VMs at boot was not waiting for the CPU: waits start now.
            for i in 0..<used where slots[i].waitingSince != .never { slots[i].waitingSince = now }
        }
        let watching = creditProgress(now: now, retired: retired)
        let quiet = now < earliestWake && now < watchRunsOut
        dispatch.starved = quiet ? nil : wakeDueAndWatch(now: now, watching: watching)
        scheduler.decide(now: now, into: &dispatch.decision)
        let previous = running
        let chosen = dispatch.decision.vcpu
        running = chosen
        dispatch.previous = previous
        accountWaits(previous: previous, chosen: chosen, now: now)
        dispatch.decision.until = min(dispatch.decision.until, earliestWake)
    }

    /// The pass over the VCPUs, in two halves that run only when they can find
    /// something: wakes those whose timer is due (from `earliestWake` on), and
    /// finds the first starved VCPU (when `watching`) and when a watch can next
    /// run out (from `watchRunsOut` on: before it no watch has run out).
    mutating func wakeDueAndWatch(now: Instant, watching: Bool) -> VCPUID? {
        if now >= earliestWake { wakeDue(now: now) }
        return now >= watchRunsOut ? watch(now: now, watching: watching) : nil
    }

    /// Wakes the blocked VCPUs whose timer is due, in slot order, and finds the
    /// earliest timer still pending.
    mutating func wakeDue(now: Instant) {
        var earliestWake = Instant.never
        for i in 0..<used where slots[i].present && slots[i].blocked {
            guard slots[i].wakeAt <= now else {
                earliestWake = min(earliestWake, slots[i].wakeAt)
                continue
            }
            wakeAtTimer(i, now: now)
        }
        self.earliestWake = earliestWake
    }

    /// Out of line: the loop above stays small (both policies' wake paths are
    /// in line here, and their registers spilled around the whole loop).
    @inline(never)
    mutating func wakeAtTimer(_ i: Int, now: Instant) {
        slots[i].blocked = false
        slots[i].waitingSince = slots[i].wakeAt  // it waits from when its timer was due
        slots[i].wakeAt = .never
        slots[i].watchedSince = now
        if slots[i].window != .zero { watchRunsOut = min(watchRunsOut, now + slots[i].window) }  // its watch starts now
        try? scheduler.wake(VCPUID(UInt32(truncatingIfNeeded: i)), now: now)
    }

    /// The first starved runnable VCPU (when `watching`) and, exactly, when a
    /// watch can next run out.
    mutating func watch(now: Instant, watching: Bool) -> VCPUID? {
        var watchRunsOut = Instant.never
        var starved: VCPUID? = nil
        for i in 0..<used where slots[i].present && !slots[i].blocked && slots[i].window != .zero {
            if watching, starved == nil, now.since(slots[i].watchedSince) >= slots[i].window {
                starved = VCPUID(UInt32(truncatingIfNeeded: i))
            }
            watchRunsOut = min(watchRunsOut, slots[i].watchedSince + slots[i].window)
        }
        self.watchRunsOut = watchRunsOut
        return starved
    }

    /// Recomputes `earliestWake` after the earliest wake-up was cancelled or replaced.
    mutating func findEarliestWake() {
        var earliest = Instant.never
        for i in 0..<used { earliest = min(earliest, slots[i].wakeAt) }
        earliestWake = earliest
    }

    /// The running VCPU made progress other than retiring guest instructions
    /// (a restarting VM's load runs on its VCPU's time): its watch starts again.
    public mutating func progressed(_ vcpu: VCPUID, now: Instant) {
        guard let i = Self.slot(vcpu), slots[i].present else { return }
        slots[i].watchedSince = now
    }

    /// The VCPU that ran and is still runnable starts waiting if another is
    /// chosen; the chosen one stops waiting, and its wait is measured.
    @inline(__always)  // once per decision: no call
    mutating func accountWaits(previous: VCPUID?, chosen: VCPUID?, now: Instant) {
        if let previous, previous != chosen, let i = Self.slot(previous) {
            if slots[i].present, !slots[i].blocked, slots[i].waitingSince == .never { slots[i].waitingSince = now }
        }
        guard let chosen, let i = Self.slot(chosen) else { return }
        if slots[i].waitingSince < now {  // not waiting: `.never`, never before `now`
            longestWaits[i] = max(longestWaits[i], now.since(slots[i].waitingSince))
        }
        slots[i].waitingSince = .never
    }

    /// The longest `vcpu` waited runnable before it was given the CPU; with
    /// `now`, a wait still going on then counts too (a run that ends because
    /// `vcpu` starved reports the wait that starved it).
    public mutating func longestWait(_ vcpu: VCPUID, upTo now: Instant? = nil) -> TimeSpan {
        guard let i = Self.slot(vcpu) else { return .zero }
        guard let now, slots[i].present, slots[i].waitingSince != .never, slots[i].waitingSince < now else { return longestWaits[i] }
        return max(longestWaits[i], now.since(slots[i].waitingSince))
    }

    /// Credits the instructions retired since the previous decision to the
    /// VCPU that ran. False without an instruction count: nothing is watched.
    @inline(__always)  // once per decision: no call
    mutating func creditProgress(now: Instant, retired: UInt64?) -> Bool {
        defer { lastRetired = retired }
        guard let retired else { return false }
        guard let last = lastRetired else {
            // The first decision with a count: every watch starts now, not at
            // admission (booting the other VMs is not time they were denied).
            for i in 0..<used { slots[i].watchedSince = now }
            return false
        }
        if retired != last, let ran = running, let i = Self.slot(ran) {
            slots[i].watchedSince = now
        }
        return true
    }

    // The queries below are `mutating` although they change nothing: read
    // through a global, a non-mutating call copies the whole loop (schedulers
    // included, over a kilobyte) first; a mutating one reads it in place.
    // isBlocked runs on every injected interrupt.

    @inline(__always)
    public mutating func isBlocked(_ vcpu: VCPUID) -> Bool {
        guard let i = Self.slot(vcpu) else { return false }
        return slots[i].blocked
    }

    /// Nobody runs and nothing can change that: every VCPU left is blocked
    /// with no timer armed, and `canBeWoken` (device interrupts the shell
    /// knows of) is false for each. True also when no VCPU is left.
    @inline(__always)
    public mutating func isStalled(canBeWoken: (VCPUID) -> Bool) -> Bool {
        for i in 0..<used where slots[i].present {
            let vcpu = VCPUID(UInt32(truncatingIfNeeded: i))
            if !slots[i].blocked || slots[i].wakeAt != .never || canBeWoken(vcpu) { return false }
        }
        return true
    }
}
