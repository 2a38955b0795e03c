// The guests' jobs added to a hypervisor trace. The hypervisor's trace ring
// records scheduling only; an RT guest run with `jobs=report` prints, after its
// run, `JOBS task=T first_release=NS period=NS cost=NS released=N end=NS lost=L`
// per task and `DONE task=T job=J at=NS` per completed job (times on the
// counter both share). `merge` turns those console lines into `task`,
// `release`, `complete` and `miss` records (a miss at the deadline of a job not
// done by then, if the guest was still running at that deadline, as the guest
// itself counts) for the VCPU of the same name, keeps those inside the span
// the trace covers, and returns the trace text with every timed record in
// time order.

public enum TraceGuestJobs {
    /// A console line that is not what `jobs=report` prints, or a VM the trace does not name.
    public struct LogError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    private struct Task {
        var vcpu: UInt32
        var task: UInt32
        var firstRelease: UInt64
        var period: UInt64
        var cost: UInt64
        var released: UInt64
        var end: UInt64
    }

    private static let timedKinds: Set<Substring> = ["switch", "release", "complete", "miss", "irq", "end"]

    /// `trace` with the job records of `log` (a console transcript) merged in;
    /// the trace unchanged when the log has no `JOBS` lines.
    public static func merge(trace: String, log: String) throws(LogError) -> String {
        let traceLines = trace.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        var vcpuByName: [String: UInt32] = [:]
        var untimed: [String] = []
        var timed: [(time: UInt64, text: String)] = []
        var end: String? = nil
        var span: (start: UInt64, end: UInt64)? = nil
        for line in traceLines {
            let words = line.split(separator: " ", omittingEmptySubsequences: false)
            if words.count == 3, words[0] == "vcpu", let id = UInt32(words[1]) { vcpuByName[String(words[2])] = id }
            if let kind = words.first, timedKinds.contains(kind), words.count >= 2, let time = UInt64(words[1]) {
                if kind == "end" {
                    end = String(line)
                    span = (span?.start ?? time, time)
                } else {
                    timed.append((time, String(line)))
                    if span == nil { span = (time, time) }
                }
            } else if !line.isEmpty {
                untimed.append(String(line))
            }
        }
        let (tasks, done) = try parse(log: log, vcpus: vcpuByName)
        guard !tasks.isEmpty, let end, let span else { return trace }

        untimed.append("# the guests' jobs, from their JOBS and DONE console lines (apus trace --jobs)")
        for task in tasks {
            untimed.append("task \(task.vcpu) \(task.task) task\(task.task) \(task.period) \(task.cost)")
            for job in 0..<task.released {
                let release = task.firstRelease + job * task.period
                guard release >= span.start, release <= span.end else { continue }
                let deadline = release + task.period
                let id = "\(task.vcpu) \(task.task) \(job)"
                timed.append((release, "release \(release) \(id) \(deadline)"))
                let completion = done[Key(vcpu: task.vcpu, task: task.task, job: job)]
                if let completion, completion <= span.end { timed.append((completion, "complete \(completion) \(id)")) }
                if deadline <= min(span.end, task.end), completion.map({ $0 > deadline }) ?? true {
                    timed.append((deadline, "miss \(deadline) \(id)"))
                }
            }
        }
        // Stable: records at the same instant keep their order (a release before its own miss).
        let ordered = timed.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
        return (untimed + ordered.map(\.element.text) + [end]).joined(separator: "\n") + "\n"
    }

    private struct Key: Hashable {
        var vcpu: UInt32
        var task: UInt32
        var job: UInt64
    }

    private static func parse(log: String, vcpus: [String: UInt32]) throws(LogError) -> ([Task], [Key: UInt64]) {
        var tasks: [Task] = []
        var done: [Key: UInt64] = [:]
        let lines = log.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (offset, raw) in lines.enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw[...]
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { continue }
            let name = String(line[line.index(after: line.startIndex)..<close])
            let words = line[line.index(after: close)...].split(separator: " ")
            guard let tag = words.first, tag == "JOBS" || tag == "DONE" else { continue }
            var fields: [Substring: UInt64] = [:]
            for word in words.dropFirst() {
                let parts = word.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let value = UInt64(parts[1]) else {
                    throw LogError(line: offset + 1, reason: "\(tag) field '\(word)' is not key=number")
                }
                fields[parts[0]] = value
            }
            guard let vcpu = vcpus[name] else {
                throw LogError(line: offset + 1, reason: "VM '\(name)' is not a VCPU of the trace")
            }
            func field(_ key: Substring) throws(LogError) -> UInt64 {
                guard let value = fields[key] else { throw LogError(line: offset + 1, reason: "\(tag) without \(key)=") }
                return value
            }
            let task = UInt32(truncatingIfNeeded: try field("task"))
            if tag == "JOBS" {
                let period = try field("period")
                guard period > 0 else { throw LogError(line: offset + 1, reason: "JOBS with period=0") }
                tasks.append(Task(vcpu: vcpu, task: task, firstRelease: try field("first_release"), period: period,
                                  cost: try field("cost"), released: try field("released"), end: try field("end")))
            } else {
                done[Key(vcpu: vcpu, task: task, job: try field("job"))] = try field("at")
            }
        }
        return (tasks, done)
    }
}
