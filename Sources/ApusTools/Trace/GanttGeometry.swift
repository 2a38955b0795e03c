// Where things go on the chart: the time window mapped onto a fixed pixel width, and the
// vertical layout of one row. Pure arithmetic, shared by the rows, axis and legend.

/// A non-empty time window [from, to] in nanoseconds.
public struct GanttWindow: Equatable, Sendable {
    public let from: UInt64
    public let to: UInt64

    /// nil when `to <= from`: an empty window has nothing to draw.
    public init?(from: UInt64, to: UInt64) {
        guard to > from else { return nil }
        self.from = from
        self.to = to
    }

    /// The whole trace; a zero-length trace gets a 1 ns window so it still draws (ending at
    /// the trace's instant when that is the last one a UInt64 can hold).
    public init(covering trace: Trace) {
        if trace.end > trace.start {
            (from, to) = (trace.start, trace.end)
        } else if trace.start < UInt64.max {
            (from, to) = (trace.start, trace.start + 1)
        } else {
            (from, to) = (UInt64.max - 1, UInt64.max)
        }
    }

    public func contains(_ time: UInt64) -> Bool { time >= from && time <= to }
}

struct GanttGeometry {
    let window: GanttWindow
    let width: Double
    let plotLeft: Double = 170
    var plotRight: Double { width - 30 }

    // Vertical layout of a row, relative to its top.
    static let rowPitch: Double = 48
    static let bandTop: Double = 12
    static let bandHeight: Double = 20
    static var bandBottom: Double { bandTop + bandHeight }

    func x(_ time: UInt64) -> Double {
        let clamped = min(max(time, window.from), window.to)
        let fraction = Double(clamped - window.from) / Double(window.to - window.from)
        return plotLeft + fraction * (plotRight - plotLeft)
    }
}
