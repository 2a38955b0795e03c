// Parameters, options and the per-VCPU status of the SEDF scheduler.

/// A VCPU's reservation: `slice` of CPU time in every `period` (the period is
/// also its relative deadline). `extratime` lets it use slack (time no reserved
/// work wants); slack never counts against the slice.
public struct SEDFParameters: Equatable, Sendable {
    public var period: TimeSpan
    public var slice: TimeSpan
    public var extratime: Bool

    public init(period: TimeSpan, slice: TimeSpan, extratime: Bool = false) {
        self.period = period
        self.slice = slice
        self.extratime = extratime
    }

    /// The checks that need no knowledge of other VCPUs.
    public func validate() throws(SchedulerError) {
        if period == .zero { throw .zeroPeriod }
        if slice == .zero { throw .zeroSlice }
        if slice > period { throw .sliceExceedsPeriod }
    }
}

/// What happens to a VCPU's deadline and budget when it wakes up.
public enum SEDFWakeRule: Sendable {
    /// Constant-bandwidth-server rule (docs/SCHEDULING.md §1): on wake at w with
    /// budget q left and deadline d, keep (q, d) if q * period <= (d - w) * slice,
    /// else start a new period at w. Keeps the VCPU a sporadic task of bandwidth
    /// slice/period, so the admission test stays exact and the guest keeps sbf.
    case constantBandwidth
    /// Xen's original rule: a VCPU waking inside its current period forfeits the
    /// rest of it (next period, fresh budget). Can starve it for ~2*period - slice.
    case xenShortBlockForfeit
}

/// Scheduler-wide options.
public struct SEDFOptions: Sendable {
    public var wakeRule: SEDFWakeRule
    /// Length of one slack grant to an extratime VCPU (Xen: 500 us).
    public var slackQuantum: TimeSpan

    public init(wakeRule: SEDFWakeRule = .constantBandwidth, slackQuantum: TimeSpan = .microseconds(500)) {
        self.wakeRule = wakeRule
        self.slackQuantum = slackQuantum == .zero ? .microseconds(500) : slackQuantum
    }
}

/// Which of SEDF's queues a VCPU is on.
public enum SEDFState: UInt8, Sendable {
    /// Chosen by the last decision, on reserved time.
    case running
    /// Chosen by the last decision, on slack.
    case runningOnSlack
    /// Run queue: its period has begun and it has budget left.
    case ready
    /// Wait queue: budget used up or period not begun yet.
    case waiting
    /// On no queue until woken.
    case blocked
}

/// One VCPU as the scheduler sees it, for traces and tests.
public struct SEDFStatus: Equatable, Sendable {
    public var vcpu: VCPUID
    public var parameters: SEDFParameters
    public var state: SEDFState
    /// End of the current period; the period began at `deadline - period`.
    public var deadline: Instant
    /// Reserved time left in the current period.
    public var remaining: TimeSpan
}
