// The CPU time one VCPU received, as merged intervals, with the questions the
// report asks: how much in total, and the least it got in any window of a
// given length (compare with the periodic resource's sbf).
import HypervisorCore

struct SupplyRecord {
    private(set) var starts: [UInt64] = []
    private(set) var ends: [UInt64] = []
    /// prefix[i] = supply in intervals 0..<i.
    private var prefix: [UInt64] = [0]

    var total: TimeSpan { TimeSpan(nanoseconds: prefix.last!) }

    mutating func add(from start: Instant, to end: Instant) {
        guard end > start else { return }
        if let last = ends.last, last == start.nanoseconds {
            ends[ends.count - 1] = end.nanoseconds
            prefix[prefix.count - 1] += end.nanoseconds - start.nanoseconds
        } else {
            starts.append(start.nanoseconds)
            ends.append(end.nanoseconds)
            prefix.append(prefix.last! + end.nanoseconds - start.nanoseconds)
        }
    }

    /// Supply received in [0, t).
    func cumulative(at t: UInt64) -> UInt64 {
        // Intervals entirely before t, then the part of the one containing t.
        var low = 0, high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] < t { low = mid + 1 } else { high = mid }
        }
        // low = number of intervals starting before t.
        guard low > 0 else { return 0 }
        let last = low - 1
        return prefix[last] + min(ends[last], t) - starts[last]
    }

    /// The least supply in any window [s, s + length) inside [0, horizon).
    /// The supply in a window is piecewise linear in s, so its minimum is at a
    /// window start where an interval ends, a window end where one starts, or
    /// the extremes.
    func minimumSupply(inWindowsOf length: TimeSpan, horizon: Instant) -> TimeSpan? {
        let w = length.nanoseconds, h = horizon.nanoseconds
        guard w > 0, w <= h else { return nil }
        var best = UInt64.max
        func consider(_ s: UInt64) {
            guard s + w <= h else { return }
            best = min(best, cumulative(at: s + w) - cumulative(at: s))
        }
        consider(0)
        consider(h - w)
        for e in ends { consider(e) }
        for s in starts where s >= w { consider(s - w) }
        return TimeSpan(nanoseconds: best)
    }
}
