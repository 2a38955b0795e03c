// The hierarchical simulator: VCPUs scheduled by the core's SEDF or credit
// scheduler (the very code the hypervisor runs), each VCPU's guest scheduling
// its own periodic jobs by EDF or RM inside the time it gets. Deterministic
// discrete-event simulation in integer nanoseconds.
//
// The loop is the hypervisor's, the same VCPUScheduling value around the same
// scheduler: ask it who runs and until when, let
// that VCPU's guest run its most urgent job until the next event (the
// scheduler's `until`, a job release, completion or deadline, the edge of a
// block window, the end), then tell the scheduler what changed (block/wake)
// and ask again. A VCPU wants the CPU when it is outside its block windows and
// has a pending job, or always when it is busy (a hog or background work).
import HypervisorCore

public struct SimulationOutcome: Sendable {
    public var result: SimulationResult
    /// `apus-trace 1` text, when requested.
    public var trace: String?
}

public enum Simulator {
    /// Simulates `scenario` for its duration. `name` labels the report and errors.
    /// VCPUs on several CPUs (`cpu=`): each CPU is simulated on its own with its
    /// own scheduler (partitioned scheduling), and the results are put together.
    public static func run(_ scenario: Scenario, name: String, writeTrace: Bool = false) throws(ScenarioError) -> SimulationOutcome {
        guard scenario.cpusUsed > 1 else { return try runOneCPU(scenario, name: name, writeTrace: writeTrace) }
        if writeTrace { throw ScenarioError(file: name, line: nil, message: "a trace is written for one CPU only: this scenario uses \(scenario.cpusUsed)") }
        var combined: SimulationResult? = nil
        for cpu in 0..<scenario.cpusUsed {
            var part = scenario
            part.vcpus = scenario.vcpus.filter { $0.cpu == cpu }
            guard !part.vcpus.isEmpty else { continue }
            let result = try runOneCPU(part, name: name, writeTrace: false).result
            guard var total = combined else {
                combined = result
                continue
            }
            total.tasks += result.tasks
            total.vcpus += result.vcpus
            total.totalMisses += result.totalMisses
            total.switches += result.switches
            combined = total
        }
        // In the scenario's order, as one CPU's report lists them.
        var result = combined!
        let order = Dictionary(uniqueKeysWithValues: scenario.vcpus.enumerated().map { ($1.name, $0) })
        result.vcpus.sort { order[$0.name]! < order[$1.name]! }
        result.tasks.sort { order[$0.vcpu]! < order[$1.vcpu]! }
        return SimulationOutcome(result: result, trace: nil)
    }

    private static func runOneCPU(_ scenario: Scenario, name: String, writeTrace: Bool) throws(ScenarioError) -> SimulationOutcome {
        switch scenario.scheduler {
        case .sedf(let wakeRule, let slackQuantum):
            let scheduler = SEDFScheduler<64>(options: SEDFOptions(wakeRule: wakeRule, slackQuantum: slackQuantum))
            let parameters = try scenario.vcpus.map { (vcpu) throws(ScenarioError) -> SEDFParameters in
                guard let p = vcpu.sedf else { throw missingParameters(vcpu, name) }
                return p
            }
            var engine = SimulationEngine(scheduler: scheduler, scenario: scenario, name: name, writeTrace: writeTrace)
            var outcome = try engine.run(parameters: parameters)
            outcome.result.wakeRule = wakeRule == .constantBandwidth ? "cbs" : "xen"
            return outcome
        case .credit(let configuration):
            let scheduler = CreditScheduler<64>(configuration: configuration)
            let parameters = try scenario.vcpus.map { (vcpu) throws(ScenarioError) -> CreditParameters in
                guard let p = vcpu.credit else { throw missingParameters(vcpu, name) }
                return p
            }
            var engine = SimulationEngine(scheduler: scheduler, scenario: scenario, name: name, writeTrace: writeTrace)
            return try engine.run(parameters: parameters)
        }
    }

