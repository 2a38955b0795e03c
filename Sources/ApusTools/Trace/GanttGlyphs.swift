// The chart's marks, drawn the same way in the rows and in the legend: run bars, release
// arrows (up), completion ticks (down), deadline misses (red), virtual interrupts (diamonds).

enum GanttGlyphs {
    static let ink = "#222222"
    static let missRed = "#d62728"
    static let irqOrange = "#e69f00"
    static let idleGrey = "#b8b8b8"
    /// Tableau-like colours without red, which is reserved for misses.
    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948",
                          "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#8cd17d"]

    static func colour(forRow index: Int) -> String { palette[index % palette.count] }

    /// A run bar; `opacity` below 1 marks merged runs that only partly fill their stretch.
    static func bar(_ svg: inout SVGBuilder, x0: Double, x1: Double, top: Double, fill: String, opacity: Double?,
                    tip: String?) {
        var attributes: [(String, String)] = [
            ("class", "run"), ("x", SVGBuilder.number(x0)), ("y", SVGBuilder.number(top)),
            ("width", SVGBuilder.number(max(0.5, x1 - x0))),
            ("height", SVGBuilder.number(GanttGeometry.bandHeight)), ("fill", fill),
        ]
        if let opacity { attributes.append(("fill-opacity", SVGBuilder.number(opacity))) }
        if let tip {
            svg.begin("rect", attributes)
            svg.element("title", [], text: tip)
            svg.end()
        } else {
            svg.element("rect", attributes)
        }
    }

    /// An up-arrow from the band's bottom edge to just below the row top.
    static func release(_ svg: inout SVGBuilder, x: Double, rowTop: Double, tip: String?) {
        let tipY = rowTop + 1
        arrow(&svg, kind: "release", x: x, from: rowTop + GanttGeometry.bandBottom, to: tipY, head: tipY + 6, tip: tip)
    }

    /// A short down-tick under the band.
    static func completion(_ svg: inout SVGBuilder, x: Double, rowTop: Double, tip: String?) {
        let bottom = rowTop + GanttGeometry.bandBottom
        arrow(&svg, kind: "completion", x: x, from: bottom - 4, to: bottom + 8, head: bottom + 3, tip: tip)
    }

    /// A red dashed line through the row and a red disc with a white cross above the band.
    static func miss(_ svg: inout SVGBuilder, x: Double, rowTop: Double, tip: String?) {
        let cx = SVGBuilder.number(x)
        svg.begin("g", [("class", "miss")])
        if let tip { svg.element("title", [], text: tip) }
        svg.element("line", [("x1", cx), ("y1", SVGBuilder.number(rowTop)), ("x2", cx),
                             ("y2", SVGBuilder.number(rowTop + GanttGeometry.rowPitch - 4)),
                             ("stroke", missRed), ("stroke-width", "1.5"), ("stroke-dasharray", "3 2")])
        missDisc(&svg, x: x, y: rowTop + GanttGeometry.bandTop)
        svg.end()
    }

    static func missDisc(_ svg: inout SVGBuilder, x: Double, y: Double) {
        svg.element("circle", [("cx", SVGBuilder.number(x)), ("cy", SVGBuilder.number(y)), ("r", "5"), ("fill", missRed)])
        svg.element("path", [("d", "M\(SVGBuilder.number(x - 2.5)) \(SVGBuilder.number(y - 2.5)) l5 5 m0 -5 l-5 5"),
                             ("stroke", "#ffffff"), ("stroke-width", "1.5")])
    }

    /// A small orange diamond near the bottom of the row.
    static func irq(_ svg: inout SVGBuilder, x: Double, rowTop: Double, tip: String?) {
        diamond(&svg, x: x, y: rowTop + GanttGeometry.bandBottom + 11, kind: "irq", tip: tip)
    }

    static func diamond(_ svg: inout SVGBuilder, x: Double, y: Double, kind: String?, tip: String?) {
        let points = [(x, y - 3.5), (x + 3, y), (x, y + 3.5), (x - 3, y)]
            .map { "\(SVGBuilder.number($0.0)),\(SVGBuilder.number($0.1))" }.joined(separator: " ")
        var attributes = [("points", points), ("fill", irqOrange)]
        if let kind { attributes.insert(("class", kind), at: 0) }
        if let tip {
            svg.begin("polygon", attributes)
            svg.element("title", [], text: tip)
            svg.end()
        } else {
            svg.element("polygon", attributes)
        }
    }

    /// A vertical stem from `from` to `to` with a triangular head whose base is at `head`.
    static func arrow(_ svg: inout SVGBuilder, kind: String?, x: Double, from: Double, to: Double,
                      head: Double, tip: String?) {
        let cx = SVGBuilder.number(x)
        svg.begin("g", kind.map { [("class", $0)] } ?? [])
        if let tip { svg.element("title", [], text: tip) }
        svg.element("line", [("x1", cx), ("y1", SVGBuilder.number(from)), ("x2", cx), ("y2", SVGBuilder.number(to)),
                             ("stroke", ink), ("stroke-width", "1.2")])
        let points = [(x - 3, head), (x + 3, head), (x, to)]
            .map { "\(SVGBuilder.number($0.0)),\(SVGBuilder.number($0.1))" }.joined(separator: " ")
        svg.element("polygon", [("points", points), ("fill", ink)])
        svg.end()
    }
}
