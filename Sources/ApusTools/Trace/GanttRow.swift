// One row of the chart: a VCPU (or the idle CPU), its run bars within the window, and the
// job and interrupt marks that belong to it.

struct GanttRow {
    struct Bar {
        var x0: Double
        var x1: Double
        var first: TraceRunInterval
        var last: TraceRunInterval
        var merged: Int
        /// Run time inside the window covered by the bar.
        var busy: UInt64

        /// Share of the bar's stretch actually run, for merged bars; nil when solid.
        func density(in window: GanttWindow) -> Double? {
            guard merged > 1 else { return nil }
            let stretch = min(last.end, window.to) - max(first.start, window.from)
            guard stretch > 0 else { return nil }
            let share = Double(busy) / Double(stretch)
            return share >= 0.98 ? nil : max(0.15, share)
        }
    }

    struct Mark {
        enum Kind: CaseIterable { case release, completion, miss, irq }
        var kind: Kind
        var time: UInt64
        var tip: String
        /// Marks of one kind less than a pixel apart are drawn once; this counts them.
        var count = 1
        var lastTime: UInt64 = 0

        var summary: String {
            if count == 1 { return tip }
            let what: String
            switch kind {
            case .release: what = "job releases"
            case .completion: what = "job completions"
            case .miss: what = "DEADLINE MISSES"
            case .irq: what = "virtual IRQs"
            }
            return "\(count) \(what) from \(time) to \(lastTime) ns; first: \(tip)"
        }
    }

    var label: String
    var detail: String?
    var fullName: String
    var colour: String
    var bars: [Bar]
    var marks: [Mark]
    var isIdle: Bool

    var itemCount: Int { bars.count + marks.count }

    static func rows(for trace: Trace, geometry: GanttGeometry) -> [GanttRow] {
        var rows = trace.vcpus.enumerated().map { index, vcpu in
            GanttRow(label: shortened(vcpu.name), detail: "vcpu \(vcpu.id)", fullName: "vcpu \(vcpu.id) \(vcpu.name)",
                     colour: GanttGlyphs.colour(forRow: index),
                     bars: bars(trace.intervals(of: .vcpu(vcpu.id)), geometry: geometry),
                     marks: marks(trace, vcpu: vcpu.id, geometry: geometry), isIdle: false)
        }
        rows.append(GanttRow(label: "idle", detail: nil, fullName: "idle CPU", colour: GanttGlyphs.idleGrey,
                             bars: bars(trace.intervals(of: .idle), geometry: geometry), marks: [], isIdle: true))
        return rows
    }

    func draw(_ svg: inout SVGBuilder, top: Double, geometry: GanttGeometry, tooltips: Bool) {
        svg.begin("g", [("class", isIdle ? "row idle" : "row vcpu")])
        svg.element("title", [], text: fullName)
        svg.element("rect", [("x", SVGBuilder.number(geometry.plotLeft)),
                             ("y", SVGBuilder.number(top + GanttGeometry.bandTop)),
                             ("width", SVGBuilder.number(geometry.plotRight - geometry.plotLeft)),
                             ("height", SVGBuilder.number(GanttGeometry.bandHeight)),
                             ("fill", "#f2f2f2"), ("class", "lane")])
        // The name on the band's line, the VCPU number small underneath.
        let labelX = SVGBuilder.number(geometry.plotLeft - 10)
        svg.element("text", [("x", labelX), ("y", SVGBuilder.number(top + GanttGeometry.bandTop + 12)),
                             ("text-anchor", "end"), ("font-size", "13"), ("font-weight", "bold"), ("class", "label")],
                    text: label)
        if let detail {
            svg.element("text", [("x", labelX), ("y", SVGBuilder.number(top + GanttGeometry.bandTop + 26)),
                                 ("text-anchor", "end"), ("font-size", "10"), ("fill", "#666666")], text: detail)
        }
        for bar in bars {
            GanttGlyphs.bar(&svg, x0: bar.x0, x1: bar.x1, top: top + GanttGeometry.bandTop, fill: colour,
                            opacity: bar.density(in: geometry.window),
                            tip: tooltips ? barTip(bar) : nil)
        }
        // Misses last, so nothing is drawn over the red marks.
        for mark in marks.filter({ $0.kind != .miss }) + marks.filter({ $0.kind == .miss }) {
            let x = geometry.x(mark.time)
            let tip = tooltips || mark.kind == .miss ? mark.summary : nil
            switch mark.kind {
            case .release: GanttGlyphs.release(&svg, x: x, rowTop: top, tip: tip)
            case .completion: GanttGlyphs.completion(&svg, x: x, rowTop: top, tip: tip)
            case .miss: GanttGlyphs.miss(&svg, x: x, rowTop: top, tip: tip)
            case .irq: GanttGlyphs.irq(&svg, x: x, rowTop: top, tip: tip)
            }
        }
        svg.end()
    }

