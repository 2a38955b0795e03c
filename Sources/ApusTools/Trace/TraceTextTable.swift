// A plain aligned text table for terminal reports: columns as wide as their widest cell,
// numbers right-aligned, two spaces between columns.

struct TraceTextTable {
    private let header: [String]
    private let rightAligned: [Bool]
    private var rows: [[String]] = []

    init(header: [String], rightAligned: [Bool]) {
        self.header = header
        self.rightAligned = rightAligned
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                let pad = String(repeating: " ", count: widths[column] - row[column].count)
                return rightAligned[column] ? pad + row[column] : row[column] + pad
            }
            .joined(separator: "  ")
            .trimmingTrailingSpaces()
        }
        .joined(separator: "\n") + "\n"
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
