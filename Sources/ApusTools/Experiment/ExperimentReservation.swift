import HypervisorCore
import InterfaceAnalysis

// The RT Linux VM's reservation for the experiment (docs/EXPERIMENT.md, "The interface"):
// its workload is one task, a cyclictest wake-up every `interval` needing `wakeup` of CPU
// (both in µs); `apus interface`'s analysis picks the cheapest Γ(Π, Θ) in
// `minimumPeriod...interval` with `overhead` per period. Apus refuses slices below its
// scheduling minimum (docs/CONFIG.md): when the analysis's slice is smaller, the budget
// is raised to reach it at the same period (more budget never lowers the supply bound).
// Credit-weighted cells give the VM the weight that buys the same share.

public struct ExperimentReservation: Equatable, Sendable {
    /// Π and Θ in µs: the interface the bound is computed from.
    public var period: UInt64
    public var budget: UInt64
    /// What the analysis alone chose (before the raise to the minimum slice), in µs.
    public var analysedBudget: UInt64
    /// The per-period overhead added to the budget, in µs.
    public var overhead: UInt64
    /// The SEDF slice, budget + overhead, in µs.
    public var slice: UInt64 { budget + overhead }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case badInput(String)
        case unschedulable(String)

        public var description: String {
            switch self {
            case .badInput(let reason), .unschedulable(let reason): reason
            }
        }
    }

    public static func compute(interval: UInt64, wakeup: UInt64, overhead: UInt64, minimumPeriod: UInt64,
                               minimumSlice: UInt64) throws(Problem) -> ExperimentReservation {
        guard interval > 0, wakeup > 0, wakeup <= interval else {
            throw .badInput("the wake-up (\(wakeup) us) must be between 1 us and the interval (\(interval) us)")
        }
        guard minimumPeriod > 0, minimumPeriod <= interval else {
            throw .badInput("the least period (\(minimumPeriod) us) must be between 1 us and the interval (\(interval) us)")
        }
        let task = AnalysisTask(period: interval, execution: wakeup)
        let found: ComponentInterface?
        do {
            found = try InterfaceAnalysis.bestInterface(for: [task], periods: minimumPeriod...interval, overhead: overhead, policy: .edf)
        } catch {
            throw .unschedulable("the analysis failed: \(error)")
        }
        guard let found else {
            throw .unschedulable("no period in \(minimumPeriod)...\(interval) us serves \(wakeup) us every \(interval) us with \(overhead) us overhead")
        }
        let budget = max(found.budget, minimumSlice > overhead ? minimumSlice - overhead : 0)
        guard budget + overhead <= found.period else {
            throw .unschedulable("the minimum slice \(minimumSlice) us does not fit the period \(found.period) us")
        }
        return ExperimentReservation(period: found.period, budget: budget, analysedBudget: found.budget, overhead: overhead)
    }

    /// The bound for a wake-up of `wakeupNanoseconds` plus `hypervisorNanoseconds`.
    public func bound(wakeupNanoseconds: UInt64, hypervisorNanoseconds: UInt64) -> LatencyBound {
        LatencyBound(period: period * 1000, budget: budget * 1000, wakeup: wakeupNanoseconds, hypervisor: hypervisorNanoseconds)
    }
}
