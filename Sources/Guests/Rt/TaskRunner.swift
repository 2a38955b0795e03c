import GuestKit
import GuestRuntime
import GuestSupport
import HypervisorCore

/// Runs the task executive on this VCPU: after every chunk of work it looks
/// at the clock, so a release preempts the running job within one chunk;
/// with nothing ready it sleeps in WFI until the next release (the virtual
/// timer wakes it). Interrupts stay masked except inside the wait.
struct TaskRunner {
    /// Work done between two looks at the clock (the preemption granularity).
    static let chunk = TimeSpan.microseconds(20)

    var executive: TaskExecutive
    var start = Instant.zero
    var end = Instant.zero
    /// The last look at the clock: misses are counted up to here.
    var finished = Instant.zero
    /// Job work executed (instructions, as nanoseconds at 1 instruction/ns).
    var work = TimeSpan.zero
    /// Wall time spent waiting for a release.
    var idle = TimeSpan.zero
    var wakeups: UInt64 = 0
    /// Background work done while no job was ready (idle=work).
    var background = TimeSpan.zero
    let backgroundWork: Bool
    /// Block I/O at the start of each job of `ioTask` (io=direct|split).
    var io: BlockIO?
    let ioTask: Int
    /// The release of the last job that did its I/O (each job does it once).
    var lastIORelease = Instant.never

    init(executive: TaskExecutive, backgroundWork: Bool, io: BlockIO? = nil, ioTask: Int = 0) {
        self.executive = executive
        self.backgroundWork = backgroundWork
        self.io = io
        self.ioTask = ioTask
    }

    /// Sleeps `delay` (`start=`, not counted as idle), then runs the tasks for `duration`.
    mutating func run(for duration: TimeSpan, after delay: TimeSpan = .zero) {
        GIC.attach(VirtualTimer.interrupt, virtualTimerFired)
        GIC.enable()
        let first = GuestClock.now + delay
        while GuestClock.now < first {
            GuestClock.arm(at: first)
            GuestClock.waitForInterrupt()
        }
        start = GuestClock.now
        end = start + duration
        executive.start(at: start)
        while true {
            let now = GuestClock.now
            executive.release(now: now)
            guard now < end else {
                finished = now
                break
            }
            if let job = executive.pick() {
                if job.task == ioTask, job.release != lastIORelease, io != nil {
                    lastIORelease = job.release
                    io?.roundTrip()
                }
                let done = CPUWork.perform(min(job.remaining, Self.chunk))
                work += done
                // A remainder below one loop iteration counts as done.
                if executive.account(job.task, executed: max(done, TimeSpan(nanoseconds: 2))) {
                    let now = GuestClock.now
                    executive.complete(job.task, at: now)
                    let period = executive.task(job.task).period.nanoseconds
                    JobLog.completed(task: job.task, job: job.release.since(start).nanoseconds / period, at: now)
                }
            } else if backgroundWork {
                background += CPUWork.perform(Self.chunk)
            } else {
                sleep(until: min(executive.nextRelease, end))
            }
        }
        VirtualTimer.disarm()
    }

    /// Time from the start to the last look at the clock.
    var elapsed: TimeSpan { GuestClock.now.since(start) }

    private mutating func sleep(until wake: Instant) {
        let before = GuestClock.now
        guard before < wake else { return }
        GuestClock.arm(at: wake)
        // The timer may already have fired: WFI then returns at once.
        GuestClock.waitForInterrupt()
        wakeups += 1
        idle += GuestClock.now.since(before)
    }
}

/// PPI 27: the release the guest slept for is due. Disarming stops the
/// level-triggered timer from firing again; the loop rearms it when needed.
func virtualTimerFired(_ intid: UInt32) {
    VirtualTimer.disarm()
}
