import InterfaceAnalysis

// The analysis bound printed beside every SEDF measurement (docs/EXPERIMENT.md, "The bound").
//
// The RT VM's reservation is a periodic resource Γ(Π, Θ): at least sbf(t) of CPU in any
// window of length t (docs/SCHEDULING.md §4). A cyclictest wake-up needs `wakeup` of
// that VM's CPU (measured when it had the CPU whenever it wanted it: the calibration run's
// largest cyclictest latency) plus `hypervisor`, the work a loaded system adds to it
// (a VM switch and a scheduling decision). It is therefore done at the latest at the
// first t with sbf(t) ≥ wakeup + hypervisor, the inverse of sbf:
//
//   x = k·Θ + r with k = ⌈x/Θ⌉ − 1 and 0 < r ≤ Θ:   t = 2(Π − Θ) + k·Π + r
//
// which for x ≤ Θ is the familiar 2(Π − Θ) + x: the worst blackout, then the work.

public struct LatencyBound: Equatable, Sendable {
    /// The RT VM's interface Γ(period, budget), in nanoseconds.
    public var period: UInt64
    public var budget: UInt64
    /// CPU one wake-up needs, measured with no competition, in nanoseconds.
    public var wakeup: UInt64
    /// What the hypervisor adds to a wake-up in a loaded system, in nanoseconds.
    public var hypervisor: UInt64

    public init(period: UInt64, budget: UInt64, wakeup: UInt64, hypervisor: UInt64) {
        self.period = period
        self.budget = budget
        self.wakeup = wakeup
        self.hypervisor = hypervisor
    }

    public enum Problem: Error, Equatable { case noBudget, budgetAbovePeriod }

    /// The latest the wake-up completes after its timer expired, in nanoseconds.
    public func nanoseconds() throws(Problem) -> UInt64 {
        guard budget > 0 else { throw .noBudget }
        guard budget <= period else { throw .budgetAbovePeriod }
        return Self.inverseSupply(wakeup + hypervisor, period: period, budget: budget)
    }

    /// The bound in whole microseconds, rounded up (cyclictest reports whole microseconds).
    public func microseconds() throws(Problem) -> UInt64 {
        (try nanoseconds() + 999) / 1000
    }

    /// The least t with sbf(t) ≥ demand for Γ(period, budget); 0 for no demand.
    public static func inverseSupply(_ demand: UInt64, period: UInt64, budget: UInt64) -> UInt64 {
        guard demand > 0 else { return 0 }
        let fullPeriods = (demand + budget - 1) / budget - 1
        let rest = demand - fullPeriods * budget
        return 2 * (period - budget) + fullPeriods * period + rest
    }

    /// The formula with this bound's numbers, for reports.
    public var formula: String {
        "2(\(period / 1000) - \(budget / 1000)) us + \(wakeup) ns + \(hypervisor) ns"
    }
}

/// The credit weight that gives the RT VM the CPU share SEDF reserves for it: with the
/// other VMs' weights W, a weight w gets w / (w + W) of the CPU when all are busy, so
/// w = share · W / (1 − share), rounded to the nearest whole weight within 1...65535.
public enum CreditWeight {
    public static func matching(slice: UInt64, period: UInt64, otherWeights: [UInt64]) -> UInt64? {
        guard period > 0, slice < period else { return nil }
        let others = otherWeights.reduce(0, +)
        // w = slice·W / (period − slice), rounded to nearest.
        let denominator = period - slice
        let weight = (2 * slice * others + denominator) / (2 * denominator)
        return min(max(weight, 1), 65535)
    }
}
