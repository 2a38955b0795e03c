// Choosing Π: every period of a range is tried and the one with the least
// reserved bandwidth (Θ + overhead) / Π wins, compared exactly in integers.
// Ties go to the LONGER period: the same bandwidth with fewer context
// switches and timer interrupts, and less exposure to timer lateness, which
// is charged per period (docs/SCHEDULING.md §5.4).

extension InterfaceAnalysis {
    /// The cheapest interface with a period in `periods` (period >= 1), or nil
    /// when no period in the range has a budget with budget + overhead <= period.
    /// At most `AnalysisLimits.maxCandidatePeriods` periods may be tried.
    public static func bestInterface(
        for tasks: Span<AnalysisTask>, periods: ClosedRange<UInt64>, overhead: UInt64, policy: GuestPolicy
    ) throws(AnalysisError) -> ComponentInterface? {
        if periods.lowerBound == 0 { throw .zeroResourcePeriod }
        if periods.upperBound - periods.lowerBound >= AnalysisLimits.maxCandidatePeriods {
            throw .tooManyCandidatePeriods
        }
        try AnalysisTask.validate(tasks)
        let prepared = try PreparedTaskSet(tasks, policy: policy)
        var best: ComponentInterface? = nil
        for period in periods {
            // Only budgets that would cost no more than the best so far can matter.
            var limit = period
            if let current = best {
                guard let affordable = current.affordableBudget(at: period) else { continue }
                limit = affordable
            }
            guard let budget = prepared.minimalBudget(tasks, period: period, atMost: limit) else { continue }
            // A slice above the period cannot be reserved on one CPU: skip the period.
            let (slice, overflow) = budget.addingReportingOverflow(overhead)
            if overflow || slice > period { continue }
            let candidate = ComponentInterface(
                validResource: PeriodicResource(validPeriod: period, budget: budget), overhead: overhead)
            // Ascending periods: replacing on "not more expensive" keeps the longest tie.
            if let current = best, current.costsLess(than: candidate) { continue }
            best = candidate
        }
        return best
    }
}

extension ComponentInterface {
    /// The largest budget Θ at `period` with (Θ + overhead) / period <= slice / self.period,
    /// capped at `period`; nil when even Θ = 0 costs more. Exact: floor of a 128-bit quotient.
    func affordableBudget(at period: UInt64) -> UInt64? {
        // slice <= self.period, so the quotient is at most `period` and fits.
        let slices = self.period.dividingFullWidth(slice.multipliedFullWidth(by: period)).quotient
        if slices < overhead { return nil }
        return min(slices - overhead, period)
    }

    /// For values already checked: budget + overhead <= period.
    @inline(__always)
    init(validResource resource: PeriodicResource, overhead: UInt64) {
        self.resource = resource
        self.overhead = overhead
    }
}
