// The scheduler the guest runs inside its interface.

public enum GuestPolicy: Equatable, Hashable, Sendable {
    /// Earliest deadline first (dynamic priorities).
    case edf
    /// Rate monotonic: shorter period = higher priority; equal periods are
    /// ordered by task index (the earlier task wins), as the guest must do too.
    case rm
}

extension GuestPolicy {
    /// Whether task `k` has higher RM priority than task `i` (k != i).
    @inline(__always)
    static func rmOutranks(_ k: Int, _ i: Int, in tasks: Span<AnalysisTask>) -> Bool {
        let pk = tasks[k].period
        let pi = tasks[i].period
        return pk < pi || (pk == pi && k < i)
    }
}
