// Parsing the command line's task lists ("p:e,p:e,...") and whole numbers,
// with messages that name the bad item. Formatting goes the other way.
import HypervisorCore
import InterfaceAnalysis

/// Bad command-line input: a one-line message naming what is wrong.
public struct InputError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum TaskListParsing {
    /// "10:2,20:5" -> [(10, 2), (20, 5)]; spaces around items are allowed.
    /// Every task needs 0 < e <= p; errors name the task (1-based) and the text.
    public static func parseTasks(_ text: String, option: String = "--tasks") throws(InputError) -> [AnalysisTask] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map(trimmed)
        if items.count == 1 && items[0].isEmpty { throw InputError("\(option): empty task list (expected period:execution,...)") }
        var tasks: [AnalysisTask] = []
        for (index, item) in items.enumerated() {
            let name = "\(option): task \(index + 1) '\(item)'"
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map(trimmed)
            guard parts.count == 2 else { throw InputError("\(name): expected period:execution") }
            let period = try parseWholeNumber(parts[0], what: "\(name): period")
            let execution = try parseWholeNumber(parts[1], what: "\(name): execution")
            if period == 0 { throw InputError("\(name): period must be greater than zero") }
            if execution == 0 { throw InputError("\(name): execution must be greater than zero") }
            if execution > period { throw InputError("\(name): execution \(execution) exceeds period \(period)") }
            tasks.append(AnalysisTask(period: period, execution: execution))
        }
        return tasks
    }

    /// A decimal whole number that fits in 64 bits: digits only, no sign.
    public static func parseWholeNumber(_ text: String, what: String) throws(InputError) -> UInt64 {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw InputError("\(what) '\(text)' is not a whole number")
        }
        guard let value = UInt64(text) else { throw InputError("\(what) '\(text)' is too large (at most \(UInt64.max))") }
        return value
    }

    /// "A...B" with 1 <= A <= B.
    public static func parsePeriodRange(_ text: String, option: String = "--period-range") throws(InputError) -> ClosedRange<UInt64> {
        let parts = text.split(separator: "...", omittingEmptySubsequences: false).map(trimmed)
        guard parts.count == 2 else { throw InputError("\(option): expected A...B, found '\(text)'") }
        let low = try parseWholeNumber(parts[0], what: "\(option): start")
        let high = try parseWholeNumber(parts[1], what: "\(option): end")
        if low == 0 { throw InputError("\(option): periods must be greater than zero") }
        if low > high { throw InputError("\(option): start \(low) is greater than end \(high)") }
        return low...high
    }

    /// The inverse of `parseTasks`: "10:2,20:5".
    public static func format(_ tasks: [AnalysisTask], separator: String = ",") -> String {
        tasks.map { "\($0.period):\($0.execution)" }.joined(separator: separator)
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
