// Renders a SimulationResult: a readable table (per task, per VCPU) or JSON.
import Foundation
import HypervisorCore

public enum SimulationReport {
    public static func text(_ r: SimulationResult) -> String {
        var out = "scenario \(r.scenario): \(r.scheduler)"
        if let wake = r.wakeRule { out += " (wake rule \(wake))" }
        out += ", \(TimeSpanText.format(TimeSpan(nanoseconds: r.durationNs))) simulated, \(r.switches) switches\n\n"

        var taskRows = [["VCPU", "TASK", "PERIOD", "WCET", "JOBS", "DONE", "MISSES", "WORST RESPONSE (ms)"]]
        for t in r.tasks {
            taskRows.append([t.vcpu, t.task, TimeSpanText.format(TimeSpan(nanoseconds: t.periodNs)),
                             TimeSpanText.format(TimeSpan(nanoseconds: t.wcetNs)), "\(t.jobs)", "\(t.completed)",
                             "\(t.misses)", t.worstResponseNs.map { TimeSpanText.milliseconds(TimeSpan(nanoseconds: $0)) } ?? "-"])
        }
        out += r.tasks.isEmpty ? "no tasks\n" : table(taskRows, rightAligned: 2...7)
        out += "\n"

        var vcpuRows = [["VCPU", "SUPPLY (ms)", "SHARE", "WINDOW", "MIN SUPPLY IN WINDOW (ms)", "SBF (ms)"]]
        for v in r.vcpus {
            vcpuRows.append([v.name, TimeSpanText.milliseconds(TimeSpan(nanoseconds: v.supplyNs)),
                             String(format: "%.1f%%", v.share * 100),
                             v.windowNs.map { TimeSpanText.format(TimeSpan(nanoseconds: $0)) } ?? "-",
                             v.minSupplyNs.map { TimeSpanText.milliseconds(TimeSpan(nanoseconds: $0)) } ?? "-",
                             v.guaranteedNs.map { TimeSpanText.milliseconds(TimeSpan(nanoseconds: $0)) } ?? "-"])
        }
        out += table(vcpuRows, rightAligned: 1...5)
        out += "\ndeadline misses: \(r.totalMisses)\n"
        return out
    }

    public static func json(_ r: SimulationResult) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of numbers and strings cannot fail.
        let data = try! encoder.encode(r)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func table(_ rows: [[String]], rightAligned: ClosedRange<Int>) -> String {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        var out = ""
        for row in rows {
            let cells = row.indices.map { c -> String in
                let pad = String(repeating: " ", count: widths[c] - row[c].count)
                return rightAligned.contains(c) ? pad + row[c] : row[c] + pad
            }
            out += cells.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        return out
    }
}
