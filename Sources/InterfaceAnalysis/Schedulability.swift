// The exact tests "the guest's tasks meet every deadline on any supply that
// Γ(Π, Θ) may deliver". All arithmetic is 64-bit integer, checked.
//
// Why the EDF horizon is the hyperperiod L (and not L + something for the
// blackout): dbf is additive over L, dbf(t + L) = dbf(t) + dbf(L), and sbf is
// superadditive, sbf(x + y) >= sbf(x) + sbf(y), because sbf(x + y) is the least
// supply of some window of length x + y, which splits into windows of lengths x
// and y. So if dbf <= sbf on (0, L], then for t > L by induction
// sbf(t) >= sbf(t - L) + sbf(L) >= dbf(t - L) + dbf(L) = dbf(t).
// This holds for every Π, harmonic or not, and needs no separate
// utilization test: U > Θ/Π already fails at t = L, because
// sbf(L) <= (Θ/Π)(L - B) < U*L = dbf(L). (The tests cross-check it against a
// horizon of lcm(L, Π) + Π.)

/// The compositional analysis: exact tests, minimal budgets, period choice.
public enum InterfaceAnalysis {}

extension InterfaceAnalysis {
    /// Whether `tasks` meet all deadlines under `policy` on every supply of `resource`.
    public static func isSchedulable(
        _ tasks: Span<AnalysisTask>, on resource: PeriodicResource, policy: GuestPolicy
    ) throws(AnalysisError) -> Bool {
        try AnalysisTask.validate(tasks)
        let prepared = try PreparedTaskSet(tasks, policy: policy)
        return prepared.isSchedulable(tasks, on: resource)
    }
}

/// A validated task set with its hyperperiod, so a search over budgets or
/// periods validates and counts check points once.
struct PreparedTaskSet {
    let policy: GuestPolicy
    /// LCM of the periods (1 for an empty set); only EDF uses it.
    let hyperperiod: UInt64

    init(_ tasks: Span<AnalysisTask>, policy: GuestPolicy) throws(AnalysisError) {
        self.policy = policy
        switch policy {
        case .edf:
            let l = try Hyperperiod.of(tasks)
            try Hyperperiod.checkEDFPointCount(tasks, hyperperiod: l)
            hyperperiod = l
        case .rm:
            try Hyperperiod.checkRMPointCount(tasks)
            hyperperiod = 0
        }
    }

    func isSchedulable(_ tasks: Span<AnalysisTask>, on resource: PeriodicResource) -> Bool {
        switch policy {
        case .edf: edfSchedulable(tasks, on: resource)
        case .rm: rmSchedulable(tasks, on: resource)
        }
    }

    /// dbf(t) <= sbf(t) at every step point of dbf in (0, L]. Between steps dbf is
    /// constant and sbf does not decrease, so the step points are enough. They are
    /// enumerated on the fly (next = least multiple of some p_i above t) rather
    /// than stored, so nothing is allocated.
    private func edfSchedulable(_ tasks: Span<AnalysisTask>, on resource: PeriodicResource) -> Bool {
        var t: UInt64 = 0
        while true {
            var next = UInt64.max
            for i in tasks.indices {
                let p = tasks[i].period
                next = min(next, (t / p + 1) * p)  // <= L + p_i, checked in Hyperperiod.of
            }
            if next > hyperperiod { return true }
            t = next
            guard let demand = DemandBound.edf(tasks, at: t), demand <= resource.supplyBound(at: t) else {
                return false
            }
        }
    }

    /// For every task i some t in {multiples of higher-priority periods below p_i}
    /// ∪ {p_i} has rbf_i(t) <= sbf(t). rbf_i is constant on (k*p_k, next multiple]
    /// and sbf does not decrease, so these right ends are the only points needed.
    private func rmSchedulable(_ tasks: Span<AnalysisTask>, on resource: PeriodicResource) -> Bool {
        for i in tasks.indices where !rmTaskSchedulable(tasks, task: i, on: resource) {
            return false
        }
        return true
    }

    private func rmTaskSchedulable(_ tasks: Span<AnalysisTask>, task i: Int, on resource: PeriodicResource) -> Bool {
        let deadline = tasks[i].period
        if fits(tasks, task: i, at: deadline, on: resource) { return true }
        for k in tasks.indices where k != i && GuestPolicy.rmOutranks(k, i, in: tasks) {
            let pk = tasks[k].period
            var t = pk
            while t < deadline {
                if fits(tasks, task: i, at: t, on: resource) { return true }
                let (after, overflow) = t.addingReportingOverflow(pk)
                if overflow { break }  // the next multiple is beyond p_i anyway
                t = after
            }
        }
        return false
    }

    @inline(__always)
    private func fits(_ tasks: Span<AnalysisTask>, task i: Int, at t: UInt64, on resource: PeriodicResource) -> Bool {
        guard let demand = DemandBound.rm(tasks, task: i, at: t) else { return false }
        return demand <= resource.supplyBound(at: t)
    }
}
