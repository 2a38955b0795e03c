import GuestKit
import GuestRuntime
import HypervisorCore

/// Round-trip times in counter ticks, reported in nanoseconds (under QEMU
/// -icount shift=0 one nanosecond is one instruction).
struct RoundTrips {
    var count: UInt32 = 0
    var minimum: UInt64 = .max
    var maximum: UInt64 = 0
    var total: UInt64 = 0

    mutating func record(ticks: UInt64) {
        count &+= 1
        minimum = min(minimum, ticks)
        maximum = max(maximum, ticks)
        total &+= ticks
    }

    /// `BENCH guest event-roundtrip n=<rounds> min=<ns> mean=<ns> max=<ns>`
    func report() {
        guard count > 0 else { return }
        let clock = CounterClock(frequency: VirtualTimer.frequency)
        var out = GuestConsole()
        out.write("BENCH guest event-roundtrip n=")
        out.write(decimal: count)
        out.write(" min=")
        out.write(decimal: clock.instant(ticks: minimum).nanoseconds)
        out.write(" mean=")
        out.write(decimal: clock.instant(ticks: total).nanoseconds / UInt64(widening: count))
        out.write(" max=")
        out.write(decimal: clock.instant(ticks: maximum).nanoseconds)
        out.newline()
    }
}

/// One-way notification times: from just before the client's
/// EVTCHNOP_send to the server's event handler, read on the one virtual
/// counter both VMs share (a tick is 16 ns on vexpress).
struct Notifications {
    var meter = CostMeter()
    let clock = CounterClock(frequency: VirtualTimer.frequency)

    /// In line: compiled out of line (since CostMeter.record is inlined into it),
    /// this method stored its fields with an `stm` that wrote back into r10,
    /// Swift's `self` register, which it did not save, so the caller's copy of
    /// `self` moved 16 bytes on and every later sample went into the wrong
    /// fields (the report said n=1). A toolchain fault; in line nothing is passed.
    @inline(__always)
    mutating func record(ticks: UInt32) {
        let nanoseconds = clock.instant(ticks: UInt64(widening: ticks)).nanoseconds
        meter.record(UInt32(truncatingIfNeeded: min(nanoseconds, UInt64(widening: UInt32.max))))
    }

    /// `BENCH guest event-notify n= min= mean= max=` (ns; instructions under icount).
    func report() {
        guard meter.count > 0 else { return }
        var out = GuestConsole()
        meter.write(source: "guest", name: "event-notify", to: &out)
    }
}

