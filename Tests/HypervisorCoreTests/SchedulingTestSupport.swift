// Shared helpers for the scheduler tests: a deterministic PRNG and a driver
// that runs a scheduler like the hypervisor would (decide, run until the
// answer's `until` or the next scripted event, charge, repeat).
import HypervisorCore
import XCTest

func ms(_ v: UInt64) -> TimeSpan { .milliseconds(v) }
func us(_ v: UInt64) -> TimeSpan { .microseconds(v) }
func at(ms v: UInt64) -> Instant { Instant(nanoseconds: v * 1_000_000) }
func at(us v: UInt64) -> Instant { Instant(nanoseconds: v * 1_000) }

/// A stretch of time during which one VCPU (nil: idle) held the CPU.
struct RunInterval: Equatable, CustomStringConvertible {
    var vcpu: VCPUID?
    var start: Instant
    var end: Instant

    var length: TimeSpan { end.since(start) }
    var description: String {
        "\(vcpu.map { "v\($0.rawValue)" } ?? "idle")[\(start.nanoseconds / 1000)us,\(end.nanoseconds / 1000)us)"
    }
}

/// A scripted event for `drive`: applied at `time`, before the decision taken then.
struct ScriptedEvent<S: VCPUScheduler> {
    var time: Instant
    var apply: (inout S, Instant) throws -> Void
}

/// Runs `scheduler` from `start` to `end`, applying `events` at their times.
/// `observe` sees every decision (with the scheduler after it) for extra checks.
/// Returns the merged run intervals.
func drive<S: VCPUScheduler>(
    _ scheduler: inout S, from start: Instant = .zero, to end: Instant,
    events: [ScriptedEvent<S>] = [],
    observe: (SchedulingDecision, Instant, Instant, S) -> Void = { _, _, _, _ in },
    file: StaticString = #filePath, line: UInt = #line
) throws -> [RunInterval] {
    let events = events.sorted { $0.time < $1.time }
    var nextEvent = 0
    var now = start
    var intervals: [RunInterval] = []
    while now < end {
        while nextEvent < events.count && events[nextEvent].time <= now {
            try events[nextEvent].apply(&scheduler, now)
            nextEvent += 1
        }
        let decision = scheduler.decide(now: now)
        var stop = min(decision.until, end)
        if nextEvent < events.count { stop = min(stop, events[nextEvent].time) }
        guard stop > now else {
            XCTFail("no progress at \(now.nanoseconds) ns: \(decision)", file: file, line: line)
            break
        }
        observe(decision, now, stop, scheduler)
        if let last = intervals.last, last.vcpu == decision.vcpu, last.end == now {
            intervals[intervals.count - 1].end = stop
        } else {
            intervals.append(RunInterval(vcpu: decision.vcpu, start: now, end: stop))
        }
        now = stop
        scheduler.charge(now: now)
    }
    return intervals
}

/// Total time `vcpu` held the CPU within [from, to).
func supply(of vcpu: VCPUID, in intervals: [RunInterval], from: Instant, to: Instant) -> TimeSpan {
    var total = TimeSpan.zero
    for interval in intervals where interval.vcpu == vcpu {
        let start = max(interval.start, from)
        let end = min(interval.end, to)
        if end > start { total += end.since(start) }
    }
    return total
}
