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
        meter.write(source: "guest", name: name, to: &out)
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
