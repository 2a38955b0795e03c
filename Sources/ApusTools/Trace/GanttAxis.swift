// The chart's time axis: grid lines through the rows, then ticks, labels and a caption
// naming the unit (and the origin, when labels count from the window start).

enum GanttAxis {
    static func gridAndAxis(_ svg: inout SVGBuilder, geometry: GanttGeometry, top: Double, bottom: Double) {
        let axis = GanttTimeAxis(from: geometry.window.from, to: geometry.window.to)
        let axisY = bottom + 4
        svg.begin("g", [("class", "axis")])
        for tick in axis.ticks {
            let x = SVGBuilder.number(geometry.x(tick.time))
            svg.element("line", [("x1", x), ("y1", SVGBuilder.number(top)), ("x2", x), ("y2", SVGBuilder.number(axisY)),
                                 ("stroke", "#dddddd"), ("stroke-width", "1")])
            svg.element("line", [("x1", x), ("y1", SVGBuilder.number(axisY)), ("x2", x),
                                 ("y2", SVGBuilder.number(axisY + 5)), ("stroke", GanttGlyphs.ink)])
            svg.element("text", [("x", x), ("y", SVGBuilder.number(axisY + 18)), ("text-anchor", "middle"),
                                 ("class", "tick")], text: tick.label)
        }
        svg.element("line", [("x1", SVGBuilder.number(geometry.plotLeft)), ("y1", SVGBuilder.number(axisY)),
                             ("x2", SVGBuilder.number(geometry.plotRight)), ("y2", SVGBuilder.number(axisY)),
                             ("stroke", GanttGlyphs.ink)])
        // Below the tick labels, right-aligned, where it cannot collide with them.
        let caption = axis.origin.map { "time (\(axis.unitName)) after \($0) ns" } ?? "time (\(axis.unitName))"
        svg.element("text", [("x", SVGBuilder.number(geometry.plotRight)), ("y", SVGBuilder.number(axisY + 34)),
                             ("text-anchor", "end"), ("fill", "#555555"), ("class", "caption")], text: caption)
        svg.end()
    }
}
