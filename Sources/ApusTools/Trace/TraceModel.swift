// The in-memory form of an `apus-trace 1` file (docs/TRACE.md), as the reader builds it.
// Times are plain nanoseconds (UInt64) like the file; the model keeps what the records say
// and derives only the run intervals, which every consumer (statistics, SVG) needs.

/// Who holds the CPU: a VCPU id, or nobody (`-` in the file).
public enum TraceCPUHolder: Hashable, Sendable, CustomStringConvertible {
    case idle
    case vcpu(UInt32)

    public var description: String {
        switch self {
        case .idle: return "-"
        case .vcpu(let id): return String(id)
        }
    }
}

/// Why the scheduler switched (the closed list of reason words in docs/TRACE.md).
public enum TraceSwitchReason: String, CaseIterable, Sendable {
    case budget, release, block, wake, yield, tick, slack, preempt
}

public struct TraceVCPU: Equatable, Sendable {
    public var id: UInt32
    public var name: String
}

/// A task is identified by its VCPU and its index; the declaration (name, period, WCET) is
/// optional in the format, so tasks seen only in job records have no `declared` part.
public struct TraceTaskKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var vcpu: UInt32
    public var task: UInt32

    public init(vcpu: UInt32, task: UInt32) {
        self.vcpu = vcpu
        self.task = task
    }

    public static func < (a: TraceTaskKey, b: TraceTaskKey) -> Bool {
        (a.vcpu, a.task) < (b.vcpu, b.task)
    }

    public var description: String { "task \(task) of vcpu \(vcpu)" }
}

public struct TraceTaskDeclaration: Equatable, Sendable {
    public var name: String
    public var period: UInt64
    public var wcet: UInt64

    public init(name: String, period: UInt64, wcet: UInt64) {
        self.name = name
        self.period = period
        self.wcet = wcet
    }
}

public struct TraceTask: Equatable, Sendable {
    public var key: TraceTaskKey
    public var declared: TraceTaskDeclaration?

    public init(key: TraceTaskKey, declared: TraceTaskDeclaration?) {
        self.key = key
        self.declared = declared
    }

    /// The declared name, or a made-up one for tasks seen only in job records.
    public var displayName: String { declared?.name ?? "task\(key.task)" }
}

public struct TraceSwitch: Equatable, Sendable {
    public var time: UInt64
    public var from: TraceCPUHolder
    public var to: TraceCPUHolder
    public var reason: TraceSwitchReason
    /// Where it was in the file, for messages about it.
    public var line: Int

    public init(time: UInt64, from: TraceCPUHolder, to: TraceCPUHolder, reason: TraceSwitchReason, line: Int) {
        self.time = time
        self.from = from
        self.to = to
        self.reason = reason
        self.line = line
    }
}

/// One job's life: released with a deadline, maybe completed, maybe missed (both can happen:
/// a job that misses may still complete later).
public struct TraceJob: Equatable, Sendable {
    public var task: TraceTaskKey
    public var job: UInt64
    public var release: UInt64
    public var deadline: UInt64
    public var completion: UInt64?
    public var miss: UInt64?

    public var responseTime: UInt64? { completion.map { $0 - release } }
}

public struct TraceIRQ: Equatable, Sendable {
    public var time: UInt64
    public var vcpu: UInt32
    public var intid: UInt32

    public init(time: UInt64, vcpu: UInt32, intid: UInt32) {
        self.time = time
        self.vcpu = vcpu
        self.intid = intid
    }
}

/// A half-open stretch [start, end) during which one holder had the CPU.
public struct TraceRunInterval: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    public var length: UInt64 { end - start }

    public init(start: UInt64, end: UInt64) {
        self.start = start
        self.end = end
    }
}

public struct Trace: Sendable {
    /// VCPUs in declaration order.
    public var vcpus: [TraceVCPU]
    /// Tasks in order of first appearance (declaration or first job record).
    public var tasks: [TraceTask]
    public var switches: [TraceSwitch]
    /// Jobs in release order.
    public var jobs: [TraceJob]
    public var irqs: [TraceIRQ]
    /// First instant covered: the earliest timed record (the span before it is unknown).
    public var start: UInt64
    /// Last instant covered (`end T`).
    public var end: UInt64
    /// Run intervals per holder, in time order; every instant of [start, end) belongs to
    /// exactly one holder (idle included). Zero-length intervals are kept: they are real
    /// scheduling decisions even if they take no time.
    public var intervals: [TraceCPUHolder: [TraceRunInterval]]

    public var span: UInt64 { end - start }

    public func vcpu(_ id: UInt32) -> TraceVCPU? { vcpus.first { $0.id == id } }

    public func intervals(of holder: TraceCPUHolder) -> [TraceRunInterval] { intervals[holder] ?? [] }

    public func task(_ key: TraceTaskKey) -> TraceTask? { tasks.first { $0.key == key } }
}
