import HypervisorCore
import GuestRuntime
import GuestSupport

/// Interrupt latencies: from the moment an interrupt fires to the PMCCNTR
/// read at the start of the guest's IRQ handler (BenchVectors), with the
/// VCPU running (spinning, interrupts unmasked) or waiting in WFI (the
/// hypervisor blocks it and must wake it).
enum InterruptBenchmarks {
    enum Wait { case running, waiting }

    /// Device interrupt: the SP804 (passed through) fires a one-shot count
    /// after `delay` microseconds; it fires `delay` x 1000 ns after the
    /// write that starts it (QEMU's ptimer on the virtual clock).
    static func device(iterations: UInt32, delayMicroseconds delay: UInt32, wait: Wait) -> Samples {
        var samples = Samples(wait == .running ? "device-irq" : "device-irq-wfi")
        GuestGIC.enable(SP804.interrupt)
        for _ in 0..<iterations {
            LastInterrupt.clear()
            let started = SP804.fire(afterCounts: delay)
            let fired = started &+ 1 &+ delay * SP804.nanosecondsPerCount  // the write is one instruction later
            // A watchdog for the WFI case: the virtual timer 1 ms after the device is due.
            if wait == .waiting { VirtualTimer.arm(at: VirtualTimer.now + VirtualTimer.ticks(microseconds: UInt64(_truncatingBits: UInt(delay)) + 1000)) }
            awaitInterrupt(wait, spinNanoseconds: delay * SP804.nanosecondsPerCount + 20_000)
            VirtualTimer.disarm()
            if LastInterrupt.intid == SP804.interrupt { samples.record(LastInterrupt.entryTime &- fired) }
        }
        SP804.stop()
        return samples
    }

    /// Virtual timer: CNTV_CVAL = now + `delay` ticks; latency from the
    /// moment CNTVCT reaches CVAL, located in PMCCNTR by `alignment`.
    static func virtualTimer(iterations: UInt32, delayTicks delay: UInt64, wait: Wait, alignment: CounterAlignment) -> Samples {
        var samples = Samples(wait == .running ? "vtimer-busy" : "vtimer-wfi")
        GuestGIC.enable(GuestGIC.virtualTimer)
        for _ in 0..<iterations {
            LastInterrupt.clear()
            let deadline = VirtualTimer.now + delay
            VirtualTimer.arm(at: deadline)
            awaitInterrupt(wait, spinNanoseconds: UInt32(truncatingIfNeeded: GuestClock.counter.instant(ticks: delay).nanoseconds) + 20_000)
            VirtualTimer.disarm()
            if LastInterrupt.intid == GuestGIC.virtualTimer {
                samples.record(LastInterrupt.entryTime &- alignment.counterValue(atTicks: deadline))
            }
        }
        return samples
    }

    /// Spins with interrupts unmasked for long enough, or sleeps in WFI until
    /// an interrupt has been handled.
    private static func awaitInterrupt(_ wait: Wait, spinNanoseconds: UInt32) {
        switch wait {
        case .running:
            g_enable_irq()
            CPUWork.spin(iterations: spinNanoseconds / CPUWork.instructionsPerIteration)
            g_disable_irq()
        case .waiting:
            while LastInterrupt.count == 0 { GuestClock.waitForInterrupt() }
        }
    }
}
