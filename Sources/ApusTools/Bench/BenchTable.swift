// Plain aligned text tables for the bench report.

/// An aligned table: first column left, the rest right-aligned.
struct BenchTable {
    private let header: [String]
    private var rows: [[String]] = []

    init(header: [String]) { self.header = header }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                let pad = String(repeating: " ", count: widths[column] - row[column].count)
                return column == 0 ? row[column] + pad : pad + row[column]
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
