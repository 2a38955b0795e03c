// The two renderings of an InterfaceOutcome: aligned lines for people, one
// JSON object for programs. Decimals are exact roundings of exact fractions.
import HypervisorCore

extension InterfaceOutcome {
    /// Readable lines, newline-terminated.
    public func text() -> String {
        var lines: [(String, String)] = [
            ("policy", request.policy.name.uppercased()),
            ("tasks", TaskListParsing.format(request.tasks, separator: ", ") + "  (period:execution)"),
            ("utilization", utilization.map { "\($0.text) = \($0.percent())" } ?? "too large to show exactly"),
        ]
        if case .range(let range) = request.periods {
            lines.append(("period range", "\(range.lowerBound)...\(range.upperBound) (least (budget + overhead) / period wins; ties: longer period)"))
        }
        lines.append(("period", period.map(String.init) ?? "none"))
        if let interface {
            lines.append(("budget", "\(interface.budget)"))
            let bandwidth = ExactFraction(interface.budget, interface.period)
            lines.append(("bandwidth", "\(bandwidth.text) = \(bandwidth.percent())"))
            if interface.overhead > 0 {
                let reserved = ExactFraction(interface.slice, interface.period)
                lines.append(("overhead", "\(interface.overhead) per period"))
                lines.append(("slice", "\(interface.slice) (budget + overhead)"))
                lines.append(("reserved", "\(reserved.text) = \(reserved.percent())"))
            }
        } else {
            lines.append(("budget", "none"))
        }
        let width = lines.map(\.0.count).max()! + 2
        return lines.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + $0.1 + "\n" }.joined()
    }

    /// One JSON object on one line (newline-terminated). Absent values are null.
    public func json() -> String {
        func number(_ value: UInt64?) -> String { value.map(String.init) ?? "null" }
        func ratio(_ value: ExactFraction?) -> String { value?.decimal() ?? "null" }
        let tasks = request.tasks.map { "{\"period\":\($0.period),\"execution\":\($0.execution)}" }.joined(separator: ",")
        var range = "null"
        if case .range(let r) = request.periods { range = "{\"from\":\(r.lowerBound),\"to\":\(r.upperBound)}" }
        var fields = [
            "\"policy\":\"\(request.policy.name)\"",
            "\"tasks\":[\(tasks)]",
            "\"utilization\":\(ratio(utilization))",
            "\"periodRange\":\(range)",
            "\"period\":\(number(period))",
            "\"budget\":\(number(interface?.budget))",
            "\"overhead\":\(request.overhead)",
            "\"slice\":\(number(interface?.slice))",
            "\"bandwidth\":\(ratio(interface.map { ExactFraction($0.budget, $0.period) }))",
            "\"reservedBandwidth\":\(ratio(interface.map { ExactFraction($0.slice, $0.period) }))",
            "\"schedulable\":\(interface != nil)",
        ]
        if let failure { fields.append("\"reason\":\(JSONText.quoted(failure))") }
        return "{" + fields.joined(separator: ",") + "}\n"
    }
}
