import HypervisorCore
import InterfaceAnalysis

// Cost of the compositional analysis for a realistic 10-task guest: the least budget for
// one period (a binary search of exact tests) and the cheapest period over a range (that
// search for every candidate period). Times are in microseconds, as a configuration would
// give them; the periods are harmonic enough for a 200 ms hyperperiod.

public enum AnalysisBenchmarks {
    /// Ten tasks (period, execution) in us, utilisation 0.545.
    static let tasks: [AnalysisTask] = [
        (5_000, 250), (10_000, 500), (10_000, 800), (20_000, 1_000), (20_000, 1_500),
        (25_000, 1_000), (40_000, 2_000), (50_000, 2_500), (50_000, 3_000), (100_000, 5_000),
    ].map { AnalysisTask(period: $0.0, execution: $0.1) }

    static let budgetPeriod: UInt64 = 2_500
    static let periodRange: ClosedRange<UInt64> = 500...5_000
    /// Per-period cost added to the slice (two world switches plus timer lateness), in us.
    static let overhead: UInt64 = 20

    public static func run(harness: BenchHarness, progress: (String) -> Void) throws -> [AnalysisBenchResult] {
        var results: [AnalysisBenchResult] = []
        for policy in [GuestPolicy.edf, .rm] {
            let name = policy == .edf ? "EDF" : "RM"
            progress("analysis: minimal budget, \(name)")
            let budget = try minimalBudget(policy)
            results.append(AnalysisBenchResult(
                name: "minimal budget, \(name), period \(budgetPeriod) us -> \(budget) us",
                tasks: tasks.count,
                timing: harness.measure { count in
                    var sum: UInt64 = 0
                    for _ in 0..<count { sum &+= (try? minimalBudget(policy)) ?? 0 }
                    return sum
                }))

            progress("analysis: best period, \(name)")
            let best = try bestInterface(policy)
            results.append(AnalysisBenchResult(
                name: "best period, \(name), \(periodRange.lowerBound)...\(periodRange.upperBound) us"
                    + " -> (\(best.period), \(best.budget)) + \(overhead) us",
                tasks: tasks.count,
                timing: harness.measure { count in
                    var sum: UInt64 = 0
                    for _ in 0..<count { sum &+= (try? bestInterface(policy))?.budget ?? 0 }
                    return sum
                }))
        }
        return results
    }

    private static func minimalBudget(_ policy: GuestPolicy) throws -> UInt64 {
        do {
            guard let budget = try InterfaceAnalysis.minimalBudget(for: tasks.span, period: budgetPeriod, policy: policy)
            else { throw BenchSetupError(description: "analysis: the bench task set has no budget for \(budgetPeriod) us") }
            return budget
        } catch let error as AnalysisError {
            throw BenchSetupError(description: "analysis: \(error.reason)")
        }
    }

    private static func bestInterface(_ policy: GuestPolicy) throws -> ComponentInterface {
        do {
            guard let best = try InterfaceAnalysis.bestInterface(for: tasks.span, periods: periodRange,
                                                                 overhead: overhead, policy: policy)
            else { throw BenchSetupError(description: "analysis: the bench task set has no interface in \(periodRange)") }
            return best
        } catch let error as AnalysisError {
            throw BenchSetupError(description: "analysis: \(error.reason)")
        }
    }
}
