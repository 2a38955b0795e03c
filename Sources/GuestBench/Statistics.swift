import GuestRuntime
import HypervisorCore

/// Samples of one measurement (instructions), reported as the line the
/// bench script reads: `BENCH guest <name> n=… min=… mean=… max=…`.
struct Samples {
    let name: StaticString
    var meter = CostMeter()

    init(_ name: StaticString) { self.name = name }

    mutating func record(_ value: UInt32) { meter.record(value) }

    func report() {
        var out = GuestConsole()
        out.write("BENCH guest ")
        out.write(name)
        out.write(" n=")
        out.write(decimal: meter.count)
        out.write(" min=")
        out.write(decimal: meter.count == 0 ? 0 : meter.minimum)
        out.write(" mean=")
        out.write(decimal: meter.mean)
        out.write(" max=")
        out.write(decimal: meter.maximum)
        out.newline()
    }
}

/// A line about the run that is not a measurement (`NOTE …`).
func note(_ text: StaticString, _ value: UInt64) {
    var out = GuestConsole()
    out.write("NOTE ")
    out.write(text)
    out.write(decimal: value)
    out.newline()
}
