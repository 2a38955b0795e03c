// The seeded generator every host test target draws its cases from (one copy
// for all of them): failures replay exactly from the seed.

/// SplitMix64 (Steele, Lea, Flood): tiny, deterministic, good enough to draw test cases.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range` (modulo bias is irrelevant for tests).
    public mutating func next(in range: ClosedRange<UInt64>) -> UInt64 {
        range.lowerBound + next() % (range.upperBound - range.lowerBound + 1)
    }

    /// In 0..<bound (modulo bias is irrelevant for tests).
    public mutating func below<Bound: BinaryInteger>(_ bound: Bound) -> Bound {
        Bound(next() % UInt64(bound))
    }

    /// The low 32 bits of the next value.
    public mutating func word() -> UInt32 { UInt32(truncatingIfNeeded: next()) }

    public mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
}
