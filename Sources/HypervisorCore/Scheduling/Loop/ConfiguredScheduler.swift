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
    /// SEDF: two periods. A runnable VCPU gets its slice in every period,
    /// so two consecutive runs are at most 2 (period - slice) apart, and any
    /// two periods contain one whole period of its reservation.
    /// Credit: two accounting periods (a capped VCPU is parked for at most the
    /// rest of one) plus one time slice for every other VCPU ahead of it in
    /// the round robin.
    public func progressWindow(for parameters: PolicyParameters, vcpus: Int) -> TimeSpan {
        switch parameters {
        case .sedf(let p):
            return p.period + p.period
        case .credit:
            var window = credit.configuration.accountingPeriod + credit.configuration.accountingPeriod
            for _ in 1..<max(vcpus, 1) { window += credit.configuration.timeslice }
            return window
        }
    }
}
