// Parameters, configuration and per-VCPU status of the credit scheduler.

/// A VCPU's share: `weight` relative to the other VCPUs on the CPU, and an
/// optional `cap` in percent of one CPU (0 = uncapped). Xen sets these per
/// domain; here every VCPU is its own domain (one scheduler per CPU).
public struct CreditParameters: Equatable, Sendable {
    public var weight: UInt32
    public var cap: UInt32

    public static let defaultWeight: UInt32 = 256

    public init(weight: UInt32 = CreditParameters.defaultWeight, cap: UInt32 = 0) {
        self.weight = weight
        self.cap = cap
    }

    public func validate() throws(SchedulerError) {
        if weight < 1 || weight > 65535 { throw .invalidWeight }
        if cap > 100 { throw .invalidCap }
    }
}

/// Timing of the credit scheduler (Xen credit1 defaults: 10 ms tick, 30 ms
/// accounting period and timeslice, 1 ms rate limit).
public struct CreditConfiguration: Equatable, Sendable {
    public var tick: TimeSpan
    public var accountingPeriod: TimeSpan
    public var timeslice: TimeSpan
    /// A running VCPU is not preempted by a higher-priority one (a boosted
    /// waker) before it has run this long; zero disables the limit.
    public var rateLimit: TimeSpan

    public init() {
        tick = .milliseconds(10)
        accountingPeriod = .milliseconds(30)
        timeslice = .milliseconds(30)
        rateLimit = .milliseconds(1)
    }

    /// Custom timing; tick, accounting period and timeslice in 1 ns ... 2^40 ns
    /// (so credit arithmetic, length * weight < 2^56, cannot overflow), the
    /// rate limit in 0 ... 2^40 ns.
    public init(tick: TimeSpan, accountingPeriod: TimeSpan, timeslice: TimeSpan,
                rateLimit: TimeSpan = .milliseconds(1)) throws(SchedulerError) {
        let limit = TimeSpan(nanoseconds: 0x100_0000_0000) // 2^40; a literal, see Support/IntegerWidening.swift
        if tick == .zero || accountingPeriod == .zero || timeslice == .zero
            || tick > limit || accountingPeriod > limit || timeslice > limit || rateLimit > limit {
            throw .invalidConfiguration
        }
        self.tick = tick
        self.accountingPeriod = accountingPeriod
        self.timeslice = timeslice
        self.rateLimit = rateLimit
    }
}

/// Credit priorities, highest first. IDLE is the idle VCPU's (what `decide`
/// returns as nil); real VCPUs are BOOST, UNDER or OVER.
public enum CreditPriority: UInt8, Comparable, Sendable {
    case idle = 0, over = 1, under = 2, boost = 3

    public static func < (a: CreditPriority, b: CreditPriority) -> Bool { a.rawValue < b.rawValue }
}

public enum CreditState: UInt8, Sendable {
    case running, queued, parked, blocked
}

/// One VCPU as the credit scheduler sees it, for traces and tests.
public struct CreditStatus: Equatable, Sendable {
    public var vcpu: VCPUID
    public var parameters: CreditParameters
    public var state: CreditState
    public var priority: CreditPriority
    /// Credit in nanoseconds of CPU time (Xen: 10 credits = 1 ms); negative = OVER.
    public var credit: Int64
    /// Whether it takes part in accounting (earns credit).
    public var active: Bool
}
