import Foundation

// Prints TraceStatistics for people (aligned tables) and for programs (JSON with exact
// nanoseconds). Both show the same numbers.

public enum TraceReport {
    /// What the report and the chart say about a trace without job records,
    /// such as the hypervisor's (it records scheduling, not the guests' jobs).
    public static let noJobRecords = "no job records: deadline misses unknown (the guests' RESULT lines have them)"

    public static func text(_ stats: TraceStatistics, title: String) -> String {
        var out = "trace \(title): \(stats.start) ns .. \(stats.end) ns (span \(TraceDuration.human(stats.span)))\n\n"
        var cpu = TraceTextTable(header: ["vcpu", "name", "run", "share", "scheduled", "longest gap"],
                            rightAligned: [false, false, true, true, true, true])
        for row in stats.vcpus + [stats.idle] {
            cpu.add([row.vcpu.map { String($0.id) } ?? "-",
                     row.vcpu?.name ?? "(idle)",
                     TraceDuration.human(row.runTime),
                     String(format: "%.1f%%", row.sharePercent),
                     String(row.timesScheduled),
                     TraceDuration.human(row.longestGap)])
        }
        out += cpu.render()
        if stats.tasks.isEmpty || stats.tasks.allSatisfy({ $0.jobs == 0 }) {
            return out + "\n\(noJobRecords)\n"
        }
        var jobs = TraceTextTable(header: ["vcpu", "task", "name", "jobs", "completed", "misses", "worst response"],
                             rightAligned: [false, false, false, true, true, true, true])
        for row in stats.tasks {
            jobs.add([String(row.task.key.vcpu), String(row.task.key.task), row.task.displayName,
                      String(row.jobs), String(row.completed), String(row.misses),
                      row.worstResponse.map(TraceDuration.human) ?? "-"])
        }
        return out + "\n" + jobs.render()
    }

    public static func json(_ stats: TraceStatistics, title: String) -> String {
        let document = JSONSummary(
            trace: title, startNs: stats.start, endNs: stats.end, spanNs: stats.span,
            vcpus: stats.vcpus.map(JSONHolder.init), idle: JSONHolder(stats.idle),
            tasks: stats.tasks.map(JSONTask.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structs cannot fail; the fallback keeps the signature simple.
        guard let data = try? encoder.encode(document) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

private struct JSONSummary: Encodable {
    var trace: String
    var startNs: UInt64
    var endNs: UInt64
    var spanNs: UInt64
    var vcpus: [JSONHolder]
    var idle: JSONHolder
    var tasks: [JSONTask]
}

private struct JSONHolder: Encodable {
    var id: UInt32?
    var name: String?
    var runNs: UInt64
    var sharePercent: Double
    var timesScheduled: Int
    var longestGapNs: UInt64

    init(_ stats: TraceHolderStatistics) {
        id = stats.vcpu?.id
        name = stats.vcpu?.name
        runNs = stats.runTime
        // Three decimals are plenty for a percentage and keep the JSON free of float noise.
        sharePercent = (stats.sharePercent * 1000).rounded() / 1000
        timesScheduled = stats.timesScheduled
        longestGapNs = stats.longestGap
    }
}

private struct JSONTask: Encodable {
    var vcpu: UInt32
    var task: UInt32
    var name: String
    var periodNs: UInt64?
    var wcetNs: UInt64?
    var jobs: Int
    var completed: Int
    var misses: Int
    var worstResponseNs: UInt64?

    init(_ stats: TraceTaskStatistics) {
        vcpu = stats.task.key.vcpu
        task = stats.task.key.task
        name = stats.task.displayName
        periodNs = stats.task.declared?.period
        wcetNs = stats.task.declared?.wcet
        jobs = stats.jobs
        completed = stats.completed
        misses = stats.misses
        worstResponseNs = stats.worstResponse
    }

    // Absent values are written as null rather than left out, so every task has every key.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vcpu, forKey: .vcpu)
        try c.encode(task, forKey: .task)
        try c.encode(name, forKey: .name)
        try c.encode(periodNs, forKey: .periodNs)
        try c.encode(wcetNs, forKey: .wcetNs)
        try c.encode(jobs, forKey: .jobs)
        try c.encode(completed, forKey: .completed)
        try c.encode(misses, forKey: .misses)
        try c.encode(worstResponseNs, forKey: .worstResponseNs)
    }

    enum CodingKeys: String, CodingKey {
        case vcpu, task, name, periodNs, wcetNs, jobs, completed, misses, worstResponseNs
    }
}
