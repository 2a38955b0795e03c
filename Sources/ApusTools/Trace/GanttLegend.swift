// The chart's legend: one swatch per row, then the marks, wrapped onto more lines when it
// runs out of width.

enum GanttLegend {
    private struct Item {
        enum Swatch { case colour(String), release, completion, miss, irq }
        var swatch: Swatch
        var label: String
        /// Rough width: 24 px of swatch and gap plus ~7 px a character at 12 px.
        var width: Double { 34 + 7 * Double(label.count) }
    }

    private static let lineHeight: Double = 24

    static func height(rows: [GanttRow], geometry: GanttGeometry) -> Double {
        Double(lines(items(rows), geometry: geometry).count) * lineHeight
    }

    static func draw(_ svg: inout SVGBuilder, rows: [GanttRow], geometry: GanttGeometry, top: Double) {
        svg.begin("g", [("class", "legend")])
        for (lineIndex, line) in lines(items(rows), geometry: geometry).enumerated() {
            let y = top + Double(lineIndex) * lineHeight
            var x = geometry.plotLeft
            for item in line {
                swatch(&svg, item.swatch, x: x, y: y)
                svg.element("text", [("x", SVGBuilder.number(x + 22)), ("y", SVGBuilder.number(y + 4))], text: item.label)
                x += item.width
            }
        }
        svg.end()
    }

    private static func items(_ rows: [GanttRow]) -> [Item] {
        rows.map { Item(swatch: .colour($0.colour), label: $0.isIdle ? "idle" : $0.fullName) } + [
            Item(swatch: .release, label: "job release"),
            Item(swatch: .completion, label: "job completion"),
            Item(swatch: .miss, label: "deadline miss"),
            Item(swatch: .irq, label: "virtual IRQ"),
        ]
    }

    private static func lines(_ items: [Item], geometry: GanttGeometry) -> [[Item]] {
        var lines: [[Item]] = [[]]
        var used = 0.0
        for item in items {
            if used + item.width > geometry.plotRight - geometry.plotLeft, !lines[lines.count - 1].isEmpty {
                lines.append([])
                used = 0
            }
            lines[lines.count - 1].append(item)
            used += item.width
        }
        return lines
    }

    /// Draws a legend swatch centred vertically on `y`, with the rows' glyphs made to fit a
    /// legend line (and without their classes, so they are not counted as chart marks).
    private static func swatch(_ svg: inout SVGBuilder, _ kind: Item.Swatch, x: Double, y: Double) {
        let cx = x + 8
        switch kind {
        case .colour(let fill):
            svg.element("rect", [("x", SVGBuilder.number(x)), ("y", SVGBuilder.number(y - 6)), ("width", "16"),
                                 ("height", "12"), ("fill", fill)])
        case .release: GanttGlyphs.arrow(&svg, kind: nil, x: cx, from: y + 8, to: y - 8, head: y - 2, tip: nil)
        case .completion: GanttGlyphs.arrow(&svg, kind: nil, x: cx, from: y - 8, to: y + 8, head: y + 2, tip: nil)
        case .miss: GanttGlyphs.missDisc(&svg, x: cx, y: y)
        case .irq: GanttGlyphs.diamond(&svg, x: cx, y: y, kind: nil, tip: nil)
        }
    }
}
