import Foundation

// One configuration template for every cell (Tests/Experiment/cell-template.dts): `@NAME@`
// is replaced by a value, and a block of lines between `/* if KEY=VALUE */` and
// `/* end if */` (each alone on its line) is kept only when the cell's KEY is VALUE.
// Whatever is left unresolved is an error that names the line: a cell never boots a
// half-filled configuration.

public enum ExperimentTemplate {
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }

        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
    }

    public static func instantiate(_ template: String, values: [String: String],
                                   conditions: [String: String]) throws(Problem) -> String {
        var output: [Substring] = []
        var keeping: Bool?  // nil: outside a block
        var blockLine = 0
        for (index, line) in template.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let trimmed = line.trimmingSpaces
            if trimmed.hasPrefix("/* if "), trimmed.hasSuffix(" */") {
                guard keeping == nil else { throw Problem(line: number, reason: "a block inside the block of line \(blockLine)") }
                let condition = trimmed.dropFirst("/* if ".count).dropLast(" */".count)
                let parts = condition.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let actual = conditions[String(parts[0])] else {
                    throw Problem(line: number, reason: "'\(condition)' is not KEY=VALUE with a known key (\(conditions.keys.sorted().joined(separator: ", ")))")
                }
                keeping = actual == parts[1]
                blockLine = number
                continue
            }
            if trimmed == "/* end if */" {
                guard keeping != nil else { throw Problem(line: number, reason: "'end if' without 'if'") }
                keeping = nil
                continue
            }
            if keeping == false { continue }
            output.append(line)
        }
        if keeping != nil { throw Problem(line: blockLine, reason: "this block has no '/* end if */'") }
        var result = output.joined(separator: "\n")
        for (name, value) in values { result = result.replacingAll("@\(name)@", with: value) }
        // Report the first placeholder left, by line.
        for (index, line) in result.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let name = line.firstPlaceholder {
                throw Problem(line: index + 1, reason: "no value for @\(name)@ (output line)")
            }
        }
        return result
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return text
    }

    /// The NAME of the first `@NAME@` (capitals, digits, underscores) in the line.
    var firstPlaceholder: Substring? {
        var rest = self[...]
        while let at = rest.firstIndex(of: "@") {
            let after = rest[rest.index(after: at)...]
            if let close = after.firstIndex(of: "@") {
                let name = after[..<close]
                if !name.isEmpty, name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) { return name }
            }
            rest = after
        }
        return nil
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
