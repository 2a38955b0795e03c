// A set of GIC interrupt IDs 0..159 as five 32-bit words, the same shape as a
// bank of GICD bit-per-interrupt registers (word n covers INTIDs 32n..32n+31).
// The vGIC keeps every per-interrupt flag in one of these, so register
// emulation is a word operation and scans visit words, not 160 bits.

public struct InterruptSet: Equatable, Sendable {
    /// INTIDs 0 ..< capacity exist (GICD_TYPER.ITLinesNumber = 4).
    public static let capacity: UInt32 = 160
    public static let wordCount = 5

    @usableFromInline
    var words: InlineArray<5, UInt32>

    @inline(__always)
    public init() { words = InlineArray(repeating: 0) }

    /// A set given word by word (word 0 = INTIDs 0..31).
    public init(words w0: UInt32, _ w1: UInt32, _ w2: UInt32, _ w3: UInt32, _ w4: UInt32) {
        words = InlineArray(repeating: 0)
        words[0] = w0
        words[1] = w1
        words[2] = w2
        words[3] = w3
        words[4] = w4
    }

    /// `count` consecutive INTIDs from `first`; those at or beyond 160 are left out.
    public init(first: UInt32, count: UInt32) {
        self.init()
        var intid = first
        while intid < InterruptSet.capacity && intid &- first < count {
            insert(intid)
            intid &+= 1
        }
    }

    /// Software-generated interrupts, INTIDs 0..15.
    public static var sgis: InterruptSet { InterruptSet(words: 0x0000_FFFF, 0, 0, 0, 0) }
    /// Private peripheral interrupts, INTIDs 16..31.
    public static var ppis: InterruptSet { InterruptSet(words: 0xFFFF_0000, 0, 0, 0, 0) }
    /// Shared peripheral interrupts, INTIDs 32..159.
    public static var spis: InterruptSet { InterruptSet(words: 0, ~0, ~0, ~0, ~0) }
    /// Every INTID the model knows.
    public static var all: InterruptSet { InterruptSet(words: ~0, ~0, ~0, ~0, ~0) }

    /// Word `index` (0..<5): bit b is INTID 32*index + b.
    @inline(__always)
    public func word(_ index: Int) -> UInt32 { words[index] }

    @inline(__always)
    public mutating func setWord(_ index: Int, _ value: UInt32) { words[index] = value }

    @inline(__always)
    public func contains(_ intid: UInt32) -> Bool {
        intid < InterruptSet.capacity && words[Int(intid &>> 5)] & (1 &<< (intid & 31)) != 0
    }

    /// `contains` read in place, for the injection path: a non-mutating call on a
    /// stored set copies its five words to the stack first (Embedded Swift, armv7).
    @inline(__always)
    public mutating func containsInPlace(_ intid: UInt32) -> Bool {
        intid < InterruptSet.capacity && words[Int(intid &>> 5)] & (1 &<< (intid & 31)) != 0
    }

    /// Adds `intid`; INTIDs at or beyond 160 are ignored.
    @inline(__always)
    public mutating func insert(_ intid: UInt32) {
        guard intid < InterruptSet.capacity else { return }
        words[Int(intid &>> 5)] |= 1 &<< (intid & 31)
    }

    @inline(__always)
    public mutating func remove(_ intid: UInt32) {
        guard intid < InterruptSet.capacity else { return }
        words[Int(intid &>> 5)] &= ~(1 &<< (intid & 31))
    }

    /// Adds or removes `intid`.
    @inline(__always)
    public mutating func update(_ intid: UInt32, to member: Bool) {
        if member { insert(intid) } else { remove(intid) }
    }

    @inline(__always)
    public var isEmpty: Bool {
        (words[0] | words[1] | words[2] | words[3] | words[4]) == 0
    }

    @inline(__always)
    public var count: Int {
        var total = 0
        for index in 0..<InterruptSet.wordCount { total += words[index].nonzeroBitCount }
        return total
    }

    /// The lowest INTID in the set.
    public var first: UInt32? {
        for index in 0..<InterruptSet.wordCount where words[index] != 0 {
            return UInt32(truncatingIfNeeded: index) &* 32 &+ UInt32(truncatingIfNeeded: words[index].trailingZeroBitCount)
        }
        return nil
    }

    @inline(__always)
    public func union(_ other: InterruptSet) -> InterruptSet {
        var result = self
        for index in 0..<InterruptSet.wordCount { result.words[index] |= other.words[index] }
        return result
    }

    @inline(__always)
    public func intersection(_ other: InterruptSet) -> InterruptSet {
        var result = self
        for index in 0..<InterruptSet.wordCount { result.words[index] &= other.words[index] }
        return result
    }

    @inline(__always)
    public func subtracting(_ other: InterruptSet) -> InterruptSet {
        var result = self
        for index in 0..<InterruptSet.wordCount { result.words[index] &= ~other.words[index] }
        return result
    }

    public mutating func formUnion(_ other: InterruptSet) { self = union(other) }
    public mutating func formIntersection(_ other: InterruptSet) { self = intersection(other) }
    public mutating func subtract(_ other: InterruptSet) { self = subtracting(other) }

    public static func == (a: InterruptSet, b: InterruptSet) -> Bool {
        for index in 0..<InterruptSet.wordCount where a.words[index] != b.words[index] { return false }
        return true
    }
}
