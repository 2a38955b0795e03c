import Foundation

// A cell's cyclictest histogram as an SVG bar chart: one bar per 1 µs bucket (merged into
// wider bins when there are more buckets than pixels), counts on a log scale (a few late
// wake-ups beside thousands of prompt ones must stay visible), the measured max and, for
// SEDF, the analysis bound as vertical lines, and the overflow count (samples past the
// histogram's last bucket) in the caption.

public enum LatencyHistogramChart {
    public static func render(_ report: CyclictestReport, title: String, boundUs: UInt64?) -> String {
        let width = 900.0, height = 320.0
        let left = 70.0, right = 20.0, top = 48.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let highest = max(report.histogram.last?.bucketUs ?? 0, report.maxUs, Int(boundUs ?? 0)) + 1
        // 10 % to the right of the last mark, so its label fits.
        let span = Double(max(highest, 10)) * 1.1
        let bins = min(Int(span), Int(plotWidth / 2))
        let binWidthUs = span / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for entry in report.histogram {
            counts[min(Int(Double(entry.bucketUs) / binWidthUs), bins - 1)] += entry.count
        }
        let peak = max(counts.max() ?? 1, 1)
        let decades = max(1.0, (log10(Double(peak))).rounded(.up))
        func y(_ count: Int) -> Double { top + plotHeight - plotHeight * log10(Double(count) + 1) / (decades + log10(2)) }
        func x(_ us: Double) -> Double { left + plotWidth * us / span }

        var svg = SVGBuilder()
        svg.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        svg.begin("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("width", SVGBuilder.number(width)),
                          ("height", SVGBuilder.number(height)), ("font-family", "sans-serif"), ("font-size", "12")])
        svg.element("rect", [("x", "0"), ("y", "0"), ("width", SVGBuilder.number(width)), ("height", SVGBuilder.number(height)), ("fill", "white")])
        svg.element("text", [("x", SVGBuilder.number(left)), ("y", "20"), ("font-size", "15"), ("font-weight", "bold")], text: title)
        let caption = "min \(report.minUs) us, avg \(report.avgUs) us, max \(report.maxUs) us, \(report.measured) samples"
            + (report.overflows > 0 ? ", \(report.overflows) beyond the histogram" : "")
            + (boundUs.map { ", bound \($0) us" } ?? "")
        svg.element("text", [("x", SVGBuilder.number(left)), ("y", "38"), ("class", "caption")], text: caption)
        // Axes.
        svg.element("line", [("x1", SVGBuilder.number(left)), ("y1", SVGBuilder.number(top + plotHeight)),
                             ("x2", SVGBuilder.number(left + plotWidth)), ("y2", SVGBuilder.number(top + plotHeight)), ("stroke", "black")])
        svg.element("line", [("x1", SVGBuilder.number(left)), ("y1", SVGBuilder.number(top)),
                             ("x2", SVGBuilder.number(left)), ("y2", SVGBuilder.number(top + plotHeight)), ("stroke", "black")])
        for decade in 0...Int(decades) {
            let count = Int(pow(10.0, Double(decade)))
            let at = y(count - 1 == 0 ? 1 : count)
            svg.element("line", [("x1", SVGBuilder.number(left - 4)), ("y1", SVGBuilder.number(at)), ("x2", SVGBuilder.number(left + plotWidth)),
                                 ("y2", SVGBuilder.number(at)), ("stroke", "#ddd")])
            svg.element("text", [("x", SVGBuilder.number(left - 8)), ("y", SVGBuilder.number(at + 4)), ("text-anchor", "end")], text: String(count))
        }
        for tick in axisTicks(span: span) {
            svg.element("text", [("x", SVGBuilder.number(x(tick))), ("y", SVGBuilder.number(top + plotHeight + 16)), ("text-anchor", "middle")],
                        text: String(Int(tick)))
        }
        svg.element("text", [("x", SVGBuilder.number(left + plotWidth / 2)), ("y", SVGBuilder.number(height - 10)), ("text-anchor", "middle")],
                    text: "latency (us of virtual time)")
        svg.element("text", [("x", "14"), ("y", SVGBuilder.number(top + plotHeight / 2)), ("text-anchor", "middle"),
                             ("transform", "rotate(-90 14 \(SVGBuilder.number(top + plotHeight / 2)))")], text: "samples (log)")
        // Bars.
        let barWidth = max(plotWidth / Double(bins), 1)
        for (index, count) in counts.enumerated() where count > 0 {
            svg.element("rect", [("x", SVGBuilder.number(x(Double(index) * binWidthUs))), ("y", SVGBuilder.number(y(count))),
                                 ("width", SVGBuilder.number(barWidth)), ("height", SVGBuilder.number(top + plotHeight - y(count))),
                                 ("fill", "#4a7ebb"), ("class", "bar")])
        }
        marker(&svg, at: x(Double(report.maxUs)), top: top, bottom: top + plotHeight, color: "#c0392b", label: "max \(report.maxUs)", kind: "max")
        if let boundUs {
            marker(&svg, at: x(Double(boundUs)), top: top, bottom: top + plotHeight, color: "#27ae60", label: "bound \(boundUs)", kind: "bound")
        }
        svg.end()
        return svg.output
    }

    private static func marker(_ svg: inout SVGBuilder, at x: Double, top: Double, bottom: Double, color: String, label: String, kind: String) {
        svg.element("line", [("x1", SVGBuilder.number(x)), ("y1", SVGBuilder.number(top)), ("x2", SVGBuilder.number(x)),
                             ("y2", SVGBuilder.number(bottom)), ("stroke", color), ("stroke-dasharray", "4 3")])
        svg.element("text", [("x", SVGBuilder.number(x + 3)), ("y", SVGBuilder.number(top + 12)), ("fill", color), ("class", kind)], text: label)
    }

    /// About eight round ticks across `0...span` µs.
    static func axisTicks(span: Double) -> [Double] {
        let raw = span / 8
        let magnitude = pow(10.0, floor(log10(raw)))
        let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        return stride(from: 0.0, through: span, by: step).map { $0 }
    }
}
