// What is wrong with a guest's bootargs, in words a console line can carry:
// `bootargs: tasks: not a list of period:cost pairs`.
import HypervisorCore

public struct GuestArgumentError: Error, Sendable {
    public enum Problem: Equatable, Sendable {
        case missing
        case malformed
        case unknownValue
        case outOfRange
        case tooMany
        case notAllowedHere
    }

    public var key: StaticString
    public var problem: Problem
    /// A short explanation, specific to the key.
    public var detail: StaticString

    public init(_ key: StaticString, _ problem: Problem, _ detail: StaticString) {
        self.key = key
        self.problem = problem
        self.detail = detail
    }

    /// Writes `bootargs: <key>: <detail>`.
    public func describe<Sink: TextSink>(to sink: inout Sink) {
        sink.write("bootargs: ")
        sink.write(key)
        sink.write(": ")
        sink.write(detail)
    }
}

/// `0x` followed by 1 to 8 hexadecimal digits (either case).
public func parseHex32(_ text: UnsafeRawBufferPointer) -> UInt32? {
    guard text.count > 2, text.count <= 10, text[0] == 0x30, text[1] == 0x78 || text[1] == 0x58 else { return nil }
    var value: UInt32 = 0
    for index in 2..<text.count {
        let byte = text[index]
        let digit: UInt8
        switch byte {
        case 0x30...0x39: digit = byte - 0x30
        case 0x61...0x66: digit = byte - 0x61 + 10
        case 0x41...0x46: digit = byte - 0x41 + 10
        default: return nil
        }
        value = value &<< 4 | UInt32(digit)
    }
    return value
}

/// `a:b`, two unsigned decimals.
public func parseDecimalPair(_ text: UnsafeRawBufferPointer) -> (UInt64, UInt64)? {
    guard let colon = text.firstIndex(of: 0x3A),
          let first = parseDecimal(UnsafeRawBufferPointer(rebasing: text[..<colon])),
          let second = parseDecimal(UnsafeRawBufferPointer(rebasing: text[(colon + 1)...]))
    else { return nil }
    return (first, second)
}

extension BootArguments {
    /// The decimal value of `key` within `1...limit`.
    func requiredInteger(_ key: StaticString, limit: UInt64, detail: StaticString) throws(GuestArgumentError) -> UInt64 {
        try requiredInteger(key, from: 1, to: limit, detail: detail)
    }

    /// The decimal value of `key` within `low...high`: missing, malformed
    /// and out-of-range values are errors naming the key.
    public func requiredInteger(_ key: StaticString, from low: UInt64, to high: UInt64,
                                detail: StaticString) throws(GuestArgumentError) -> UInt64 {
        guard value(key) != nil else { throw GuestArgumentError(key, .missing, "missing") }
        guard let number = integer(key) else { throw GuestArgumentError(key, .malformed, detail) }
        guard number >= low, number <= high else { throw GuestArgumentError(key, .outOfRange, detail) }
        return number
    }

    /// The `0x` hex value of `key`, nonzero and a multiple of `alignment`.
    public func requiredHex(_ key: StaticString, alignment: UInt32, detail: StaticString) throws(GuestArgumentError) -> UInt32 {
        guard let text = value(key) else { throw GuestArgumentError(key, .missing, "missing") }
        guard let value = parseHex32(text) else { throw GuestArgumentError(key, .malformed, detail) }
        guard value != 0, value % alignment == 0 else { throw GuestArgumentError(key, .outOfRange, detail) }
        return value
    }
}
