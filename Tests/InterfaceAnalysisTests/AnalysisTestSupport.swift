// Helpers for the analysis tests: a seeded PRNG, random task sets, and
// brute-force oracles that share no code with the analysis under test.
import HypervisorCore
import InterfaceAnalysis
import TestSupport

extension SplitMix64 {
    /// 1...maxTasks tasks with periods in 2...maxPeriod, each execution at most
    /// its share so that some sets are schedulable and some are not.
    mutating func taskSet(maxTasks: UInt64, maxPeriod: UInt64) -> [AnalysisTask] {
        let count = next(in: 1...maxTasks)
        return (0..<count).map { _ in
            let period = next(in: 2...maxPeriod)
            let execution = next(in: 1...max(1, period * 2 / (count + 1)))
            return AnalysisTask(period: period, execution: execution)
        }
    }
}

/// Oracles computed the slow, obvious way.
enum AnalysisBruteForce {
    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 { b == 0 ? a : gcd(b, a % b) }
    static func lcm(_ a: UInt64, _ b: UInt64) -> UInt64 { a / gcd(a, b) * b }
    static func hyperperiod(_ tasks: [AnalysisTask]) -> UInt64 { tasks.reduce(1) { lcm($0, $1.period) } }

    /// Supply of the worst-case pattern in [0, t): nothing for 2(Π-Θ), then Θ,
    /// a gap of Π-Θ, Θ, ... counted unit by unit.
    static func worstCaseSupply(period: UInt64, budget: UInt64, until t: UInt64) -> UInt64 {
        let blackout = 2 * (period - budget)
        var supplied: UInt64 = 0
        var unit: UInt64 = 0
        while unit < t {
            if unit >= blackout && (unit - blackout) % period < budget { supplied += 1 }
            unit += 1
        }
        return supplied
    }

    /// EDF demand: units of every job released at k*p with deadline (k+1)*p <= t.
    static func edfDemand(_ tasks: [AnalysisTask], until t: UInt64) -> UInt64 {
        var demand: UInt64 = 0
        for task in tasks {
            var deadline = task.period
            while deadline <= t { demand += task.execution; deadline += task.period }
        }
        return demand
    }

    /// RM demand of task i and its higher-priority tasks released in [0, t).
    static func rmDemand(_ tasks: [AnalysisTask], task i: Int, until t: UInt64) -> UInt64 {
        var demand = tasks[i].execution
        for (k, task) in tasks.enumerated() where k != i {
            let higher = task.period < tasks[i].period || (task.period == tasks[i].period && k < i)
            guard higher else { continue }
            var release: UInt64 = 0
            while release < t { demand += task.execution; release += task.period }
        }
        return demand
    }

    /// EDF: demand <= supply at EVERY integer t up to `horizon`.
    static func edfSchedulable(_ tasks: [AnalysisTask], period: UInt64, budget: UInt64, horizon: UInt64) -> Bool {
        (1...horizon).allSatisfy {
            edfDemand(tasks, until: $0) <= worstCaseSupply(period: period, budget: budget, until: $0)
        }
    }

    /// RM: every task has SOME integer t in 1...p_i with demand <= supply.
    static func rmSchedulable(_ tasks: [AnalysisTask], period: UInt64, budget: UInt64) -> Bool {
        tasks.indices.allSatisfy { i in
            (1...tasks[i].period).contains {
                rmDemand(tasks, task: i, until: $0) <= worstCaseSupply(period: period, budget: budget, until: $0)
            }
        }
    }
}

/// Array-taking shorthands for the Span-taking API.
enum AnalysisCall {
    static func minimalBudget(_ tasks: [AnalysisTask], period: UInt64, _ policy: GuestPolicy) throws(AnalysisError) -> UInt64? {
        try InterfaceAnalysis.minimalBudget(for: tasks.span, period: period, policy: policy)
    }

    static func schedulable(_ tasks: [AnalysisTask], period: UInt64, budget: UInt64, _ policy: GuestPolicy) throws(AnalysisError) -> Bool {
        try InterfaceAnalysis.isSchedulable(tasks.span, on: PeriodicResource(period: period, budget: budget), policy: policy)
    }

    static func edfDemand(_ tasks: [AnalysisTask], at t: UInt64) throws(AnalysisError) -> UInt64 {
        try InterfaceAnalysis.edfDemand(tasks.span, at: t)
    }

    static func rmDemand(_ tasks: [AnalysisTask], task: Int, at t: UInt64) throws(AnalysisError) -> UInt64 {
        try InterfaceAnalysis.rmDemand(tasks.span, task: task, at: t)
    }

    static func best(_ tasks: [AnalysisTask], periods: ClosedRange<UInt64>, overhead: UInt64 = 0, _ policy: GuestPolicy) throws(AnalysisError) -> ComponentInterface? {
        try InterfaceAnalysis.bestInterface(for: tasks.span, periods: periods, overhead: overhead, policy: policy)
    }
}

/// `(period, execution)` pairs as tasks.
func taskList(_ pairs: (UInt64, UInt64)...) -> [AnalysisTask] {
    pairs.map { AnalysisTask(period: $0.0, execution: $0.1) }
}

func gamma(_ period: UInt64, _ budget: UInt64) -> PeriodicResource {
    try! PeriodicResource(period: period, budget: budget)
}
