// Loads and stores at byte offsets into memory another domain can also write.
// Every access is a plain aligned load or store of at most 32 bits (a 64-bit
// field is two 32-bit halves, little-endian as on ARM), so nothing here needs
// 8-byte alignment (LDRD/STRD) and nothing is reinterpreted as a Swift type
// whose layout the compiler chooses: ring entries spell out their C offsets.
// Stores go through a typed pointer (UnsafeMutableRawPointer.storeBytes is
// rejected under Embedded -no-allocations on armv7).

/// A view of shared bytes at `base`. The caller guarantees the offsets it
/// passes lie inside the region; ring code only passes offsets it computed
/// from its own layout, never a value read from the region.
public struct SharedMemory {
    public let base: UnsafeMutableRawPointer

    @inline(__always)
    public init(_ base: UnsafeMutableRawPointer) { self.base = base }

    /// The view `offset` bytes further on.
    @inline(__always)
    public func advanced(by offset: Int) -> SharedMemory { SharedMemory(base + offset) }

    @inline(__always)
    public func load8(_ offset: Int) -> UInt8 { base.load(fromByteOffset: offset, as: UInt8.self) }

    @inline(__always)
    public func load16(_ offset: Int) -> UInt16 { base.load(fromByteOffset: offset, as: UInt16.self) }

    @inline(__always)
    public func load32(_ offset: Int) -> UInt32 { base.load(fromByteOffset: offset, as: UInt32.self) }

    @inline(__always)
    public func load64(_ offset: Int) -> UInt64 {
        // HypervisorCore's UInt64(widening:), spelled out so that the ring
        // protocol depends on nothing (generic widening allocates on armv7).
        let low = UInt64(_truncatingBits: UInt(load32(offset)))
        let high = UInt64(_truncatingBits: UInt(load32(offset + 4)))
        return low | (high &<< 32)
    }

    @inline(__always)
    public func store8(_ value: UInt8, _ offset: Int) {
        (base + offset).withMemoryRebound(to: UInt8.self, capacity: 1) { $0.pointee = value }
    }

    @inline(__always)
    public func store16(_ value: UInt16, _ offset: Int) {
        (base + offset).withMemoryRebound(to: UInt16.self, capacity: 1) { $0.pointee = value }
    }

    @inline(__always)
    public func store32(_ value: UInt32, _ offset: Int) {
        (base + offset).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee = value }
    }

    @inline(__always)
    public func store64(_ value: UInt64, _ offset: Int) {
        store32(UInt32(truncatingIfNeeded: value), offset)
        store32(UInt32(truncatingIfNeeded: value &>> 32), offset + 4)
    }

    /// Zeroes `count` bytes from `offset`, a word at a time where it can.
    public func zero(_ offset: Int, count: Int) {
        var at = offset
        let end = offset + count
        while at < end && at & 3 != 0 { store8(0, at); at += 1 }
        while at + 4 <= end { store32(0, at); at += 4 }
        while at < end { store8(0, at); at += 1 }
    }
}
