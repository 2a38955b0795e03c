// The least budget Θ that makes a task set schedulable for a given period Π.
//
// Schedulability is monotone in Θ: in the worst-case pattern of Γ(Π, Θ + 1)
// the k-th supply interval starts two units earlier and lasts one unit longer
// than that of Γ(Π, Θ), so sbf never decreases when Θ grows, and the demand
// does not depend on Θ. So a binary search over 0...Π finds the least Θ.

extension InterfaceAnalysis {
    /// The least Θ in 0...period with `tasks` schedulable under `policy` on
    /// Γ(period, Θ); nil when even Θ = period (a whole CPU) is not enough
    /// (EDF: utilization > 1; RM: not RM-schedulable even alone).
    public static func minimalBudget(
        for tasks: Span<AnalysisTask>, period: UInt64, policy: GuestPolicy
    ) throws(AnalysisError) -> UInt64? {
        if period == 0 { throw .zeroResourcePeriod }
        try AnalysisTask.validate(tasks)
        let prepared = try PreparedTaskSet(tasks, policy: policy)
        return prepared.minimalBudget(tasks, period: period)
    }
}

extension PreparedTaskSet {
    /// The least schedulable budget that is at most `limit` (<= period), or nil.
    /// One failed test at `limit` rules out every smaller budget (monotonicity),
    /// which lets the period search discard most periods with a single test.
    func minimalBudget(_ tasks: Span<AnalysisTask>, period: UInt64, atMost limit: UInt64? = nil) -> UInt64? {
        let ceiling = min(limit ?? period, period)
        if !isSchedulable(tasks, on: PeriodicResource(validPeriod: period, budget: ceiling)) { return nil }
        // Invariant: `high` is schedulable; every budget below `low` is not.
        var low: UInt64 = 0
        var high = ceiling
        while low < high {
            let middle = low + (high - low) / 2
            if isSchedulable(tasks, on: PeriodicResource(validPeriod: period, budget: middle)) {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return high
    }
}
