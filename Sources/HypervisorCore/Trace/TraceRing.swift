// The hypervisor's trace: a fixed ring of the most recent events (scheduling
// decisions, interrupt injections, hypercalls), written in the `apus-trace 1`
// text format of docs/TRACE.md so `apus trace` draws real runs the same way as
// simulated ones. Appending never allocates; the oldest record is overwritten,
// or, with a start time (`trace-from`), the ring keeps the first records from
// that time on: a window chosen by the configuration instead of the run's end.

public enum TraceEvent: Equatable, Sendable {
    /// The CPU switched from one VCPU (nil: idle) to another at `time`.
    case switched(from: UInt32?, to: UInt32?, reason: SwitchReason)
    /// A virtual interrupt was made pending for a VCPU.
    case interrupt(vcpu: UInt32, intid: UInt32)
}

public struct TraceRecord: Equatable, Sendable {
    public var time: Instant
    public var event: TraceEvent
    public init(time: Instant, event: TraceEvent) {
        self.time = time
        self.event = event
    }
}

/// The hypervisor's ring (Scheduling.trace): its capacity is the most
/// `trace-entries` a configuration may ask for (`SystemConfig.maximumTraceEntries`).
public typealias HypervisorTraceRing = TraceRing<4096>

/// `capacity` is the storage compiled in; `limit` (from the configuration's
/// `trace-entries`, at most `capacity`) is how many records the ring keeps.
public struct TraceRing<let capacity: Int> {
    private var records: InlineArray<capacity, TraceRecord>
    private var next = 0
    /// Records kept: the configured size (the configuration check refuses more than the storage; clamped anyway).
    public private(set) var limit: Int
    /// Records appended since boot, or since `from` (the ring keeps the last `limit`,
    /// or with `from` the first).
    public private(set) var total: UInt64 = 0
    /// Keep the first `limit` records from this instant on (nil: the last `limit`).
    public let from: Instant?
    /// With `from`: the first record the full ring dropped; the trace is whole up to it.
    public private(set) var firstDropped: Instant?

    /// Records the compiled storage holds.
    public static var storageCapacity: Int { capacity }

    public init(limit: Int = capacity, from: Instant? = nil) {
        records = InlineArray(repeating: TraceRecord(time: .zero, event: .switched(from: nil, to: nil, reason: .tick)))
        self.limit = max(0, min(limit, capacity))
        self.from = from
    }

    public mutating func append(_ record: TraceRecord) {
        guard limit > 0 else { return }
        if let from {
            guard record.time.nanoseconds >= from.nanoseconds else { return }
            guard total < UInt64(clampingNonNegative: limit) else {
                if firstDropped == nil { firstDropped = record.time }
                total &+= 1
                return
            }
        }
        records[next] = record
        next = next + 1 == limit ? 0 : next + 1
        total &+= 1
    }

    /// How many records are held.
    public var count: Int { total >= UInt64(clampingNonNegative: limit) ? limit : Int(truncatingIfNeeded: total) }

    /// The held records, oldest first.
    public func forEach(_ body: (TraceRecord) -> Void) {
        let held = count
        var index = held == limit ? next : 0
        for _ in 0..<held {
            body(records[index])
            index = index + 1 == limit ? 0 : index + 1
        }
    }

    /// Writes the held records as an `apus-trace 1` file. `name(vcpu, sink)`
    /// writes a VCPU's name; `vcpus` is how many VCPUs to declare.
    public func write<Sink: TextSink>(
        to sink: inout Sink, vcpus: Int, end: Instant, name: (UInt32, inout Sink) -> Void
    ) {
        sink.write("apus-trace 1")
        sink.newline()
        if let from {
            sink.write("# ring kept the first ")
            sink.write(decimal: UInt64(clampingNonNegative: count))
            sink.write(" of ")
            sink.write(decimal: total)
            sink.write(" records from ")
            sink.write(decimal: from.nanoseconds)
            sink.write(" ns")
            sink.newline()
        } else if total > UInt64(clampingNonNegative: count) {
            sink.write("# ring kept the last ")
            sink.write(decimal: UInt64(clampingNonNegative: count))
            sink.write(" of ")
            sink.write(decimal: total)
            sink.write(" records")
            sink.newline()
        }
        for vcpu in 0..<vcpus {
            let id = UInt32(truncatingIfNeeded: vcpu)
            sink.write("vcpu ")
            sink.write(decimal: id)
            sink.write(" ")
            name(id, &sink)
            sink.newline()
        }
        forEach { record in
            switch record.event {
            case .switched(let from, let to, let reason):
                sink.write("switch ")
                sink.write(decimal: record.time.nanoseconds)
                writeVCPU(from, to: &sink)
                writeVCPU(to, to: &sink)
                sink.write(" ")
                sink.write(reason.word)
            case .interrupt(let vcpu, let intid):
                sink.write("irq ")
                sink.write(decimal: record.time.nanoseconds)
                sink.write(" ")
                sink.write(decimal: vcpu)
                sink.write(" ")
                sink.write(decimal: intid)
            }
            sink.newline()
        }
        // A window that filled up is whole only until its first dropped record.
        sink.write("end ")
        if let firstDropped { sink.write(decimal: firstDropped.nanoseconds) } else { sink.write(decimal: end.nanoseconds) }
        sink.newline()
    }

    private func writeVCPU<Sink: TextSink>(_ vcpu: UInt32?, to sink: inout Sink) {
        sink.write(" ")
        if let vcpu { sink.write(decimal: vcpu) } else { sink.write("-") }
    }
}
