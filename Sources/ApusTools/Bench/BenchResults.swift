// What one benchmark row measured, as the suite hands it to the report.

public struct SchedulerBenchResult: Sendable {
    public var benchCase: SchedulerBenchCase
    public var timing: BenchTiming
    /// Decisions per second of simulated time in the loop: how often the hypervisor would
    /// run this path with these VCPUs.
    public var decisionsPerSecond: Double

    public init(benchCase: SchedulerBenchCase, timing: BenchTiming, decisionsPerSecond: Double) {
        self.benchCase = benchCase
        self.timing = timing
        self.decisionsPerSecond = decisionsPerSecond
    }

    /// Share of one CPU spent deciding at that rate and the measured median cost, in percent.
    public var cpuPercent: Double { timing.median * decisionsPerSecond / 1e7 }
}

public struct AnalysisBenchResult: Sendable {
    /// What was computed, e.g. "minimal budget, EDF, period 5 ms".
    public var name: String
    public var tasks: Int
    public var timing: BenchTiming

    public init(name: String, tasks: Int, timing: BenchTiming) {
        self.name = name
        self.tasks = tasks
        self.timing = timing
    }
}
