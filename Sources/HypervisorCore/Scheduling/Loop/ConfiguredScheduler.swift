// The policy a configuration chooses (SEDF or credit), as one VCPUScheduler.
// Both schedulers are stored and one is used: a switch on a stored policy
// keeps every call static and in place (an enum payload would be copied out
// and back on each mutation, kilobytes at a time).

public enum SchedulingPolicy: Sendable, Equatable { case sedf, credit }

/// One VCPU's parameters under either policy.
public enum PolicyParameters: Sendable, Equatable {
    case sedf(SEDFParameters)
    case credit(CreditParameters)
}

/// One VCPU's state under either policy.
public enum PolicyStatus: Sendable, Equatable {
    case sedf(SEDFStatus)
    case credit(CreditStatus)
}

public struct ConfiguredScheduler<let capacity: Int>: VCPUScheduler {
    public typealias Parameters = PolicyParameters
    public typealias Status = PolicyStatus

    public let policy: SchedulingPolicy
    var sedf: SEDFScheduler<capacity>
    var credit: CreditScheduler<capacity>

    public init(policy: SchedulingPolicy, sedf options: SEDFOptions = SEDFOptions(),
                credit configuration: CreditConfiguration = CreditConfiguration()) {
        self.policy = policy
        sedf = SEDFScheduler(options: options)
        credit = CreditScheduler(configuration: configuration)
    }

    public mutating func insert(_ vcpu: VCPUID, parameters: PolicyParameters, now: Instant) throws(SchedulerError) {
        switch (policy, parameters) {
        case (.sedf, .sedf(let p)): try sedf.insert(vcpu, parameters: p, now: now)
        case (.credit, .credit(let p)): try credit.insert(vcpu, parameters: p, now: now)
        default: throw .wrongPolicy
        }
    }

    public mutating func setParameters(_ parameters: PolicyParameters, for vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        switch (policy, parameters) {
        case (.sedf, .sedf(let p)): try sedf.setParameters(p, for: vcpu, now: now)
        case (.credit, .credit(let p)): try credit.setParameters(p, for: vcpu, now: now)
        default: throw .wrongPolicy
        }
    }

    public mutating func remove(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        switch policy {
        case .sedf: try sedf.remove(vcpu, now: now)
        case .credit: try credit.remove(vcpu, now: now)
        }
    }

    public mutating func wake(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        switch policy {
        case .sedf: try sedf.wake(vcpu, now: now)
        case .credit: try credit.wake(vcpu, now: now)
        }
    }

    public mutating func wakeKeepingDecision(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) -> Bool {
        switch policy {
        case .sedf: try sedf.wakeKeepingDecision(vcpu, now: now)
        case .credit: try credit.wakeKeepingDecision(vcpu, now: now)
        }
    }

    public mutating func block(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        switch policy {
        case .sedf: try sedf.block(vcpu, now: now)
        case .credit: try credit.block(vcpu, now: now)
        }
    }

    public mutating func yield(_ vcpu: VCPUID, now: Instant) throws(SchedulerError) {
        switch policy {
        case .sedf: try sedf.yield(vcpu, now: now)
        case .credit: try credit.yield(vcpu, now: now)
        }
    }

    public mutating func charge(now: Instant) {
        switch policy {
        case .sedf: sedf.charge(now: now)
        case .credit: credit.charge(now: now)
        }
    }

    public mutating func decide(now: Instant) -> SchedulingDecision {
        switch policy {
        case .sedf: sedf.decide(now: now)
        case .credit: credit.decide(now: now)
        }
    }

    public mutating func decide(now: Instant, into decision: inout SchedulingDecision) {
        switch policy {
        case .sedf: sedf.decide(now: now, into: &decision)
        case .credit: credit.decide(now: now, into: &decision)
        }
    }

    public func parameters(of vcpu: VCPUID) -> PolicyParameters? {
        switch policy {
        case .sedf: sedf.parameters(of: vcpu).map { .sedf($0) }
        case .credit: credit.parameters(of: vcpu).map { .credit($0) }
        }
    }

    public func status(of vcpu: VCPUID) -> PolicyStatus? {
        switch policy {
        case .sedf: sedf.status(of: vcpu).map { .sedf($0) }
        case .credit: credit.status(of: vcpu).map { .credit($0) }
        }
    }

