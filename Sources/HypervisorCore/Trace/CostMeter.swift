// Instruction counts of a hypervisor path (a scheduling decision, a VCPU
// switch): count, minimum, maximum and total, for the report at power-off.
// The hypervisor feeds it PMU cycle-counter differences, which under QEMU
// -icount are instruction counts.

public struct CostMeter: Equatable, Sendable {
    public private(set) var count: UInt64 = 0
    public private(set) var minimum: UInt32 = .max
    public private(set) var maximum: UInt32 = 0
    public private(set) var total: UInt64 = 0

    public init() {}

    /// In line: the hypervisor records at the end of every trap.
    @inline(__always)
    public mutating func record(_ cost: UInt32) {
        count &+= 1
        total &+= UInt64(widening: cost)
        minimum = min(minimum, cost)
        maximum = max(maximum, cost)
    }

    /// Mean rounded down; 0 before the first record.
    public var mean: UInt64 { count == 0 ? 0 : total / count }

    /// `BENCH hypervisor name n=… min=… mean=… max=…` (instructions), the line `make bench` reads.
    public func write<Sink: TextSink>(name: StaticString, to sink: inout Sink) {
        write(source: "hypervisor", name: name, to: &sink)
    }

    /// `BENCH <source> <name> n=… min=… mean=…[ p99=…] max=…`: `source` says
    /// who measured (`hypervisor`, `guest`); `p99` is printed when given.
    public func write<Sink: TextSink>(source: StaticString, name: StaticString, p99: UInt32? = nil,
                                      to sink: inout Sink) {
        sink.write("BENCH ")
        sink.write(source)
        sink.write(" ")
        sink.write(name)
        sink.write(" n=")
        sink.write(decimal: count)
        sink.write(" min=")
        sink.write(decimal: count == 0 ? 0 : minimum)
        sink.write(" mean=")
        sink.write(decimal: mean)
        if let p99 {
            sink.write(" p99=")
            sink.write(decimal: p99)
        }
        sink.write(" max=")
        sink.write(decimal: maximum)
        sink.newline()
    }
}
