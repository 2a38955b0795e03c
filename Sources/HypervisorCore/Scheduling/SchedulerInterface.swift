// The one interface both VCPU schedulers (SEDF, credit) implement. It is used
// through generics only (`some VCPUScheduler`, `<S: VCPUScheduler>`), never as
// `any VCPUScheduler`: the core must compile with Embedded Swift, where
// existentials of non-class protocols do not exist, and static dispatch keeps
// the hot path free of witness-table calls after specialization.
//
// Time is always an argument; nothing here reads a clock. The contract with the
// caller (the hypervisor's trap path or the simulator):
//   - `decide(now:)` picks who runs and until when; the caller programs a
//     one-shot timer for `until` and calls `decide` again when it fires (or
//     earlier, after a block/yield, or a wake that asks for a decision).
//   - The VCPU returned by `decide` is "running" until the next `decide`,
//     `block` or `yield` of it. The scheduler charges it for the time since it
//     was dispatched (or last charged); `charge(now:)` does that explicitly and
//     every other operation does it implicitly, so calling it twice is harmless.
//   - A late timer is simply time used: it becomes overrun and is charged.

/// Names a VCPU inside one scheduler. Chosen by the caller (the hypervisor's
/// VCPU number, the simulator's index); the scheduler only compares them.
public struct VCPUID: Hashable, Comparable, Sendable {
    public var rawValue: UInt32

    @inline(__always)
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    @inline(__always)
    public static func < (a: VCPUID, b: VCPUID) -> Bool { a.rawValue < b.rawValue }
}

/// Why a scheduling decision was taken. The words are docs/TRACE.md's `switch`
/// reasons, so a trace can carry them unchanged.
public enum SwitchReason: UInt8, Sendable {
    case budget, release, block, wake, yield, tick, slack, preempt

    /// The word used in `apus-trace 1` files.
    public var word: StaticString {
        switch self {
        case .budget: "budget"
        case .release: "release"
        case .block: "block"
        case .wake: "wake"
        case .yield: "yield"
        case .tick: "tick"
        case .slack: "slack"
        case .preempt: "preempt"
        }
    }
}

/// What led to a decision, as noted by the scheduler: one bit per cause, in
/// the order of precedence of the reason they give (the lowest bit set
/// wins; none: `.preempt`). A decision stores these bits and names its
/// reason only when asked (traces, tests): the hot path spends no
/// instruction choosing among the causes.
/// (Not an OptionSet: its array-literal witnesses allocate, which target
/// code may not.)
public struct SwitchCauses: Equatable, Sendable {
    public var rawValue: UInt8

    /// No cause.
    @inline(__always)
    public init() { rawValue = 0 }

    @inline(__always)
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    @inline(__always)
    public func contains(_ cause: SwitchCauses) -> Bool { rawValue & cause.rawValue != 0 }

    @inline(__always)
    public mutating func insert(_ cause: SwitchCauses) { rawValue |= cause.rawValue }

    public static let blocked = SwitchCauses(rawValue: 1 << 0)
    public static let yielded = SwitchCauses(rawValue: 1 << 1)
    public static let exhausted = SwitchCauses(rawValue: 1 << 2)
    public static let slack = SwitchCauses(rawValue: 1 << 3)
    public static let woke = SwitchCauses(rawValue: 1 << 4)
    public static let released = SwitchCauses(rawValue: 1 << 5)
    public static let timers = SwitchCauses(rawValue: 1 << 6)
    /// Another operation changed the queues or a VCPU's parameters since the
    /// last decision; it gives no reason of its own. With no cause at all,
    /// the last decision still stands as it was taken (a wake may keep it).
    public static let changed = SwitchCauses(rawValue: 1 << 7)

    /// No cause noted.
    @inline(__always)
    public var isEmpty: Bool { rawValue == 0 }

    /// The one cause that gives `reason`.
    public init(_ reason: SwitchReason) {
        switch reason {
        case .block: self = .blocked
        case .yield: self = .yielded
        case .budget: self = .exhausted
        case .slack: self = .slack
        case .wake: self = .woke
        case .release: self = .released
        case .tick: self = .timers
        case .preempt: self = SwitchCauses()
        }
    }

