// Reading and writing lengths of time with units ("10ms", "2.5ms", "500us",
// "1s", "250ns"), exactly: decimal digits are scaled in integers, never via
// floating point, and a value that is not a whole number of nanoseconds or
// does not fit in 64 bits is refused.
import HypervisorCore

enum TimeSpanText {
    static let units: [(suffix: String, nanoseconds: UInt64)] = [
        ("ns", 1), ("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
    ]

    /// Parses `text`; on failure returns a reason suitable after "bad time '...':".
    static func parse(_ text: String) -> Result<TimeSpan, TimeSpanTextError> {
        // Longest suffix first so that "ms" is not read as "s".
        guard let unit = units.sorted(by: { $0.suffix.count > $1.suffix.count })
            .first(where: { text.hasSuffix($0.suffix) })
        else { return .failure(.missingUnit) }
        let number = text.dropLast(unit.suffix.count)
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit),
              parts.count == 1 || !fraction.isEmpty
        else { return .failure(.notANumber) }
        var value: UInt64 = 0
        for digit in whole {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit.asciiValue! - 48))
            if o1 || o2 { return .failure(.tooLarge) }
            value = sum
        }
        let (scaled, overflow) = value.multipliedReportingOverflow(by: unit.nanoseconds)
        if overflow { return .failure(.tooLarge) }
        // Fractional digits: each one is worth unit / 10^k nanoseconds.
        var place = unit.nanoseconds
        var fractionNanoseconds: UInt64 = 0
        for digit in fraction {
            let d = UInt64(digit.asciiValue! - 48)
            if place % 10 != 0 {
                if d != 0 { return .failure(.finerThanNanoseconds) }
                continue
            }
            place /= 10
            fractionNanoseconds += d * place
        }
        let (total, o3) = scaled.addingReportingOverflow(fractionNanoseconds)
        if o3 { return .failure(.tooLarge) }
        return .success(TimeSpan(nanoseconds: total))
    }

    /// A short exact rendering: the largest of s, ms, us that divides the
    /// value, else milliseconds with up to six decimals (or plain ns below 1 ms).
    static func format(_ span: TimeSpan) -> String {
        let ns = span.nanoseconds
        if ns == 0 { return "0" }
        for unit in units.reversed() where unit.nanoseconds > 1 && ns % unit.nanoseconds == 0 {
            return "\(ns / unit.nanoseconds)\(unit.suffix)"
        }
        if ns < 1_000_000 { return "\(ns)ns" }
        var fraction = String(ns % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(ns / 1_000_000).\(fraction)ms"
    }

    /// Milliseconds with three decimals, for tables ("27.000").
    static func milliseconds(_ span: TimeSpan) -> String {
        let micro = (span.nanoseconds + 500) / 1_000
        let fraction = String(micro % 1_000)
        return "\(micro / 1_000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

enum TimeSpanTextError: Error {
    case missingUnit, notANumber, tooLarge, finerThanNanoseconds

    var reason: String {
        switch self {
        case .missingUnit: "needs a unit (ns, us, ms or s)"
        case .notANumber: "is not a decimal number"
        case .tooLarge: "is too large (more than 2^64 - 1 ns)"
        case .finerThanNanoseconds: "is not a whole number of nanoseconds"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
