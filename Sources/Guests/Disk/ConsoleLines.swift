import GuestRuntime
import HypervisorCore

/// `lines=<n>`: the cost of one console line as the guest sees it, from just
/// before its first byte is formatted to just after the line was handed on
/// (virtual counter, ns = instructions under -icount shift=0). First `n`
/// lines through the console ring (when the VM has one: publish, notify the
/// back end; yields while the ring is full), then `n` through console_io
/// (hvc, the hypervisor writes the line to UART0 before returning).
/// `BENCH guest console-line-ring|console-line-hypercall n= min= mean= p99= max=`.
enum ConsoleLines {
    static func time(_ lines: UInt32) {
        if GuestConsole.hasRing { timed(lines, name: "console-line-ring", label: "ring") }
        var hypercall = CostMeter()
        GuestConsole.throughHypercall { hypercall = printTimed(lines, label: "hypercall") }
        report(hypercall, lines, name: "console-line-hypercall")
    }

    private static func timed(_ lines: UInt32, name: StaticString, label: StaticString) {
        let meter = printTimed(lines, label: label)
        report(meter, lines, name: name)
    }

    /// `LINE <label> <i> of <n>`, each timed into `roundTripSamples`.
    private static func printTimed(_ lines: UInt32, label: StaticString) -> CostMeter {
        var out = GuestConsole()
        var meter = CostMeter()
        for index in 0..<Int(lines) {
            let start = GuestClock.now
            out.write("LINE ")
            out.write(label)
            out.write(" ")
            out.write(decimal: UInt32(truncatingIfNeeded: index))
            out.write(" of ")
            out.write(decimal: lines)
            out.newline()
            let span = GuestClock.now.nanoseconds - start.nanoseconds
            let sample = UInt32(truncatingIfNeeded: min(span, UInt64(widening: UInt32.max)))
            roundTripSamples[index] = sample
            meter.record(sample)
        }
        return meter
    }

    private static func report(_ meter: CostMeter, _ lines: UInt32, name: StaticString) {
        var out = GuestConsole()
        let p99 = Percentile.nearestRank(99, sorting: &roundTripSamples, count: Int(lines))
        meter.write(source: "guest", name: name, p99: p99, to: &out)
    }
}
