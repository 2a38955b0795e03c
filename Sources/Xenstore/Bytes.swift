// Byte strings without String (no Unicode tables, no heap): a pointer and a
// count into memory the store owns or a message it is reading.

/// A read-only run of bytes.
public struct Bytes {
    public let start: UnsafePointer<UInt8>
    public let count: Int

    @inline(__always)
    public init(_ start: UnsafePointer<UInt8>, count: Int) {
        self.start = start
        self.count = count
    }

    public init(_ text: StaticString) {
        start = text.utf8Start
        count = text.utf8CodeUnitCount
    }

    @inline(__always)
    public subscript(index: Int) -> UInt8 { start[index] }

    public func equals(_ other: Bytes) -> Bool {
        count == other.count && hasPrefix(other)
    }

    public func hasPrefix(_ prefix: Bytes) -> Bool {
        guard prefix.count <= count else { return false }
        for index in 0..<prefix.count where start[index] != prefix[index] { return false }
        return true
    }

    /// The bytes from `offset` to the end.
    public func dropFirst(_ offset: Int) -> Bytes { Bytes(start + offset, count: count - offset) }

    /// The first `length` bytes.
    public func prefix(_ length: Int) -> Bytes { Bytes(start, count: length) }

    /// The index of the first `byte`, if any.
    public func firstIndex(of byte: UInt8) -> Int? {
        for index in 0..<count where start[index] == byte { return index }
        return nil
    }

    /// The index of the last `byte`, if any.
    public func lastIndex(of byte: UInt8) -> Int? {
        var index = count - 1
        while index >= 0 {
            if start[index] == byte { return index }
            index -= 1
        }
        return nil
    }

    /// A decimal number without sign, leading '+' or spaces, that fits in 32 bits.
    public var decimalValue: UInt32? {
        guard count > 0 && count <= 10 else { return nil }
        // In 32 bits with overflow checks: 64-bit conversions allocate on armv7.
        var value: UInt32 = 0
        for index in 0..<count {
            let digit = start[index]
            guard digit >= 0x30 && digit <= 0x39 else { return nil }
            let (tens, overflowTens) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = tens.addingReportingOverflow(UInt32(digit - 0x30))
            guard !overflowTens && !overflowSum else { return nil }
            value = sum
        }
        return value
    }

    /// FNV-1a, 32 bits: how transactions remember the paths they touched.
    public var hash: UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for index in 0..<count { hash = (hash ^ UInt32(start[index])) &* 0x0100_0193 }
        return hash
    }
}

/// Splits a payload into its NUL-terminated strings, front to back.
public struct PayloadFields {
    private var rest: Bytes

    public init(_ payload: Bytes) { rest = payload }

    /// Whether every byte has been taken.
    public var isEmpty: Bool { rest.count == 0 }

    /// The next string up to its NUL (the NUL is consumed, not returned);
    /// nil when no NUL ends it.
    public mutating func next() -> Bytes? {
        guard let end = rest.firstIndex(of: 0) else { return nil }
        let field = rest.prefix(end)
        rest = rest.dropFirst(end + 1)
        return field
    }

    /// Everything not taken yet (WRITE's value is the rest of the payload).
    public mutating func remainder() -> Bytes {
        let all = rest
        rest = rest.dropFirst(rest.count)
        return all
    }
}

/// Appends bytes to a fixed buffer; reports when they do not fit.
public struct ByteWriter {
    public let start: UnsafeMutablePointer<UInt8>
    public let capacity: Int
    public private(set) var count = 0
    /// Set once an append did not fit; nothing after it is written.
    public private(set) var overflowed = false

    public init(_ start: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.start = start
        self.capacity = capacity
    }

    public var written: Bytes { Bytes(UnsafePointer(start), count: count) }

    public mutating func append(_ byte: UInt8) {
        guard !overflowed && count < capacity else { overflowed = true; return }
        start[count] = byte
        count += 1
    }

    public mutating func append(_ bytes: Bytes) {
        guard !overflowed && capacity - count >= bytes.count else { overflowed = true; return }
        for index in 0..<bytes.count { start[count + index] = bytes[index] }
        count += bytes.count
    }

    public mutating func append(_ text: StaticString) { append(Bytes(text)) }

    public mutating func appendDecimal(_ value: UInt32) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var remaining = value
        var length = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[length] = UInt8(remaining % 10) + 0x30
                remaining /= 10
                length += 1
            } while remaining > 0
        }
        withUnsafeBytes(of: &digits) { buffer in
            var index = length - 1
            while index >= 0 {
                append(buffer[index])
                index -= 1
            }
        }
    }
}
