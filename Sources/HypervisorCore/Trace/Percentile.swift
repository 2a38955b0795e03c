// Percentiles of a guest's measured samples, in place: no allocation, so the
// samples live in storage the caller owns (a guest's BSS).

public enum Percentile {
    /// Sorts `samples` ascending in place (insertion sort: a guest keeps at
    /// most a few thousand samples and sorts once, at the end).
    public static func sort(_ samples: UnsafeMutableBufferPointer<UInt32>) {
        guard samples.count > 1 else { return }
        for i in 1..<samples.count {
            let value = samples[i]
            var j = i
            while j > 0, samples[j - 1] > value {
                samples[j] = samples[j - 1]
                j -= 1
            }
            samples[j] = value
        }
    }

    /// The nearest-rank `percent` percentile (1...100) of samples already
    /// sorted ascending: the smallest sample with at least `percent`% of all
    /// samples at or below it. 0 when there are none.
    public static func nearestRank(_ percent: Int, ofSorted samples: UnsafeMutableBufferPointer<UInt32>) -> UInt32 {
        guard samples.count > 0 else { return 0 }
        let p = min(max(percent, 1), 100)
        let rank = (p * samples.count + 99) / 100  // ceil(p/100 * n), 1-based
        return samples[max(rank, 1) - 1]
    }

    /// Sorts the first `count` samples of `storage` and returns their
    /// nearest-rank `percent` percentile (0 when there are none).
    public static func nearestRank<let n: Int>(_ percent: Int, sorting storage: inout InlineArray<n, UInt32>,
                                               count: Int) -> UInt32 {
        let kept = min(max(count, 0), n)
        return withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: UInt32.self, capacity: n) { first in
                let samples = UnsafeMutableBufferPointer(start: first, count: kept)
                sort(samples)
                return nearestRank(percent, ofSorted: samples)
            }
        }
    }
}
