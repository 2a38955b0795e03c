import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore

/// The bench guest (docs/BENCHMARKS.md, "QEMU (hypervisor)"): measures the
/// hypervisor's paths as a guest sees them, in PMCCNTR counts (instructions
/// under QEMU -icount), and prints one `BENCH guest …` line per measurement.
@c(guest_main)
func guestMain(_ vm: UInt32, _ bootargs: UnsafePointer<CChar>?) {
    var problem: StaticString = ""
    guard let arguments = BenchArguments(BootArguments(guestPointer: bootargs), problem: &problem) else {
        var out = GuestConsole()
        out.write("ERROR ")
        out.write(problem)
        out.newline()
        Hypervisor.shutdown(.crash)
    }
    let selected = arguments.measurements
    let iterations = arguments.iterations
    BenchVectors.install(handler: benchInterruptHandler)

    if selected.contains(.vmSwitch) {
        let (switches, roundTrips) = SwitchBenchmark.run(iterations: iterations)
        switches.report()
        roundTrips.report()
        // Another measurement follows: wait until the peer has finished and left.
        if selected != .vmSwitch, !SwitchBenchmark.waitForPeerToLeave(alone: roundTrips.meter.minimum / 2) {
            check("bench-peer-left", false)
        }
    }
    if selected.contains(.hypercall) || selected.contains(.trap) {
        let counterRead = TrapBenchmarks.counterRead(iterations: iterations)
        let readCost = counterRead.meter.minimum
        counterRead.report()
        if selected.contains(.hypercall) { TrapBenchmarks.hypercall(iterations: iterations, readCost: readCost).report() }
        if selected.contains(.trap) { TrapBenchmarks.trappedRead(iterations: iterations, readCost: readCost).report() }
    }
    if selected.contains(.irq) || selected.contains(.vtimer) {
        GIC.enable()
        GuestGIC.enable(GuestGIC.virtualTimer)
    }
    if selected.contains(.irq) {
        // The reference moment of the device latency, checked before the
        // interrupt is enabled. Only the earliest sighting can check it: a
        // hypervisor event (a scheduler timer) during a poll delays that poll.
        let model = SP804.pollFireModel(samples: 16)
        note("sp804 polled minus modelled fire, min (ns): ", UInt64(widening: model.minimum))
        note("sp804 polled minus modelled fire, max (ns): ", UInt64(widening: model.maximum))
        check("sp804-fire-model", model.minimum <= 8)  // one 4-instruction poll loop, plus its reads
        InterruptBenchmarks.device(iterations: iterations, delayMicroseconds: 20, wait: .running).report()
        InterruptBenchmarks.device(iterations: iterations, delayMicroseconds: 20, wait: .waiting).report()
    }
    if selected.contains(.vtimer) {
        guard let alignment = CounterAlignment.measure() else {
            check("bench-counters-one-clock", false)
            Hypervisor.shutdown(.crash)
        }
        note("counter alignment uncertainty (ns): ", UInt64(widening: alignment.uncertainty))
        let delay = VirtualTimer.ticks(microseconds: 20)
        InterruptBenchmarks.virtualTimer(iterations: iterations, delayTicks: delay, wait: .running, alignment: alignment).report()
        InterruptBenchmarks.virtualTimer(iterations: iterations, delayTicks: delay, wait: .waiting, alignment: alignment).report()
    }
    Hypervisor.shutdown(.powerOff)
}