    private static func missingParameters(_ vcpu: ScenarioVCPU, _ name: String) -> ScenarioError {
        ScenarioError(file: name, line: nil, message: "VCPU '\(vcpu.name)' has no \(vcpu.sedf == nil ? "sedf" : "credit") parameters")
    }
}

/// One run of the event loop over a concrete scheduler.
struct SimulationEngine<S: VCPUScheduler> {
    /// The hypervisor's scheduling loop (which VCPUs are blocked, the decisions) around `S`.
    var loop: VCPUScheduling<S, 64>
    let scenario: Scenario
    let name: String
    let end: Instant
    var guests: [GuestJobs]
    var supplies: [SupplyRecord]
    var trace: TraceWriter?
    var switches: UInt64 = 0

    init(scheduler: S, scenario: Scenario, name: String, writeTrace: Bool) {
        loop = VCPUScheduling(scheduler: scheduler)
        self.scenario = scenario
        self.name = name
        end = Instant.zero + scenario.duration
        guests = scenario.vcpus.map { GuestJobs(tasks: $0.tasks, scheduling: $0.guest) }
        supplies = Array(repeating: SupplyRecord(), count: scenario.vcpus.count)
        trace = writeTrace ? TraceWriter() : nil
    }

    mutating func run(parameters: [S.Parameters]) throws(ScenarioError) -> SimulationOutcome {
        declareTrace()
        var now = Instant.zero
        for (i, p) in parameters.enumerated() {
            do {
                try loop.admit(VCPUID(UInt32(i)), parameters: p, progressWindow: .zero, now: now)
            } catch {
                throw ScenarioError(file: name, line: nil, message: "VCPU '\(scenario.vcpus[i].name)': \(error.reason)")
            }
        }
        releaseJobs(at: now)
        updateRunnable(at: now)
        var decision = loop.decide(now: now)
        if let first = decision.vcpu { recordSwitch(at: now, from: nil, to: first, reason: decision.reason) }

        while now < end {
            let running = decision.vcpu.map { Int($0.rawValue) }
            let next = nextEvent(after: now, decision: decision, running: running)
            guard next > now else {
                throw ScenarioError(file: name, line: nil, message: "simulation stalled at \(now.nanoseconds) ns (scheduler returned no future event)")
            }
            if let r = running {
                supplies[r].add(from: now, to: next)
                if let done = guests[r].execute(for: next.since(now), endingAt: next) {
                    trace?.complete(at: next, vcpu: r, task: done.task, job: done.index)
                }
            }
            now = next
            recordMisses(at: now)
            if now >= end { break }
            releaseJobs(at: now)
            updateRunnable(at: now)
            let previous = decision.vcpu
            decision = loop.decide(now: now)
            if decision.vcpu != previous {
                recordSwitch(at: now, from: previous, to: decision.vcpu, reason: decision.reason)
            }
        }
        let end = self.end
        trace?.end(at: end)
        return SimulationOutcome(result: report(), trace: trace?.text)
    }

    // MARK: Steps

    private func nextEvent(after now: Instant, decision: Dispatch, running: Int?) -> Instant {
        var next = min(decision.timer, end)
        for (i, guest) in guests.enumerated() {
            next = min(next, guest.earliestRelease, guest.earliestUnmissedDeadline)
            for pattern in scenario.vcpus[i].blockPatterns { next = min(next, pattern.nextEdge(after: now)) }
        }
        if let r = running, let c = guests[r].current {
            next = min(next, now + guests[r].pending[c].remaining)
        }
        return next
    }

    private mutating func releaseJobs(at now: Instant) {
        for i in guests.indices {
            for job in guests[i].releaseJobs(at: now) {
                trace?.release(at: job.release, vcpu: i, task: job.task, job: job.index, deadline: job.deadline)
            }
        }
    }

    private mutating func recordMisses(at now: Instant) {
        for i in guests.indices {
            for job in guests[i].recordMisses(at: now) {
                trace?.miss(at: now, vcpu: i, task: job.task, job: job.index)
            }
        }
    }

