// Shin & Lee's periodic resource Γ(Π, Θ): Θ units of CPU in every aligned
// window of Π. Its worst case for the guest is no supply for 2(Π - Θ), then Θ,
// a gap of Π - Θ, Θ, ... (docs/SCHEDULING.md §4); sbf is the supply of that pattern.

/// A periodic resource Γ(period, budget), 0 <= budget <= period, period > 0.
public struct PeriodicResource: Equatable, Hashable, Sendable {
    /// Π: the replenishment period.
    public var period: UInt64
    /// Θ: the guaranteed supply in every period.
    public var budget: UInt64

    /// Checks the invariant; the analysis works only on valid resources.
    public init(period: UInt64, budget: UInt64) throws(AnalysisError) {
        if period == 0 { throw .zeroResourcePeriod }
        if budget > period { throw .budgetExceedsPeriod }
        self.period = period
        self.budget = budget
    }

    /// For values already known to be valid (0 < period, budget <= period).
    @inline(__always)
    init(validPeriod period: UInt64, budget: UInt64) {
        self.period = period
        self.budget = budget
    }

    /// B = Π - Θ: the longest gap inside one period; the worst gap is 2B.
    @inline(__always)
    public var blackout: UInt64 { period - budget }

    /// sbf(t), the least supply in any window of length t, exactly:
    /// 0 for t <= B, else n*Θ + max(0, t - 2B - n*Π) with n = floor((t - B) / Π).
    /// Never overflows: every intermediate is at most t.
    public func supplyBound(at t: UInt64) -> UInt64 {
        let b = blackout
        if t <= b { return 0 }
        let n = (t - b) / period
        // t - n*Π lies in [B, B + Π); the partial period supplies its excess over 2B.
        let intoPeriod = t - n * period
        let partial = intoPeriod - b > b ? intoPeriod - b - b : 0
        return n * budget + partial
    }

    /// floor(lsbf(t)) with lsbf(t) = (Θ/Π) * (t - 2B), clamped at 0: the linear
    /// lower bound of sbf. The floor loses nothing when comparing with integers:
    /// d <= lsbf(t) exactly when d <= floor(lsbf(t)).
    public func linearSupplyBoundFloor(at t: UInt64) -> UInt64 {
        let b = blackout
        if t <= b || t - b <= b { return 0 }
        let product = budget.multipliedFullWidth(by: t - b - b)
        // Θ <= Π, so the quotient is at most t - 2B and fits.
        return period.dividingFullWidth(product).quotient
    }
}
