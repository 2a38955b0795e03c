// Runs a task set on the worst-case supply of Γ(Π, Θ): nothing for 2(Π - Θ),
// then Θ, a gap of Π - Θ, Θ, ... with every task released at 0. Over [0, t]
// this pattern supplies exactly sbf(t), so it is the schedule the exact tests
// reason about: an interface the analysis accepts meets every deadline here,
// and one unit less of budget makes some job miss (the property tests check
// both). Event-driven and exact in integers; host-only (it keeps arrays).
import HypervisorCore
import InterfaceAnalysis

/// A job that was unfinished at its deadline (it is then dropped).
public struct SupplySimulationMiss: Equatable, Sendable {
    public var task: Int
    public var release: UInt64
    public var deadline: UInt64
    /// Work the job still needed at its deadline.
    public var remaining: UInt64

    public init(task: Int, release: UInt64, deadline: UInt64, remaining: UInt64) {
        self.task = task
        self.release = release
        self.deadline = deadline
        self.remaining = remaining
    }
}

public enum WorstCaseSupplySimulation {
    /// The misses of all jobs with deadlines up to `horizon` (empty: all met).
    /// EDF breaks deadline ties and RM breaks period ties by task index, like the analysis.
    public static func misses(
        _ tasks: [AnalysisTask], on resource: PeriodicResource, policy: GuestPolicy, horizon: UInt64
    ) -> [SupplySimulationMiss] {
        var remaining = [UInt64](repeating: 0, count: tasks.count)
        var deadline = [UInt64](repeating: 0, count: tasks.count)  // = next release (implicit deadlines)
        var misses: [SupplySimulationMiss] = []
        var now: UInt64 = 0
        while true {
            for i in tasks.indices where deadline[i] == now {
                if remaining[i] > 0 {
                    misses.append(SupplySimulationMiss(task: i, release: now - tasks[i].period, deadline: now, remaining: remaining[i]))
                }
                // Release the next job, unless its deadline would lie beyond the horizon.
                let (next, overflow) = now.addingReportingOverflow(tasks[i].period)
                if now < horizon && !overflow {
                    remaining[i] = tasks[i].execution
                    deadline[i] = next
                } else {
                    remaining[i] = 0
                    deadline[i] = .max
                }
            }
            if now >= horizon { return misses }
            let nextRelease = min(deadline.min() ?? .max, horizon)
            let supply = supplyState(of: resource, at: now)
            let segmentEnd = min(supply.until, nextRelease)
            guard supply.supplying, let job = pick(tasks, remaining: remaining, deadline: deadline, policy: policy) else {
                now = segmentEnd
                continue
            }
            let run = min(remaining[job], segmentEnd - now)
            remaining[job] -= run
            now += run
        }
    }

    /// Whether the worst-case pattern supplies at `t`, and until when that stays so (> t).
    static func supplyState(of resource: PeriodicResource, at t: UInt64) -> (supplying: Bool, until: UInt64) {
        if resource.budget == 0 { return (false, .max) }
        let start = saturatingSum(resource.blackout, resource.blackout)  // the first supply begins after 2B
        if t < start { return (false, start) }
        let phase = (t - start) % resource.period
        let periodStart = t - phase
        if phase < resource.budget { return (true, saturatingSum(periodStart, resource.budget)) }
        return (false, saturatingSum(periodStart, resource.period))
    }

    private static func saturatingSum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    private static func pick(_ tasks: [AnalysisTask], remaining: [UInt64], deadline: [UInt64], policy: GuestPolicy) -> Int? {
        var best: Int? = nil
        for i in tasks.indices where remaining[i] > 0 {
            guard let b = best else { best = i; continue }
            let better = switch policy {
            case .edf: deadline[i] < deadline[b]
            case .rm: tasks[i].period < tasks[b].period
            }
            if better { best = i }  // strict: on ties the lower index (found first) stays
        }
        return best
    }
}
