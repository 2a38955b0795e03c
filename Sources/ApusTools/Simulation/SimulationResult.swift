// What a simulation reports: per task (jobs, misses, worst response) and per
// VCPU (supply received, the least supply in any window of its period). All
// times are integer nanoseconds; Codable for `apus simulate --json`.

public struct TaskResult: Codable, Equatable, Sendable {
    public var vcpu: String
    public var task: String
    public var periodNs: UInt64
    public var wcetNs: UInt64
    /// Jobs released within the simulated time.
    public var jobs: UInt64
    public var completed: UInt64
    /// Jobs still unfinished at their deadline (deadlines within the simulated time).
    public var misses: UInt64
    /// Longest release-to-completion time of a completed job; nil if none completed.
    public var worstResponseNs: UInt64?
}

public struct VCPUResult: Codable, Equatable, Sendable {
    public var name: String
    /// Total CPU time received.
    public var supplyNs: UInt64
    /// supply / duration.
    public var share: Double
    /// Window length for `minSupplyNs`: the SEDF period, or for credit the
    /// shortest task period; nil when neither exists or it exceeds the run.
    public var windowNs: UInt64?
    /// Least supply in any window of `windowNs` during the run (blocked time included).
    public var minSupplyNs: UInt64?
    /// SEDF only: sbf(window) of the VCPU's interface Γ(period, slice), the
    /// least the periodic resource model promises a continuously busy VCPU.
    public var guaranteedNs: UInt64?
}

public struct SimulationResult: Codable, Equatable, Sendable {
    public var scenario: String
    public var scheduler: String
    /// SEDF only: "cbs" or "xen".
    public var wakeRule: String?
    public var durationNs: UInt64
    public var tasks: [TaskResult]
    public var vcpus: [VCPUResult]
    public var totalMisses: UInt64
    /// Number of times the CPU changed hands (including to and from idle).
    public var switches: UInt64
}
