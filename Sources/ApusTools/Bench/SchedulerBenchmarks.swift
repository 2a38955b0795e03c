import HypervisorCore

// Cost of one scheduling decision: `charge(now)` then `decide(now)`, the pair the
// hypervisor's timer interrupt runs. The loop is the hypervisor's: every VCPU is CPU-bound
// (never blocks), and the next call happens exactly at the decision's `until`, so time
// advances through budget exhaustions, period releases, slack quanta (SEDF) and ticks,
// accountings and timeslices (credit) as it would on the board.
//
// Each case is built twice: with a table of exactly N slots (a configuration-sized build)
// and with 64 slots holding N VCPUs (one build for every configuration). The second shows
// what unused slots cost (with heap queues, little: only membership changes scan the table).

public struct SchedulerBenchCase: Equatable, Sendable {
    public enum Policy: String, Sendable, CaseIterable { case sedf, credit }
    public var policy: Policy
    public var vcpus: Int
    public var capacity: Int

    /// The capacities the bench can instantiate (value generics need literal sizes).
    public static let capacities = [1, 4, 16, 64]

    public static func standardCases() -> [SchedulerBenchCase] {
        Policy.allCases.flatMap { policy in
            capacities.map { SchedulerBenchCase(policy: policy, vcpus: $0, capacity: $0) }
                + capacities.dropLast().map { SchedulerBenchCase(policy: policy, vcpus: $0, capacity: 64) }
        }
    }
}

public struct BenchSetupError: Error, CustomStringConvertible {
    public var description: String
}

public enum SchedulerBenchmarks {
    public static func run(_ benchCase: SchedulerBenchCase, harness: BenchHarness) throws -> SchedulerBenchResult {
        switch (benchCase.policy, benchCase.capacity) {
        case (.sedf, 1): return try time(SEDFScheduler<1>(), benchCase, harness)
        case (.sedf, 4): return try time(SEDFScheduler<4>(), benchCase, harness)
        case (.sedf, 16): return try time(SEDFScheduler<16>(), benchCase, harness)
        case (.sedf, 64): return try time(SEDFScheduler<64>(), benchCase, harness)
        case (.credit, 1): return try time(CreditScheduler<1>(), benchCase, harness)
        case (.credit, 4): return try time(CreditScheduler<4>(), benchCase, harness)
        case (.credit, 16): return try time(CreditScheduler<16>(), benchCase, harness)
        case (.credit, 64): return try time(CreditScheduler<64>(), benchCase, harness)
        default:
            throw BenchSetupError(description: "no \(benchCase.policy) build with capacity \(benchCase.capacity)"
                                  + " (available: \(SchedulerBenchCase.capacities))")
        }
    }

    private static func time<S: VCPUScheduler>(_ empty: S, _ benchCase: SchedulerBenchCase,
                                               _ harness: BenchHarness) throws -> SchedulerBenchResult
    where S.Parameters: BenchVCPUParameters {
        var loop = DecisionLoop(scheduler: empty)
        for i in 0..<benchCase.vcpus {
            do {
                try loop.scheduler.insert(VCPUID(UInt32(i)), parameters: S.Parameters.forBench(vcpu: i, of: benchCase.vcpus),
                                          now: .zero)
            } catch {
                throw BenchSetupError(description: "\(benchCase.policy) setup of vcpu \(i): \(error.reason)")
            }
        }
        let timing = harness.measure { loop.run($0) }
        let seconds = Double(loop.now.nanoseconds) / 1e9
        return SchedulerBenchResult(benchCase: benchCase, timing: timing,
                                    decisionsPerSecond: seconds > 0 ? Double(loop.operations) / seconds : 0)
    }
}

/// The timer-driven loop: charge, decide, sleep until the decision's `until`.
struct DecisionLoop<S: VCPUScheduler> {
    var scheduler: S
    var now = Instant.zero
    /// Decisions taken so far, over all runs (with `now`, the decision rate).
    var operations = 0

    mutating func run(_ operations: Int) -> UInt64 {
        // Work on locals: no exclusivity checks or write-backs inside the timed loop.
        var scheduler = self.scheduler
        var now = self.now
        var checksum: UInt64 = 0
        for _ in 0..<operations {
            scheduler.charge(now: now)
            let decision = scheduler.decide(now: now)
            checksum &+= UInt64(decision.vcpu?.rawValue ?? 0xFFFF) &+ UInt64(decision.reason.rawValue)
            // `never` (nothing pending) cannot happen with CPU-bound VCPUs; step on anyway.
            now = decision.until == .never ? now + .milliseconds(1)
                : max(decision.until, now + TimeSpan(nanoseconds: 1))
        }
        self.scheduler = scheduler
        self.now = now
        self.operations += operations
        return checksum
    }
}

/// A mix of parameters typical of a configuration with `count` VCPUs.
protocol BenchVCPUParameters {
    static func forBench(vcpu index: Int, of count: Int) -> Self
}

extension SEDFParameters: BenchVCPUParameters {
    /// Periods 2...6 ms, together reserving 90 % of the CPU; every other VCPU takes slack,
    /// so the remaining 10 % exercises the slack path too.
    static func forBench(vcpu index: Int, of count: Int) -> SEDFParameters {
        let period = TimeSpan.milliseconds(UInt64(2 + index % 5))
        let slice = TimeSpan(nanoseconds: period.nanoseconds * 9 / (10 * UInt64(count)))
        return SEDFParameters(period: period, slice: slice, extratime: index % 2 == 1)
    }
}

extension CreditParameters: BenchVCPUParameters {
    /// Weights 128, 256 and 512; every fourth VCPU capped at 50 % so parking happens too.
    static func forBench(vcpu index: Int, of count: Int) -> CreditParameters {
        CreditParameters(weight: 128 << UInt32(index % 3), cap: index % 4 == 3 ? 50 : 0)
    }
}
