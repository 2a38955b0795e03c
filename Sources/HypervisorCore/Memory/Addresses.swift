// Two address spaces that must never be mixed up: real (physical) addresses,
// which stage 2 produces, and guest-physical (intermediate physical, IPA)
// addresses, which a guest's stage 1 produces. Both are 64-bit values because
// LPAE physical addresses are 40 bits wide and a 4 GiB range ends at 2^32;
// separate types make "map IPA x to PA y" impossible to write the wrong way round.

/// A real physical address (LPAE: up to 40 bits).
public struct PhysicalAddress: Comparable, Hashable, Sendable {
    public var value: UInt64
    @inline(__always) public init(_ value: UInt64) { self.value = value }
    @inline(__always) public init(_ value: UInt32) { self.value = UInt64(widening: value) }
    @inline(__always) public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
}

/// A guest-physical (intermediate physical) address: what a guest believes is physical.
public struct GuestPhysicalAddress: Comparable, Hashable, Sendable {
    public var value: UInt64
    @inline(__always) public init(_ value: UInt64) { self.value = value }
    @inline(__always) public init(_ value: UInt32) { self.value = UInt64(widening: value) }
    @inline(__always) public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
}

/// Page and block sizes of the LPAE translation scheme.
public enum PageSize {
    public static let small: UInt64 = 0x1000          // 4 KiB
    public static let block: UInt64 = 0x20_0000       // 2 MiB (level 2 block)
    public static let gigabyte: UInt64 = 0x4000_0000  // 1 GiB (level 1 entry)
}

/// A non-empty range of physical addresses, [base, base + size).
public struct PhysicalRange: Equatable, Hashable, Sendable {
    public var base: PhysicalAddress
    public var size: UInt64
    public init(base: PhysicalAddress, size: UInt64) { self.base = base; self.size = size }
    /// One past the last byte (callers keep base + size below 2^64).
    public var end: UInt64 { base.value &+ size }
    public func contains(_ address: PhysicalAddress) -> Bool {
        address.value >= base.value && address.value - base.value < size
    }
    public func contains(_ other: PhysicalRange) -> Bool {
        other.base.value >= base.value && other.end <= end
    }
    public func overlaps(_ other: PhysicalRange) -> Bool {
        base.value < other.end && other.base.value < end
    }
}

/// A non-empty range of guest-physical addresses, [base, base + size).
public struct GuestPhysicalRange: Equatable, Hashable, Sendable {
    public var base: GuestPhysicalAddress
    public var size: UInt64
    public init(base: GuestPhysicalAddress, size: UInt64) { self.base = base; self.size = size }
    public var end: UInt64 { base.value &+ size }
    public func contains(_ address: GuestPhysicalAddress) -> Bool {
        address.value >= base.value && address.value - base.value < size
    }
    public func overlaps(_ other: GuestPhysicalRange) -> Bool {
        base.value < other.end && other.base.value < end
    }
}

extension TextSink {
    /// `0xBASE-0xLAST` (inclusive last byte), the form used in messages.
    mutating func write(range base: UInt64, size: UInt64) {
        write(address: base)
        write("-")
        write(address: base &+ size &- 1)
    }

    /// Eight hex digits, or ten for a 40-bit LPAE address.
    public mutating func write(address: UInt64) {
        write(hex: address, digits: address > 0xFFFF_FFFF ? 10 : 8)
    }

    public mutating func write(_ range: PhysicalRange) { write(range: range.base.value, size: range.size) }
    public mutating func write(_ range: GuestPhysicalRange) { write(range: range.base.value, size: range.size) }
}