    private func barTip(_ bar: Bar) -> String {
        if bar.merged == 1 {
            return "\(fullName): \(bar.first.start) to \(bar.first.end) ns (\(TraceDuration.human(bar.first.length)))"
        }
        return "\(fullName): \(bar.merged) runs from \(bar.first.start) to \(bar.last.end) ns, \(TraceDuration.human(bar.busy)) in all"
    }

    /// Clips runs to the window and merges neighbours less than a third of a pixel apart, so
    /// the file does not grow with the number of switches. A merged bar stops growing at
    /// 4 px and is drawn as transparent as it was idle, so dense stretches show how busy
    /// the VCPU was instead of a solid bar.
    private static func bars(_ runs: [TraceRunInterval], geometry: GanttGeometry) -> [Bar] {
        var result: [Bar] = []
        for run in runs where run.length > 0 && run.end > geometry.window.from && run.start < geometry.window.to {
            let x0 = geometry.x(run.start)
            let x1 = geometry.x(run.end)
            let busy = min(run.end, geometry.window.to) - max(run.start, geometry.window.from)
            if var previous = result.last, x0 - previous.x1 < 0.33, previous.x1 - previous.x0 < 4 {
                previous.x1 = x1
                previous.last = run
                previous.merged += 1
                previous.busy += busy
                result[result.count - 1] = previous
            } else {
                result.append(Bar(x0: x0, x1: x1, first: run, last: run, merged: 1, busy: busy))
            }
        }
        return result
    }

    private static func marks(_ trace: Trace, vcpu: UInt32, geometry: GanttGeometry) -> [Mark] {
        let window = geometry.window
        let taskNames = Dictionary(uniqueKeysWithValues: trace.tasks.map { ($0.key, $0.displayName) })
        var marks: [Mark] = []
        for job in trace.jobs where job.task.vcpu == vcpu {
            let name = "\(taskNames[job.task] ?? "task\(job.task.task)") job \(job.job)"
            if window.contains(job.release) {
                marks.append(Mark(kind: .release, time: job.release,
                                  tip: "release \(name) at \(job.release) ns, deadline \(job.deadline) ns"))
            }
            if let done = job.completion, window.contains(done) {
                marks.append(Mark(kind: .completion, time: done,
                                  tip: "complete \(name) at \(done) ns, response \(TraceDuration.human(done - job.release))"))
            }
            if let missed = job.miss, window.contains(missed) {
                marks.append(Mark(kind: .miss, time: missed, tip: "DEADLINE MISS \(name) at \(missed) ns"))
            }
        }
        for irq in trace.irqs where irq.vcpu == vcpu && window.contains(irq.time) {
            marks.append(Mark(kind: .irq, time: irq.time, tip: "virtual IRQ \(irq.intid) at \(irq.time) ns"))
        }
        return merged(marks, geometry: geometry)
    }

    /// Per kind, in time order, folds each mark into the previous one drawn if they are less
    /// than a pixel apart (the glyphs are 6 px wide): 100 000 interrupts in 1 s draw ~1000.
    private static func merged(_ marks: [Mark], geometry: GanttGeometry) -> [Mark] {
        var result: [Mark] = []
        for kind in Mark.Kind.allCases {
            var kept: [Mark] = []
            for mark in marks.filter({ $0.kind == kind }).sorted(by: { $0.time < $1.time }) {
                if var last = kept.last, geometry.x(mark.time) - geometry.x(last.time) < 1 {
                    last.count += 1
                    last.lastTime = mark.time
                    kept[kept.count - 1] = last
                } else {
                    var first = mark
                    first.lastTime = mark.time
                    kept.append(first)
                }
            }
            result += kept
        }
        return result
    }

    /// Row labels have about 150 px; longer names are cut (the full name is in the tooltip).
    private static func shortened(_ text: String) -> String {
        text.count <= 18 ? text : String(text.prefix(17)) + "…"
    }
}
