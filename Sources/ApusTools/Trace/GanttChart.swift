// Renders a trace as an SVG Gantt chart: a title, one row per VCPU plus an idle row, a time
// axis and a legend. The window is scaled to a fixed width; runs closer together than a
// fraction of a pixel are merged so that second-long traces stay small and fast to draw.

public struct GanttOptions: Sendable {
    public var title: String
    public var width: Int
    /// Hover tooltips on every bar and mark, only while the window holds at most this many
    /// items: beyond that they would dominate the file size.
    public var tooltipLimit: Int

    public init(title: String, width: Int = 1200, tooltipLimit: Int = 3000) {
        self.title = title
        self.width = width
        self.tooltipLimit = tooltipLimit
    }
}

public enum GanttChart {
    public static func render(_ trace: Trace, window: GanttWindow, options: GanttOptions) -> String {
        let geometry = GanttGeometry(window: window, width: Double(max(options.width, 400)))
        let rows = GanttRow.rows(for: trace, geometry: geometry)
        let tooltips = rows.reduce(0) { $0 + $1.itemCount } <= options.tooltipLimit

        let rowsTop = 64.0
        let rowsBottom = rowsTop + Double(rows.count) * GanttGeometry.rowPitch
        var svg = SVGBuilder()
        let legendHeight = GanttLegend.height(rows: rows, geometry: geometry)
        let height = rowsBottom + 60 + legendHeight + 12
        svg.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        svg.begin("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("width", SVGBuilder.number(geometry.width)),
                          ("height", SVGBuilder.number(height)),
                          ("viewBox", "0 0 \(SVGBuilder.number(geometry.width)) \(SVGBuilder.number(height))"),
                          ("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif"), ("font-size", "12")])
        svg.element("rect", [("width", "100%"), ("height", "100%"), ("fill", "#ffffff")])
        svg.element("text", [("x", "20"), ("y", "26"), ("font-size", "17"), ("font-weight", "bold"), ("class", "title")],
                    text: options.title)
        svg.element("text", [("x", "20"), ("y", "46"), ("fill", "#555555"), ("class", "subtitle")], text: subtitle(trace, window: window))

        GanttAxis.gridAndAxis(&svg, geometry: geometry, top: rowsTop, bottom: rowsBottom)
        for (index, row) in rows.enumerated() {
            row.draw(&svg, top: rowsTop + Double(index) * GanttGeometry.rowPitch, geometry: geometry, tooltips: tooltips)
        }
        GanttLegend.draw(&svg, rows: rows, geometry: geometry, top: rowsBottom + 60)
        svg.end()
        return svg.output
    }

    private static func subtitle(_ trace: Trace, window: GanttWindow) -> String {
        let misses = trace.jobs.filter { $0.miss.map(window.contains) ?? false }.count
        let switches = trace.switches.filter { window.contains($0.time) && $0.from != $0.to }.count
        let vcpus = trace.vcpus.count == 1 ? "1 VCPU" : "\(trace.vcpus.count) VCPUs"
        // A trace without job records (the hypervisor's own) cannot know about
        // deadlines: say so rather than claim "0 deadline misses".
        let missText = trace.jobs.isEmpty ? TraceReport.noJobRecords
            : misses == 1 ? "1 deadline miss" : "\(misses) deadline misses"
        return "\(vcpus) · \(window.from) to \(window.to) ns (\(TraceDuration.human(window.to - window.from)))"
            + " · \(switches) switches · \(missText)"
    }
}
