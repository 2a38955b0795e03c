// What a cell puts into the template (Tests/Experiment/cell-template.dts): the scheduler,
// the RT VM's SEDF reservation and credit weight, and the general-purpose Linux's load;
// the template's `/* if rt_io=... */` blocks choose the RT VM's disk path, `/* if cpus=2 */`
// the SMP cell's CPU assignment, `/* if trace=on */` the trace window of a Gantt chart's run
// (`trace-from`, TRACE_FROM ms after boot).

public enum ExperimentConfig {
    /// Credit's default weight, every VM's in credit-equal cells.
    public static let equalWeight: UInt64 = 256

    public static func values(for cell: ExperimentCell, sedfPeriod: UInt64, sedfSlice: UInt64,
                              weightedWeight: UInt64, traceFrom: UInt32? = nil) -> [String: String] {
        var values = [
            "SCHEDULER": cell.scheduler.configScheduler,
            "RT_SEDF": "\(sedfPeriod) \(sedfSlice) 1",
            "RT_WEIGHT": String(cell.scheduler == .creditWeighted ? weightedWeight : equalWeight),
            "GP_LOAD": cell.gpLoad.bootargs,
            "CELL": cell.name,
        ]
        if let traceFrom { values["TRACE_FROM"] = String(traceFrom) }
        return values
    }

    public static func conditions(for cell: ExperimentCell, traceFrom: UInt32? = nil) -> [String: String] {
        ["scheduler": cell.scheduler.rawValue, "gp_load": cell.gpLoad.rawValue, "rt_io": cell.rtIO.rawValue,
         "cpus": String(cell.cpus), "trace": traceFrom == nil ? "off" : "on"]
    }
}
