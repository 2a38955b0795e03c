// The cells of the paper's experiment on Linux guests (docs/EXPERIMENT.md): every
// combination of the hypervisor's scheduler, the general-purpose guest's load and the
// path of the real-time guest's own disk I/O. A cell's name is its three values joined
// by '_' (`sedf_cpu+io_split`), the name of its generated configuration and its log.
// One more cell runs on two CPUs (`_smp` after the name): the RT Linux alone on CPU 1,
// every other VM on CPU 0 (docs/EXPERIMENT.md, "The RT VM on its own CPU").

public enum ExperimentScheduler: String, CaseIterable, Sendable {
    /// SEDF, the RT VM reserving the interface `apus interface` computed.
    case sedf
    /// Credit, every VM weight 256.
    case creditEqual = "credit-equal"
    /// Credit, the RT VM weighted to the share SEDF reserves for it.
    case creditWeighted = "credit-weighted"

    /// The configuration's `scheduler` property.
    public var configScheduler: String { self == .sedf ? "sedf" : "credit" }
}

public enum ExperimentGPLoad: String, CaseIterable, Sendable {
    /// The general-purpose Linux boots and sits at its shell.
    case idle
    /// ... and runs a CPU hog (`apus.hog=1`).
    case cpu
    /// ... and a CPU hog and a disk loop through the driver domain (`apus.hog=1 apus.diskload=1`).
    case cpuIO = "cpu+io"

    /// What the general-purpose Linux's kernel command line adds for this load.
    public var bootargs: String {
        switch self {
        case .idle: ""
        case .cpu: "apus.hog=1"
        case .cpuIO: "apus.hog=1 apus.diskload=1"
        }
    }
}

public enum ExperimentRTIO: String, CaseIterable, Sendable {
    /// The RT Linux reads its own virtio-blk transport (Linux's virtio_blk).
    case passthrough
    /// The RT Linux reads through the driver domain (Linux's xen-blkfront).
    case split
}

public struct ExperimentCell: Hashable, Sendable, CustomStringConvertible {
    public var scheduler: ExperimentScheduler
    public var gpLoad: ExperimentGPLoad
    public var rtIO: ExperimentRTIO
    /// Two CPUs, the RT Linux alone on CPU 1; otherwise every VM on one CPU.
    public var smp: Bool

    public init(scheduler: ExperimentScheduler, gpLoad: ExperimentGPLoad, rtIO: ExperimentRTIO, smp: Bool = false) {
        self.scheduler = scheduler
        self.gpLoad = gpLoad
        self.rtIO = rtIO
        self.smp = smp
    }

    /// The physical CPUs the cell's system uses (QEMU's -smp).
    public var cpus: Int { smp ? 2 : 1 }

    /// All 18 cells, scheduler-major, in the order the table prints them.
    public static let matrix: [ExperimentCell] = ExperimentScheduler.allCases.flatMap { scheduler in
        ExperimentGPLoad.allCases.flatMap { load in
            ExperimentRTIO.allCases.map { ExperimentCell(scheduler: scheduler, gpLoad: load, rtIO: $0) }
        }
    }

    public var name: String { "\(scheduler.rawValue)_\(gpLoad.rawValue)_\(rtIO.rawValue)" + (smp ? "_smp" : "") }
    public var description: String { name }

    /// The cell a name stands for, or nil.
    public init?(name: String) {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3 || (parts.count == 4 && parts[3] == "smp"), let scheduler = ExperimentScheduler(rawValue: String(parts[0])),
              let load = ExperimentGPLoad(rawValue: String(parts[1])), let io = ExperimentRTIO(rawValue: String(parts[2]))
        else { return nil }
        self.init(scheduler: scheduler, gpLoad: load, rtIO: io, smp: parts.count == 4)
    }
}