    /// The reason of the cause that takes precedence.
    public var reason: SwitchReason {
        if contains(.blocked) { return .block }
        if contains(.yielded) { return .yield }
        if contains(.exhausted) { return .budget }
        if contains(.slack) { return .slack }
        if contains(.woke) { return .wake }
        if contains(.released) { return .release }
        if contains(.timers) { return .tick }
        return .preempt
    }
}

/// The answer of `decide(now:)`: run `vcpu` (nil: idle) until `until` at the
/// latest, for `reason`. `until` is `.never` when nothing is pending at all.
/// Equal when they name the same VCPU, instant and reason.
public struct SchedulingDecision: Equatable, Sendable {
    public var vcpu: VCPUID?
    public var until: Instant
    public var causes: SwitchCauses

    public var reason: SwitchReason {
        get { causes.reason }
        set { causes = SwitchCauses(newValue) }
    }

    @inline(__always)
    public init(vcpu: VCPUID?, until: Instant, causes: SwitchCauses) {
        self.vcpu = vcpu
        self.until = until
        self.causes = causes
    }

    public init(vcpu: VCPUID?, until: Instant, reason: SwitchReason) {
        self.init(vcpu: vcpu, until: until, causes: SwitchCauses(reason))
    }

    public static func == (a: SchedulingDecision, b: SchedulingDecision) -> Bool {
        a.vcpu == b.vcpu && a.until == b.until && a.reason == b.reason
    }
}

/// A per-CPU VCPU scheduler with fixed capacity. Implementations never allocate.
public protocol VCPUScheduler {
    /// Policy parameters of one VCPU (SEDF: period/slice/extratime; credit: weight/cap).
    associatedtype Parameters
    /// A small, string-free description of one VCPU's state, for traces and tests.
    associatedtype Status

    /// Adds a runnable VCPU. Throws on invalid parameters, a duplicate id, a full
    /// table or (SEDF) a refused admission; the scheduler is unchanged then.
    mutating func insert(_ vcpu: VCPUID, parameters: Parameters, now: Instant) throws(SchedulerError)
    /// Removes a VCPU; if it was running, it is charged first.
    mutating func remove(_ vcpu: VCPUID, now: Instant) throws(SchedulerError)
    /// Makes a blocked VCPU runnable. Waking a runnable VCPU does nothing.
    mutating func wake(_ vcpu: VCPUID, now: Instant) throws(SchedulerError)
    /// `wake` for a caller that decides only when asked to; returns whether a
    /// decision is needed. False when nothing but such wakes happened since
    /// the last decision and a decision now would run the same VCPU until the
    /// same instant: the scheduler has then done that decision's work (its
    /// state is what the decision would have left). True is always safe.
    mutating func wakeKeepingDecision(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) -> Bool
    /// Takes a VCPU off the CPU until `wake`. Blocking a blocked VCPU does nothing.
    mutating func block(_ vcpu: VCPUID, now: Instant) throws(SchedulerError)
    /// The VCPU gives the CPU away voluntarily (policy-specific meaning).
    mutating func yield(_ vcpu: VCPUID, now: Instant) throws(SchedulerError)
    /// Charges the running VCPU for the time since it was dispatched or last charged.
    mutating func charge(now: Instant)
    /// Chooses the VCPU to run now (or idle) and the instant of the next scheduling event.
    mutating func decide(now: Instant) -> SchedulingDecision
    /// The same, written into `decision` (the scheduling loop's record: no copy).
    mutating func decide(now: Instant, into decision: inout SchedulingDecision)
    /// Changes a VCPU's parameters (re-checking admission where the policy has it).
    mutating func setParameters(_ parameters: Parameters, for vcpu: VCPUID, now: Instant) throws(SchedulerError)
    /// The parameters of a VCPU, nil if unknown.
    func parameters(of vcpu: VCPUID) -> Parameters?
    /// The state of a VCPU, nil if unknown.
    func status(of vcpu: VCPUID) -> Status?
    /// How many VCPUs are inserted.
    var vcpuCount: Int { get }
}

extension VCPUScheduler {
    public mutating func decide(now: Instant, into decision: inout SchedulingDecision) {
        decision = decide(now: now)
    }
}
