// The model of a simulation scenario: which VCPU scheduler, for how long, and
// the VCPUs with their parameters, guest task sets and behaviour. Built by
// ScenarioParser from a scenario file (docs/SCENARIOS.md), or directly by tests.
import HypervisorCore

/// The hypervisor-level scheduler of a scenario.
public enum ScenarioScheduler: Sendable {
    case sedf(wakeRule: SEDFWakeRule, slackQuantum: TimeSpan)
    case credit(CreditConfiguration)

    public var name: String {
        switch self {
        case .sedf: "sedf"
        case .credit: "credit"
        }
    }
}

/// How a guest orders its own jobs.
public enum GuestScheduling: String, Sendable {
    case edf, rm
}

/// What a VCPU does when its guest has no job pending.
public enum IdleBehaviour: String, Sendable {
    /// Blocks (an idle RT guest executes WFI) and wakes at its next release.
    case block
    /// Stays runnable with background work: a CPU hog, never blocks on its own.
    case busy
}

/// A periodic task t(period, wcet) inside a guest: jobs released at
/// offset + k * period, each due one period after its release.
public struct ScenarioTask: Sendable {
    public var name: String
    public var period: TimeSpan
    public var wcet: TimeSpan
    public var offset: TimeSpan

    public init(name: String, period: TimeSpan, wcet: TimeSpan, offset: TimeSpan = .zero) {
        self.name = name
        self.period = period
        self.wcet = wcet
        self.offset = offset
    }
}

/// A VCPU forced off the CPU during [k * every + at, k * every + at + length)
/// for every k (an explicit block/run pattern, e.g. waiting for I/O).
public struct BlockPattern: Sendable {
    public var every: TimeSpan
    public var at: TimeSpan
    public var length: TimeSpan

    public init(every: TimeSpan, at: TimeSpan, length: TimeSpan) {
        self.every = every
        self.at = at
        self.length = length
    }

    /// Whether `t` falls in a blocked window.
    func blocks(_ t: Instant) -> Bool {
        let phase = t.nanoseconds % every.nanoseconds
        return phase >= at.nanoseconds && phase < at.nanoseconds + length.nanoseconds
    }

    /// The first instant after `t` where blocked/unblocked changes.
    func nextEdge(after t: Instant) -> Instant {
        let base = t.nanoseconds - t.nanoseconds % every.nanoseconds
        for k: UInt64 in 0...2 {
            for edge in [at.nanoseconds, at.nanoseconds + length.nanoseconds] {
                let candidate = base + k * every.nanoseconds + edge
                if candidate > t.nanoseconds { return Instant(nanoseconds: candidate) }
            }
        }
        return .never
    }
}

/// One VCPU: its scheduler parameters (the ones matching the scenario's
/// scheduler are set), its guest's tasks and how it behaves.
public struct ScenarioVCPU: Sendable {
    public var name: String
    public var sedf: SEDFParameters?
    public var credit: CreditParameters?
    public var guest: GuestScheduling
    public var whenIdle: IdleBehaviour
    public var tasks: [ScenarioTask]
    public var blockPatterns: [BlockPattern]
    /// The physical CPU it is assigned to (`cpu=`, default 0): partitioned, as the hypervisor's `cpu`.
    public var cpu: Int = 0

    public init(name: String, sedf: SEDFParameters? = nil, credit: CreditParameters? = nil,
                guest: GuestScheduling = .edf, whenIdle: IdleBehaviour = .block,
                tasks: [ScenarioTask] = [], blockPatterns: [BlockPattern] = []) {
        self.name = name
        self.sedf = sedf
        self.credit = credit
        self.guest = guest
        self.whenIdle = whenIdle
        self.tasks = tasks
        self.blockPatterns = blockPatterns
    }
}

public struct Scenario: Sendable {
    public var scheduler: ScenarioScheduler
    public var duration: TimeSpan
    public var vcpus: [ScenarioVCPU]

    /// The most VCPUs a scenario may declare (the simulator's scheduler capacity).
    public static let maximumVCPUs = 64
    /// CPUs a scenario may assign VCPUs to (`cpu=0..3`), as the hypervisor's platforms.
    public static let maximumCPUs = 4

    /// One more than the highest `cpu=`.
    public var cpusUsed: Int { (vcpus.map(\.cpu).max() ?? 0) + 1 }

    public init(scheduler: ScenarioScheduler, duration: TimeSpan, vcpus: [ScenarioVCPU]) {
        self.scheduler = scheduler
        self.duration = duration
        self.vcpus = vcpus
    }
}
