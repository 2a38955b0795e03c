// A minimal SVG/XML string builder: elements with escaped attributes and text, nothing more.
// Every string that reaches the output goes through `escape`, so names from a trace file
// cannot break the document.

struct SVGBuilder {
    private(set) var output = ""
    private var open: [String] = []

    /// An empty element, `<name a="v"/>`.
    mutating func element(_ name: String, _ attributes: [(String, String)]) {
        output += "<\(name)\(Self.attributes(attributes))/>\n"
    }

    /// An element whose content is text, `<name a="v">text</name>`.
    mutating func element(_ name: String, _ attributes: [(String, String)], text: String) {
        output += "<\(name)\(Self.attributes(attributes))>\(Self.escape(text))</\(name)>\n"
    }

    mutating func begin(_ name: String, _ attributes: [(String, String)] = []) {
        output += "<\(name)\(Self.attributes(attributes))>\n"
        open.append(name)
    }

    mutating func end() {
        output += "</\(open.removeLast())>\n"
    }

    /// Raw markup for the document prologue only; never used for data.
    mutating func raw(_ markup: String) { output += markup }

    private static func attributes(_ list: [(String, String)]) -> String {
        list.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    /// Escapes the five XML specials and replaces characters XML 1.0 forbids (C0 controls
    /// other than tab/newline/return) with U+FFFD, so the output always parses.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let forbidden = scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF
                result.unicodeScalars.append(forbidden ? "\u{FFFD}" : scalar)
            }
        }
        return result
    }

    /// Coordinates with at most two decimals and no trailing zeros: small files, stable text.
    static func number(_ value: Double) -> String {
        let hundredths = (value * 100).rounded()
        if hundredths.isFinite, abs(hundredths) < 1e15 {
            let whole = Int64(hundredths)
            let sign = whole < 0 ? "-" : ""
            let magnitude = whole.magnitude
            let fraction = magnitude % 100
            if fraction == 0 { return "\(sign)\(magnitude / 100)" }
            let digits = fraction % 10 == 0 ? String(fraction / 10) : (fraction < 10 ? "0\(fraction)" : String(fraction))
            return "\(sign)\(magnitude / 100).\(digits)"
        }
        return String(value)
    }
}
