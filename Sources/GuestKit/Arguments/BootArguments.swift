// A guest's bootargs: space-separated `key=value` words, as in the `bootargs`
// property of its VM node (Xen's dom0less guests get a kernel command line the
// same way). Pure and allocation-free: values are slices of the original text.
import HypervisorCore

public struct BootArguments {
    public let text: UnsafeRawBufferPointer

    public init(_ text: UnsafeRawBufferPointer) { self.text = text }

    /// The value of `key`, or nil when absent. `key=` gives an empty value.
    public func value(_ key: StaticString) -> UnsafeRawBufferPointer? {
        var found: UnsafeRawBufferPointer? = nil
        _ = firstWord { word in
            found = Self.value(of: word, forKey: key)
            return found != nil
        }
        return found
    }

    /// The first space-separated word for which `test` is true.
    public func firstWord(where test: (UnsafeRawBufferPointer) -> Bool) -> UnsafeRawBufferPointer? {
        var index = 0
        while index < text.count {
            while index < text.count, text[index] == 0x20 { index += 1 }
            let wordStart = index
            while index < text.count, text[index] != 0x20 { index += 1 }
            let word = UnsafeRawBufferPointer(rebasing: text[wordStart..<index])
            if !word.isEmpty, test(word) { return word }
        }
        return nil
    }

    /// The first word whose key (the text before `=`, or the whole word
    /// without one) `isKnown` rejects; nil when every word is known.
    public func firstUnknownWord(isKnown: (UnsafeRawBufferPointer) -> Bool) -> UnsafeRawBufferPointer? {
        firstWord { word in
            let keyEnd = word.firstIndex(of: 0x3D) ?? word.count  // "="
            return keyEnd == word.count || !isKnown(UnsafeRawBufferPointer(rebasing: word[..<keyEnd]))
        }
    }

    /// Whether `key` spells exactly `name`.
    public static func key(_ key: UnsafeRawBufferPointer, is name: StaticString) -> Bool {
        name.withUTF8Buffer { expected in
            guard expected.count == key.count else { return false }
            for index in 0..<expected.count where expected[index] != key[index] { return false }
            return true
        }
    }

    /// Whether the value of `key` equals `expected`.
    public func value(_ key: StaticString, equals expected: StaticString) -> Bool {
        guard let value = value(key) else { return false }
        return expected.withUTF8Buffer { wanted in
            guard wanted.count == value.count else { return false }
            for index in 0..<wanted.count where wanted[index] != value[index] { return false }
            return true
        }
    }

    /// The decimal value of `key`, nil when absent or not a number that fits.
    public func integer(_ key: StaticString) -> UInt64? {
        guard let value = value(key) else { return nil }
        return parseDecimal(value)
    }

    private static func value(of word: UnsafeRawBufferPointer, forKey key: StaticString) -> UnsafeRawBufferPointer? {
        key.withUTF8Buffer { name in
            guard word.count > name.count, word[name.count] == 0x3D else { return nil }  // "="
            for offset in 0..<name.count where word[offset] != name[offset] { return nil }
            return UnsafeRawBufferPointer(rebasing: word[(name.count + 1)...])
        }
    }
}

/// Unsigned decimal digits only; nil when empty, not digits, or over UInt64.max.
public func parseDecimal(_ digits: UnsafeRawBufferPointer) -> UInt64? {
    guard !digits.isEmpty else { return nil }
    var value: UInt64 = 0
    for byte in digits {
        guard byte >= 0x30, byte <= 0x39 else { return nil }
        let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times10.addingReportingOverflow(UInt64(widening: UInt32(byte - 0x30)))
        guard !overflow1, !overflow2 else { return nil }
        value = sum
    }
    return value
}

/// Calls `body(period, cost)` for each `p:e` pair of a comma-separated list
/// such as `10000:3000,20000:5000`. Returns false (after calling `body` for the
/// pairs before it) when an entry is malformed.
public func forEachPeriodicTask(
    in list: UnsafeRawBufferPointer, _ body: (_ period: UInt64, _ cost: UInt64) -> Void
) -> Bool {
    var start = 0
    while start < list.count {
        var end = start
        while end < list.count, list[end] != 0x2C { end += 1 }  // ","
        let entry = UnsafeRawBufferPointer(rebasing: list[start..<end])
        guard let colon = entry.firstIndex(of: 0x3A),  // ":"
              let period = parseDecimal(UnsafeRawBufferPointer(rebasing: entry[..<colon])),
              let cost = parseDecimal(UnsafeRawBufferPointer(rebasing: entry[(colon + 1)...]))
        else { return false }
        body(period, cost)
        start = end + 1
    }
    return true
}