    public var vcpuCount: Int {
        switch policy {
        case .sedf: sedf.vcpuCount
        case .credit: credit.vcpuCount
        }
    }

    /// How long a runnable VCPU may go without retiring a guest instruction
    /// before it counts as starved (VCPUScheduling's progress watch).
    /// `vcpus` VCPUs share the CPU; `creditWeight` is the sum of their credit
    /// weights (credit only).
    /// SEDF: two periods. A runnable VCPU gets its slice in every period,
    /// so two consecutive runs are at most 2 (period - slice) apart, and any
    /// two periods contain one whole period of its reservation.
    /// Credit (P accounting period, T time slice, n VCPUs): see `creditProgressWindow`.
    public func progressWindow(for parameters: PolicyParameters, vcpus: Int, creditWeight: UInt64) -> TimeSpan {
        switch parameters {
        case .sedf(let p):
            return p.period + p.period
        case .credit(let p):
            return Self.creditProgressWindow(p, vcpus: vcpus, totalWeight: creditWeight, configuration: credit.configuration)
        }
    }

    /// The longest a runnable credit VCPU can wait for the CPU, for the watch.
    /// Credit1 runs an OVER VCPU only when no BOOST or UNDER one is runnable,
    /// so the worst case is a VCPU whose credit sits at the floor (minus one
    /// period's worth) while others stay UNDER:
    /// - within one period P the next accounting has run; after it its credit
    ///   is at least -P (the clip);
    /// - each later accounting adds its share s, at least floor(P w / W) for
    ///   weight w among total weight W (fewer active VCPUs or capped ones only
    ///   raise it), or P cap / 100 if capped and lower: it is UNDER again (a
    ///   capped one unparked) after ceil(P / s) accountings;
    /// - UNDER, with the oldest ticket of its priority, it waits at most one
    ///   time slice T of each other VCPU, and for the others' boosts: a VCPU
    ///   that wakes while UNDER goes ahead of it, again at every wake, as long
    ///   as it stays UNDER. The others run ahead of it only on credit they hold
    ///   (at most 2P each: more than P at an accounting leaves the active set)
    ///   or earn meanwhile ((W - w) / W of the time), so that wait x satisfies
    ///   x <= (n - 1) 2P + x (W - w) / W, i.e. x <= (n - 1) 2P W / w.
    /// So P + ceil(P / s) P + (n - 1) (T + 2P W / w). It grows with W / w: a
    /// weight-256 VCPU beside one of weight 821 (and two more of 256) needs 7
    /// accountings to climb back, which two periods plus the slices did not
    /// allow; a hog beside three frequent wakers of equal weight waited 240.05 ms
    /// (make experiment's credit-equal cpu+io/split cell), past the 240 ms the
    /// climb and the slices give.
    static func creditProgressWindow(_ parameters: CreditParameters, vcpus: Int, totalWeight: UInt64,
                                     configuration: CreditConfiguration) -> TimeSpan {
        let period = configuration.accountingPeriod.nanoseconds
        let weight = UInt64(widening: parameters.weight)
        var share = period * weight / max(totalWeight, weight)
        if parameters.cap > 0 { share = min(share, period * UInt64(widening: parameters.cap) / 100) }
        let climb = (period + max(share, 1) - 1) / max(share, 1)  // accountings from the floor to zero
        let periods = (1 + climb).multipliedReportingOverflow(by: period)
        let others = UInt64(clampingNonNegative: max(vcpus, 1) - 1)
        let slices = others.multipliedReportingOverflow(by: configuration.timeslice.nanoseconds)
        // The others' boosts: (n - 1) 2P W / w, in whole nanoseconds rounded up.
        let held = (others * 2).multipliedReportingOverflow(by: period)
        let boosted = held.partialValue.multipliedFullWidth(by: max(totalWeight, weight))
        guard !periods.overflow, !slices.overflow, !held.overflow, boosted.high < max(weight, 1) else { return TimeSpan(nanoseconds: .max) }
        let (ahead, remainder) = max(weight, 1).dividingFullWidth(boosted)
        return TimeSpan(nanoseconds: periods.partialValue) + TimeSpan(nanoseconds: slices.partialValue)
            + TimeSpan(nanoseconds: ahead + (remainder > 0 ? 1 : 0))
    }
}
