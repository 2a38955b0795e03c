// Turns the switch records into who-held-the-CPU intervals. Before the first switch the CPU
// belongs to that switch's FROM (the record says who it took the CPU from); a trace without
// switches is idle throughout, since nothing says otherwise.

enum TraceIntervalBuilder {
    static func build(switches: [TraceSwitch], start: UInt64, end: UInt64) -> [TraceCPUHolder: [TraceRunInterval]] {
        var result: [TraceCPUHolder: [TraceRunInterval]] = [:]
        var holder = switches.first?.from ?? .idle
        var since = start
        // The opening interval exists only if it covers time: at `start` nobody was switched
        // to, so a zero-length one would count a scheduling that never happened.
        var opened = false
        for change in switches where change.from != change.to {
            if opened || change.time > since {
                result[holder, default: []].append(TraceRunInterval(start: since, end: change.time))
            }
            holder = change.to
            since = change.time
            opened = true
        }
        if opened || end > since {
            result[holder, default: []].append(TraceRunInterval(start: since, end: end))
        }
        return result
    }
}
