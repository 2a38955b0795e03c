// Times one operation on the host: calibrate a batch size so that one run lasts about
// `targetRunTime` (which also warms caches and branch predictors), then time `runs` such
// runs with the monotonic ContinuousClock and report nanoseconds per operation. The median
// is the headline figure: it ignores the odd run slowed by the other processes on a shared
// machine. Numbers only; nothing here asserts anything about time.

public struct BenchHarness: Sendable {
    public var runs: Int
    public var targetRunTime: Duration
    /// Exactly this many operations per run, without calibration or warm-up: for counting
    /// instructions under a simulator such as callgrind, where time means nothing.
    public var fixedOperations: Int?

    public init(runs: Int = 7, targetRunTime: Duration = .milliseconds(40), fixedOperations: Int? = nil) {
        self.runs = max(1, runs)
        self.targetRunTime = targetRunTime
        self.fixedOperations = fixedOperations
    }

    /// `body(n)` performs n operations and returns a checksum of their results, which is
    /// consumed so the optimiser cannot drop the work.
    public func measure(_ body: (Int) -> UInt64) -> BenchTiming {
        let clock = ContinuousClock()
        let operations = fixedOperations ?? calibrate(body, clock: clock)
        var samples: [Double] = []
        for _ in 0..<runs {
            let start = clock.now
            BenchSink.consume(body(operations))
            samples.append(Self.nanoseconds(clock.now - start) / Double(operations))
        }
        return BenchTiming(samples: samples, operationsPerRun: operations)
    }

    /// Doubles the batch until it takes a quarter of the target (which also warms up), then
    /// sizes a run to last about the target.
    private func calibrate(_ body: (Int) -> UInt64, clock: ContinuousClock) -> Int {
        var batch = 1
        var elapsed = Duration.zero
        while true {
            let start = clock.now
            BenchSink.consume(body(batch))
            elapsed = clock.now - start
            if elapsed >= targetRunTime / 4 || batch >= 1 << 30 { break }
            batch *= 2
        }
        let perOperation = Self.nanoseconds(elapsed) / Double(batch)
        return max(1, Int(Self.nanoseconds(targetRunTime) / max(perOperation, 0.001)))
    }

    static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}

/// Nanoseconds per operation of each timed run.
public struct BenchTiming: Equatable, Sendable {
    public var samples: [Double]
    public var operationsPerRun: Int

    public var median: Double {
        let sorted = samples.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    public var minimum: Double { samples.min() ?? 0 }
    public var maximum: Double { samples.max() ?? 0 }
}

/// Keeps checksums alive across the optimiser; the value itself is never looked at.
enum BenchSink {
    nonisolated(unsafe) static var total: UInt64 = 0

    @inline(never)
    static func consume(_ value: UInt64) { total &+= value }
}
