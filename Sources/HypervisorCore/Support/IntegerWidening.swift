// Embedded Swift on 32-bit ARM with -no-allocations rejects some integer
// operations on 64-bit values, because the generic stdlib path behind them
// can build an Array of words: "cannot use allocating type
// '_ContiguousArrayStorage<UInt>'". Verified with Swift 6.3.1 at -Onone, -O and -Osize:
//   rejected: UInt64(x) / UInt64(truncatingIfNeeded: x) / Int64(x) from any
//             narrower type; `v << n` and `v >> n` on UInt64 (even with literals)
//   accepted: `v &<< n` and `v &>> n` with n a UInt64 or a literal; narrowing
//             (UInt32(truncatingIfNeeded: v)); + - * / %; multipliedFullWidth;
//             dividingFullWidth; UInt64(_truncatingBits:)
//   also rejected: zip() over buffers (use an index loop), and
//             UnsafeMutableRawPointer.storeBytes (use a typed pointer).
// So the core widens through these helpers and shifts with &<< / &>>.

extension UInt64 {
    /// Zero-extends a 32-bit value without the generic conversion path.
    @inline(__always)
    public init(widening value: UInt32) { self.init(_truncatingBits: UInt(value)) }

    /// Converts a non-negative Int (32 or 64 bits wide); negative values become 0.
    @inline(__always)
    public init(clampingNonNegative value: Int) {
        self.init(_truncatingBits: value < 0 ? 0 : UInt(bitPattern: value))
    }
}

extension Int64 {
    /// Sign-extends an Int (32 or 64 bits wide) without the generic conversion path.
    @inline(__always)
    public init(widening value: Int) {
        let magnitude = UInt64(_truncatingBits: value.magnitude)
        self = value < 0 ? 0 &- Int64(bitPattern: magnitude) : Int64(bitPattern: magnitude)
    }
}
