// Demand of the task set in a window starting at a synchronous release.
// Both return nil when the exact value exceeds UInt64.max; such a demand is
// larger than any supply (sbf(t) <= t), so the tests treat nil as "fails".

enum DemandBound {
    /// EDF: dbf(t) = sum floor(t / p_i) * e_i (the job due exactly at t counts).
    static func edf(_ tasks: Span<AnalysisTask>, at t: UInt64) -> UInt64? {
        var total: UInt64 = 0
        for i in tasks.indices {
            let task = tasks[i]
            let (jobs, o1) = (t / task.period).multipliedReportingOverflow(by: task.execution)
            let (sum, o2) = total.addingReportingOverflow(jobs)
            if o1 || o2 { return nil }
            total = sum
        }
        return total
    }

    /// RM: rbf_i(t) = e_i + sum over higher-priority k of ceil(t / p_k) * e_k
    /// (a release at 0 counts, a release exactly at t does not).
    static func rm(_ tasks: Span<AnalysisTask>, task i: Int, at t: UInt64) -> UInt64? {
        var total = tasks[i].execution
        for k in tasks.indices where k != i && GuestPolicy.rmOutranks(k, i, in: tasks) {
            let pk = tasks[k].period
            let releases = t / pk + (t % pk == 0 ? 0 : 1)
            let (jobs, o1) = releases.multipliedReportingOverflow(by: tasks[k].execution)
            let (sum, o2) = total.addingReportingOverflow(jobs)
            if o1 || o2 { return nil }
            total = sum
        }
        return total
    }
}

extension InterfaceAnalysis {
    /// dbf(t) of a valid task set; throws `.arithmeticOverflow` if it exceeds 64 bits.
    public static func edfDemand(_ tasks: Span<AnalysisTask>, at t: UInt64) throws(AnalysisError) -> UInt64 {
        try AnalysisTask.validate(tasks)
        guard let demand = DemandBound.edf(tasks, at: t) else { throw .arithmeticOverflow }
        return demand
    }

    /// rbf_i(t) of task `task` (0-based) in a valid task set under RM.
    public static func rmDemand(_ tasks: Span<AnalysisTask>, task: Int, at t: UInt64) throws(AnalysisError) -> UInt64 {
        try AnalysisTask.validate(tasks)
        precondition(tasks.indices.contains(task), "task index out of range")
        guard let demand = DemandBound.rm(tasks, task: task, at: t) else { throw .arithmeticOverflow }
        return demand
    }
}
