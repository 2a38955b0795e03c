// Field-level parsing for trace records: one place that knows what a number, an id, a name
// and a holder look like, so every record rejects bad fields with the same wording.

struct TraceFields {
    let fields: [Substring]
    let line: Int

    /// Splits on single spaces; an empty field means two spaces in a row or a stray space at
    /// either end, which the format does not allow.
    init(_ text: Substring, line: Int) throws(TraceError) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        if parts.contains(where: \.isEmpty) {
            throw TraceError(line: line, "fields must be separated by single spaces (empty field)")
        }
        self.fields = parts
        self.line = line
    }

    var keyword: Substring { fields[0] }

    /// Checks the field count, naming the expected shape in the error.
    func expect(_ count: Int, shape: String) throws(TraceError) {
        if fields.count != count {
            let expected = count - 1 == 1 ? "1 field" : "\(count - 1) fields"
            throw TraceError(line: line, "`\(keyword)` takes \(expected) (\(shape)), found \(fields.count - 1)")
        }
    }

    func number(_ index: Int, _ what: String) throws(TraceError) -> UInt64 {
        let text = fields[index]
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = UInt64(text) else {
            throw TraceError(line: line, "\(what) must be a non-negative decimal integer, found '\(text)'")
        }
        return value
    }

    func index(_ index: Int, _ what: String) throws(TraceError) -> UInt32 {
        let value = try number(index, what)
        guard let small = UInt32(exactly: value) else {
            throw TraceError(line: line, "\(what) \(value) is out of range (at most \(UInt32.max))")
        }
        return small
    }

    /// `-` is the idle CPU, anything else a VCPU index.
    func holder(_ index: Int, _ what: String) throws(TraceError) -> TraceCPUHolder {
        fields[index] == "-" ? .idle : .vcpu(try self.index(index, what))
    }

    /// Names end up in terminal output and SVG text: no control characters.
    func name(_ index: Int) throws(TraceError) -> String {
        let text = fields[index]
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw TraceError(line: line, "name contains a control character")
        }
        return String(text)
    }
}
