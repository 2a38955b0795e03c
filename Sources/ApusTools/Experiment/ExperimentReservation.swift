import HypervisorCore
import InterfaceAnalysis

// The RT Linux VM's reservation for the experiment (docs/EXPERIMENT.md, "The interface"):
// its workload is one task, a cyclictest wake-up every `interval` needing `wakeup` of CPU
// (both in µs). For every period Π in `minimumPeriod...interval`, `apus interface`'s
// analysis gives the least budget Θ (EDF); Apus refuses slices below its scheduling
// minimum (docs/CONFIG.md), so a smaller budget is raised to reach it (more budget never
// lowers the supply bound). Only a slice the other VMs leave room for counts (the
// admission Apus itself applies, ExperimentAdmission). The cheapest (Θ + overhead)/Π
// wins, ties to the longer period, as in `apus interface --period-range`.
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
        /// An interface serves the wake-up, but none the other VMs leave room for.
        case notAdmitted(String)

        public var description: String {
            switch self {
            case .badInput(let reason), .unschedulable(let reason), .notAdmitted(let reason): reason
            }
        }
    }

    /// `admission`: the cell the reservation must fit in (nil: any slice up to the period).
    public static func compute(interval: UInt64, wakeup: UInt64, overhead: UInt64, minimumPeriod: UInt64,
                               minimumSlice: UInt64, admission: ExperimentAdmission? = nil) throws(Problem) -> ExperimentReservation {
        guard interval > 0, wakeup > 0, wakeup <= interval else {
            throw .badInput("the wake-up (\(wakeup) us) must be between 1 us and the interval (\(interval) us)")
        }
        guard minimumPeriod > 0, minimumPeriod <= interval else {
            throw .badInput("the least period (\(minimumPeriod) us) must be between 1 us and the interval (\(interval) us)")
        }
        let task = AnalysisTask(period: interval, execution: wakeup)
        let floorBudget = minimumSlice > overhead ? minimumSlice - overhead : 0
        // The cheapest interface Apus admits in the cell, and the cheapest at all (for the refusal).
        var best: ExperimentReservation?, cheapest: ExperimentReservation?
        for period in minimumPeriod...interval {
            let least: UInt64?
            do {
                least = try InterfaceAnalysis.minimalBudget(for: [task], period: period, policy: .edf)
            } catch {
                throw .unschedulable("the analysis failed at period \(period) us: \(error)")
            }
            guard let least else { continue }
            let budget = max(least, floorBudget)
            guard budget + overhead <= period else { continue }
            let candidate = ExperimentReservation(period: period, budget: budget, analysedBudget: least, overhead: overhead)
            if candidate.isCheaper(than: cheapest) { cheapest = candidate }
            if candidate.isCheaper(than: best), admission?.admits(period: period, slice: candidate.slice) ?? true { best = candidate }
        }
        guard let cheapest else {
            throw .unschedulable("no period in \(minimumPeriod)...\(interval) us serves \(wakeup) us every \(interval) us with \(overhead) us overhead and a slice of at least \(minimumSlice) us")
        }
        guard let best else {
            let left = admission.map { max(0, 1 - $0.othersReserved) } ?? 1
            let refusal = admission?.refusal(period: cheapest.period, slice: cheapest.slice)
                .map { reason in " (Apus: \(StringSink.render { reason.write(to: &$0, fdt: nil) }))" } ?? ""
            throw .notAdmitted("no interface for a wake-up of \(wakeup) us every \(interval) us fits beside the other VMs: "
                + "they reserve \(percent(1 - left)) of the CPU, leaving \(percent(left)); the cheapest interface would have "
                + "needed Γ(\(cheapest.period) us, \(cheapest.budget) us), a slice of \(cheapest.slice) us every \(cheapest.period) us "
                + "(\(percent(Double(cheapest.slice) / Double(cheapest.period))))\(refusal)")
        }
        return best
    }

    /// Least slice/period; ties go to the longer period (fewer switches), as apus interface does.
    func isCheaper(than other: ExperimentReservation?) -> Bool {
        guard let other else { return true }
        return slice * other.period <= other.slice * period
    }

    /// The bound for a wake-up of `wakeupNanoseconds` plus `hypervisorNanoseconds`.
    public func bound(wakeupNanoseconds: UInt64, hypervisorNanoseconds: UInt64) -> LatencyBound {
        LatencyBound(period: period * 1000, budget: budget * 1000, wakeup: wakeupNanoseconds, hypervisor: hypervisorNanoseconds)
    }
}

private func percent(_ fraction: Double) -> String {
    let tenths = Int((fraction * 1000).rounded())
    return "\(tenths / 10).\(tenths % 10) %"
}