    /// Blocks VCPUs that stopped wanting the CPU and wakes those that want it again.
    private mutating func updateRunnable(at now: Instant) {
        for i in guests.indices {
            let vcpu = scenario.vcpus[i]
            let inBlockWindow = vcpu.blockPatterns.contains { $0.blocks(now) }
            let wants = !inBlockWindow && (vcpu.whenIdle == .busy || guests[i].hasPendingJob)
            let id = VCPUID(UInt32(i))
            guard wants == loop.isBlocked(id) else { continue }
            if wants { loop.wake(id, now: now) } else { loop.block(id, wakeAt: .never, now: now) }
        }
    }

    private mutating func recordSwitch(at now: Instant, from: VCPUID?, to: VCPUID?, reason: SwitchReason) {
        switches += 1
        trace?.switchCPU(at: now, from: from.map { Int($0.rawValue) }, to: to.map { Int($0.rawValue) }, reason: reason)
    }

    private mutating func declareTrace() {
        guard var writer = trace else { return }
        writer.comment("apus simulate \(name): \(scenario.scheduler.name), \(scenario.duration.nanoseconds) ns")
        for (i, vcpu) in scenario.vcpus.enumerated() {
            writer.declareVCPU(i, name: vcpu.name)
            for (t, task) in vcpu.tasks.enumerated() {
                writer.declareTask(vcpu: i, task: t, name: task.name, period: task.period, wcet: task.wcet)
            }
        }
        trace = writer
    }

    // MARK: Report

    private func report() -> SimulationResult {
        var tasks: [TaskResult] = []
        var vcpus: [VCPUResult] = []
        let duration = scenario.duration
        for (i, vcpu) in scenario.vcpus.enumerated() {
            for (t, task) in vcpu.tasks.enumerated() {
                let c = guests[i].counters[t]
                tasks.append(TaskResult(vcpu: vcpu.name, task: task.name, periodNs: task.period.nanoseconds,
                                        wcetNs: task.wcet.nanoseconds, jobs: c.released, completed: c.completed,
                                        misses: c.misses, worstResponseNs: c.worstResponse?.nanoseconds))
            }
            let window: TimeSpan? = vcpu.sedf?.period ?? vcpu.tasks.map(\.period).min()
            let minimum = window.flatMap { supplies[i].minimumSupply(inWindowsOf: $0, horizon: end) }
            let guaranteed = vcpu.sedf.map { SupplyBound.sbf($0.period, period: $0.period, slice: $0.slice) }
            vcpus.append(VCPUResult(
                name: vcpu.name, supplyNs: supplies[i].total.nanoseconds,
                share: Double(supplies[i].total.nanoseconds) / Double(duration.nanoseconds),
                windowNs: minimum == nil ? nil : window?.nanoseconds, minSupplyNs: minimum?.nanoseconds,
                guaranteedNs: minimum == nil ? nil : guaranteed?.nanoseconds))
        }
        return SimulationResult(scenario: name, scheduler: scenario.scheduler.name, wakeRule: nil,
                                durationNs: duration.nanoseconds, tasks: tasks, vcpus: vcpus,
                                totalMisses: tasks.reduce(0) { $0 + $1.misses }, switches: switches)
    }
}

/// The periodic resource model's supply bound function (docs/SCHEDULING.md §4).
enum SupplyBound {
    static func sbf(_ t: TimeSpan, period: TimeSpan, slice: TimeSpan) -> TimeSpan {
        let p = period.nanoseconds, q = slice.nanoseconds, t = t.nanoseconds
        let blackout = p - q
        guard t > blackout else { return .zero }
        let n = (t - blackout) / p
        // t - 2B - nP, clamped at zero, computed without going negative.
        let used = 2 * blackout + n * p
        return TimeSpan(nanoseconds: n * q + (t > used ? t - used : 0))
    }
}
