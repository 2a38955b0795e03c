// A set of slot numbers (0..<capacity) as a bitmap: one 64-bit word per 64
// slots, so membership is O(1) and "the next member in slot order" costs one
// word per 64 slots (a single word for every table up to 64 VCPUs). Fixed
// capacity, never allocates. The reading members are `mutating` because
// Embedded Swift copies the whole set for a non-mutating call on it.
struct SlotSet<let capacity: Int> {
    /// Only the first `wordCount` words are used (value generics cannot size
    /// the array as capacity / 64).
    private var words: InlineArray<capacity, UInt64>

    init() { words = InlineArray(repeating: 0) }

    @inline(__always)
    private var wordCount: Int { (capacity + 63) / 64 }

    @inline(__always)
    mutating func contains(_ slot: Int) -> Bool { words[slot / 64] & Self.bit(slot) != 0 }

    @inline(__always)
    mutating func update(_ slot: Int, member: Bool) {
        if member { words[slot / 64] |= Self.bit(slot) } else { words[slot / 64] &= ~Self.bit(slot) }
    }

    /// Slot's bit in its word, from a 32-bit shift and a constant one: on
    /// armv7 a 64-bit shift by a variable amount is a libgcc call (__aeabi_llsl).
    @inline(__always)
    static func bit(_ slot: Int) -> UInt64 {
        let inHalf = UInt64(widening: UInt32(1) &<< UInt32(truncatingIfNeeded: slot & 31))
        if slot & 32 == 0 { return inHalf }
        return inHalf &* 0x1_0000_0000
    }

    /// The bits of slot's word from slot's bit up, from 32-bit shifts (see `bit`).
    @inline(__always)
    static func atOrAbove(_ slot: Int) -> UInt64 {
        let inHalf = UInt32.max &<< UInt32(truncatingIfNeeded: slot & 31)
        if slot & 32 == 0 { return UInt64(widening: inHalf) | 0xFFFF_FFFF_0000_0000 }
        return UInt64(widening: inHalf) &* 0x1_0000_0000
    }

    var isEmpty: Bool {
        mutating get {
        for w in 0..<wordCount where words[w] != 0 { return false }
        return true
        }
    }

    /// The least member >= `slot`, nil when there is none.
    mutating func first(from slot: Int) -> Int? {
        if slot >= capacity { return nil }
        var w = slot / 64
        var bits = words[w] & Self.atOrAbove(slot)
        while true {
            if bits != 0 { return w * 64 + bits.trailingZeroBitCount }
            w += 1
            if w == wordCount { return nil }
            bits = words[w]
        }
    }

    /// The word holding slots 64 * index ..< 64 * index + 64, for iterating a
    /// snapshot while the set changes.
    @inline(__always)
    mutating func word(_ index: Int) -> UInt64 { words[index] }

    @inline(__always)
    var wordsInUse: Int { wordCount }
}
