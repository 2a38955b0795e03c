import GuestRuntime
import HypervisorCore

/// Checks the work unit against the clock once at start-up: 2 ms of work
/// (2,000,000 instructions) should take 2 ms of virtual time under QEMU
/// `-icount shift=0` when nothing preempts the VCPU. Reported, not enforced:
/// without icount (or on a board) instructions and time differ, and the
/// work unit stays instructions either way.
enum Calibration {
    static let sample = TimeSpan.milliseconds(2)

    static func report<Sink: TextSink>(to out: inout Sink) {
        let before = GuestClock.now
        let done = CPUWork.perform(sample)
        let took = GuestClock.now.since(before)
        out.write("CALIBRATION work=")
        out.write(decimal: done.nanoseconds / 1_000)
        out.write(" elapsed=")
        out.write(decimal: took.nanoseconds / 1_000)
        out.newline()
    }
}
