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

/// The answer of `decide(now:)`: run `vcpu` (nil: idle) until `until` at the
/// latest, for `reason`. `until` is `.never` when nothing is pending at all.
public struct SchedulingDecision: Equatable, Sendable {
    public var vcpu: VCPUID?
    public var until: Instant
    public var reason: SwitchReason

    public init(vcpu: VCPUID?, until: Instant, reason: SwitchReason) {
        self.vcpu = vcpu
        self.until = until
        self.reason = reason
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
    /// Changes a VCPU's parameters (re-checking admission where the policy has it).
    mutating func setParameters(_ parameters: Parameters, for vcpu: VCPUID, now: Instant) throws(SchedulerError)
    /// The parameters of a VCPU, nil if unknown.
    func parameters(of vcpu: VCPUID) -> Parameters?
    /// The state of a VCPU, nil if unknown.
    func status(of vcpu: VCPUID) -> Status?
    /// How many VCPUs are inserted.
    var vcpuCount: Int { get }
}
