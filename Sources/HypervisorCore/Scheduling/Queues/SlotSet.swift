// A set of slot numbers (0..<capacity) as a bitmap: one 32-bit word per 32
// slots, so membership is O(1) and "the next member in slot order" costs one
// word per 32 slots (a single word for the hypervisor's 8 VCPUs per CPU, two
// at 64). 32-bit words because armv7 shifts a 64-bit value by a variable
// amount with a libgcc call (__aeabi_llsl), and LLVM folds a 64-bit bit built
// from 32-bit halves back into that call. Fixed capacity, never allocates.
// The reading members are `mutating` because Embedded Swift copies the whole
// set for a non-mutating call on it.
struct SlotSet<let capacity: Int> {
    /// Slots per word.
    static var wordBits: Int { 32 }

    /// Only the first `wordCount` words are used (value generics cannot size
    /// the array as capacity / 32).
    private var words: InlineArray<capacity, UInt32>

    init() { words = InlineArray(repeating: 0) }

    @inline(__always)
    private var wordCount: Int { (capacity + 31) / 32 }

    @inline(__always)
    mutating func contains(_ slot: Int) -> Bool { words[Self.wordIndex(of: slot)] & Self.bit(slot) != 0 }

    @inline(__always)
    mutating func update(_ slot: Int, member: Bool) {
        if member { words[Self.wordIndex(of: slot)] |= Self.bit(slot) } else { words[Self.wordIndex(of: slot)] &= ~Self.bit(slot) }
    }

    /// Slot's word: a shift, not a signed division (a negative slot gives a
    /// negative index, which traps).
    @inline(__always)
    static func wordIndex(of slot: Int) -> Int { slot &>> 5 }

    /// Slot's bit in its word.
    @inline(__always)
    static func bit(_ slot: Int) -> UInt32 { 1 &<< UInt32(truncatingIfNeeded: slot & 31) }

    var isEmpty: Bool {
        mutating get {
        for w in 0..<wordCount where words[w] != 0 { return false }
        return true
        }
    }

    /// The least member >= `slot`, nil when there is none.
    mutating func first(from slot: Int) -> Int? {
        if slot >= capacity { return nil }
        var w = Self.wordIndex(of: slot)
        var bits = words[w] & (UInt32.max &<< UInt32(truncatingIfNeeded: slot & 31))
        while true {
            if bits != 0 { return w * 32 + bits.trailingZeroBitCount }
            w += 1
            if w == wordCount { return nil }
            bits = words[w]
        }
    }

    /// The least member after `slot`, else the least member (round-robin in
    /// slot order); nil when empty. One word (up to 32 slots): in line, no loop.
    @inline(__always)
    mutating func firstWrapping(after slot: Int) -> Int? {
        guard wordCount == 1 else { return first(from: slot + 1) ?? first(from: 0) }
        let all = words[0]
        if all == 0 { return nil }
        let next = slot + 1
        let later = next >= 32 ? 0 : all & (UInt32.max &<< UInt32(truncatingIfNeeded: max(next, 0)))
        return (later != 0 ? later : all).trailingZeroBitCount
    }

    /// The word holding slots 32 * index ..< 32 * index + 32, for iterating a
    /// snapshot while the set changes.
    @inline(__always)
    mutating func word(_ index: Int) -> UInt32 { words[index] }

    @inline(__always)
    var wordsInUse: Int { wordCount }
}
