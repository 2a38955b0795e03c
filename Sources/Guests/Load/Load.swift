import GuestRuntime
import GuestSupport
import HypervisorCore

/// The load's loops. Work is counted in spin-loop iterations (2 instructions
/// each); the clock is read after every chunk, which is when progress is
/// printed and the end of the run noticed.
struct Load {
    /// Iterations between two looks at the clock: 20 us of work at 1 instruction/ns.
    static let chunkIterations: UInt32 = 10_000
    static let progressInterval = TimeSpan.milliseconds(100)

    let start: Instant
    let end: Instant
    var iterations: UInt64 = 0
    var idle = TimeSpan.zero
    var blocks: UInt64 = 0
    var progressReports: UInt64 = 0
    var nextProgress: Instant

    init(duration: TimeSpan) {
        start = GuestClock.now
        end = start + duration
        nextProgress = start + Self.progressInterval
    }

    /// Never blocks: spins until the end of the run.
    mutating func hog() {
        while workChunk() {}
    }

    /// `run` of CPU work (instructions, not wall time), then `block` asleep, again and again.
    mutating func alternate(run: TimeSpan, block: TimeSpan) {
        GIC.attach(VirtualTimer.interrupt, loadTimerFired)
        GIC.enable()
        let iterationsPerRun = run.nanoseconds / UInt64(widening: CPUWork.instructionsPerIteration)
        while true {
            var left = max(iterationsPerRun, 1)
            while left > 0 {
                let step = min(left, UInt64(widening: Self.chunkIterations))
                guard workChunk(iterations: UInt32(truncatingIfNeeded: step)) else { return }
                left -= step
            }
            guard sleep(for: block) else { return }
        }
    }

    /// One chunk of work, then the clock: false once the run is over.
    private mutating func workChunk(iterations chunk: UInt32 = chunkIterations) -> Bool {
        CPUWork.spin(iterations: chunk)
        iterations += UInt64(widening: chunk)
        let now = GuestClock.now
        if now >= nextProgress { progress(now) }
        return now < end
    }

    private mutating func sleep(for span: TimeSpan) -> Bool {
        let before = GuestClock.now
        let wake = min(before + span, end)
        // Rearmed after a wake-up that came early (another interrupt).
        while GuestClock.now < wake {
            GuestClock.arm(at: wake)
            GuestClock.waitForInterrupt()
        }
        VirtualTimer.disarm()
        blocks += 1
        let now = GuestClock.now
        idle += now.since(before)
        if now >= nextProgress { progress(now) }
        return now < end
    }

    /// `PROGRESS <n> work=<iterations> elapsed=<us>`
    private mutating func progress(_ now: Instant) {
        progressReports += 1
        while nextProgress <= now { nextProgress += Self.progressInterval }
        var out = GuestConsole()
        out.write("PROGRESS ")
        out.write(decimal: progressReports)
        out.write(" work=")
        out.write(decimal: iterations)
        out.write(" elapsed=")
        out.write(decimal: now.since(start).nanoseconds / 1_000)
        out.newline()
    }

    /// `RESULT work=<iterations> work_us=<us> idle=<us> blocks=<n> elapsed=<us>`
    func report(to out: inout GuestConsole) {
        let elapsed = GuestClock.now.since(start)
        out.write("RESULT work=")
        out.write(decimal: iterations)
        out.write(" work_us=")
        out.write(decimal: iterations * UInt64(widening: CPUWork.instructionsPerIteration) / 1_000)
        out.write(" idle=")
        out.write(decimal: idle.nanoseconds / 1_000)
        out.write(" blocks=")
        out.write(decimal: blocks)
        out.write(" elapsed=")
        out.write(decimal: elapsed.nanoseconds / 1_000)
        out.newline()
        check("load-ran", iterations > 0 && elapsed >= end.since(start))
    }
}

/// PPI 27 ends a sleep; disarming keeps the level-triggered timer quiet.
func loadTimerFired(_ intid: UInt32) {
    VirtualTimer.disarm()
}
