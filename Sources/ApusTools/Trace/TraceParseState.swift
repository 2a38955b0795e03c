// The reader's running state: one record at a time, each checked against what came before.
// Kept apart from TraceReader so the per-record rules read as a list.

struct TraceParseState {
    private var sawHeader = false
    private var endLine: Int?
    private var endTime: UInt64 = 0
    private var firstTime: UInt64?
    private var lastTime: (time: UInt64, line: Int)?

    private var vcpus: [TraceVCPU] = []
    private var vcpuLines: [UInt32: Int] = [:]
    private var tasks: [TraceTask] = []
    private var taskIndex: [TraceTaskKey: Int] = [:]
    private var taskDeclarationLine: [TraceTaskKey: Int] = [:]
    private var switches: [TraceSwitch] = []
    private var jobs: [TraceJob] = []
    private var jobIndex: [JobKey: (index: Int, line: Int)] = [:]
    private var irqs: [TraceIRQ] = []

    private struct JobKey: Hashable {
        var task: TraceTaskKey
        var job: UInt64
    }

    mutating func take(_ content: Substring, line: Int) throws(TraceError) {
        if content.hasPrefix("#") || content.allSatisfy({ $0 == " " || $0 == "\t" }) { return }
        let record = try TraceFields(content, line: line)
        if !sawHeader { return try header(record) }
        if let endLine {
            throw TraceError(line: line, "record after `end` (line \(endLine))")
        }
        switch record.keyword {
        case "apus-trace": throw TraceError(line: line, "second header")
        case "vcpu": try vcpu(record)
        case "task": try task(record)
        case "switch": try switchRecord(record)
        case "release": try release(record)
        case "complete": try complete(record)
        case "miss": try miss(record)
        case "irq": try irq(record)
        case "end": try end(record)
        default: throw TraceError(line: line, "unknown record '\(record.keyword)'")
        }
    }

    func finish(lastLine: Int) throws(TraceError) -> Trace {
        if !sawHeader { throw TraceError(line: lastLine, "empty trace: missing header `apus-trace 1`") }
        if endLine == nil { throw TraceError(line: lastLine, "missing `end` record") }
        let start = firstTime ?? endTime
        return Trace(vcpus: vcpus, tasks: tasks, switches: switches, jobs: jobs, irqs: irqs,
                     start: start, end: endTime,
                     intervals: TraceIntervalBuilder.build(switches: switches, start: start, end: endTime))
    }

    // MARK: records

    private mutating func header(_ record: TraceFields) throws(TraceError) {
        guard record.keyword == "apus-trace" else {
            throw TraceError(line: record.line, "missing header `apus-trace 1` (found '\(record.keyword)')")
        }
        try record.expect(2, shape: "version")
        let version = try record.number(1, "version")
        if version != 1 {
            throw TraceError(line: record.line, "unsupported trace version \(version) (this reader knows 1)")
        }
        sawHeader = true
    }

    private mutating func vcpu(_ record: TraceFields) throws(TraceError) {
        try record.expect(3, shape: "ID NAME")
        let id = try record.index(1, "vcpu id")
        if let first = vcpuLines[id] {
            throw TraceError(line: record.line, "vcpu \(id) declared twice (first on line \(first))")
        }
        vcpus.append(TraceVCPU(id: id, name: try record.name(2)))
        vcpuLines[id] = record.line
    }

    private mutating func task(_ record: TraceFields) throws(TraceError) {
        try record.expect(6, shape: "VCPU TASK NAME PERIOD WCET")
        let key = TraceTaskKey(vcpu: try declaredVCPU(record, 1), task: try record.index(2, "task index"))
        let name = try record.name(3)
        let period = try record.number(4, "period")
        let wcet = try record.number(5, "wcet")
        if period == 0 { throw TraceError(line: record.line, "period must be positive") }
        if let first = taskDeclarationLine[key] {
            throw TraceError(line: record.line, "\(key) declared twice (first on line \(first))")
        }
        let index = taskSlot(key)
        tasks[index].declared = TraceTaskDeclaration(name: name, period: period, wcet: wcet)
        taskDeclarationLine[key] = record.line
    }

    private mutating func switchRecord(_ record: TraceFields) throws(TraceError) {
        try record.expect(5, shape: "T FROM TO REASON")
        let time = try timestamp(record)
        let from = try record.holder(2, "from vcpu")
        let to = try record.holder(3, "to vcpu")
        try requireDeclared(from, record)
        try requireDeclared(to, record)
        guard let reason = TraceSwitchReason(rawValue: String(record.fields[4])) else {
            let known = TraceSwitchReason.allCases.map(\.rawValue).joined(separator: ", ")
            throw TraceError(line: record.line, "unknown switch reason '\(record.fields[4])' (expected one of \(known))")
        }
        if let previous = switches.last, previous.to != from {
            throw TraceError(line: record.line,
                             "switch from \(from) but \(previous.to) holds the CPU (since line \(previous.line))")
        }
        switches.append(TraceSwitch(time: time, from: from, to: to, reason: reason, line: record.line))
    }

    private mutating func release(_ record: TraceFields) throws(TraceError) {
        try record.expect(6, shape: "T VCPU TASK JOB DEADLINE")
        let time = try timestamp(record)
        let key = JobKey(task: TraceTaskKey(vcpu: try declaredVCPU(record, 2), task: try record.index(3, "task index")),
                         job: try record.number(4, "job"))
        let deadline = try record.number(5, "deadline")
        if deadline < time {
            throw TraceError(line: record.line, "deadline \(deadline) is before the release at \(time)")
        }
        if let first = jobIndex[key] {
            throw TraceError(line: record.line, "job \(key.job) of \(key.task) released twice (first on line \(first.line))")
        }
        _ = taskSlot(key.task)
        jobIndex[key] = (jobs.count, record.line)
        jobs.append(TraceJob(task: key.task, job: key.job, release: time, deadline: deadline))
    }

    private mutating func complete(_ record: TraceFields) throws(TraceError) {
        try record.expect(5, shape: "T VCPU TASK JOB")
        let time = try timestamp(record)
        let index = try releasedJob(record)
        if let done = jobs[index].completion {
            throw TraceError(line: record.line, "job \(jobs[index].job) of \(jobs[index].task) already completed at \(done)")
        }
        jobs[index].completion = time
    }

    private mutating func miss(_ record: TraceFields) throws(TraceError) {
        try record.expect(5, shape: "T VCPU TASK JOB")
        let time = try timestamp(record)
        let index = try releasedJob(record)
        let job = jobs[index]
        if let done = job.completion {
            throw TraceError(line: record.line, "miss of job \(job.job) of \(job.task), which completed at \(done)")
        }
        if job.miss != nil {
            throw TraceError(line: record.line, "job \(job.job) of \(job.task) missed twice")
        }
        if time < job.deadline {
            throw TraceError(line: record.line, "miss at \(time) is before the job's deadline \(job.deadline)")
        }
        jobs[index].miss = time
    }

    private mutating func irq(_ record: TraceFields) throws(TraceError) {
        try record.expect(4, shape: "T VCPU INTID")
        let time = try timestamp(record)
        irqs.append(TraceIRQ(time: time, vcpu: try declaredVCPU(record, 2), intid: try record.index(3, "intid")))
    }

    private mutating func end(_ record: TraceFields) throws(TraceError) {
        try record.expect(2, shape: "T")
        endTime = try timestamp(record)
        endLine = record.line
    }

    // MARK: checks shared by the records

    /// Field 1 of every timed record; it must not be earlier than the previous timed record.
    private mutating func timestamp(_ record: TraceFields) throws(TraceError) -> UInt64 {
        let time = try record.number(1, "time")
        if let lastTime, time < lastTime.time {
            throw TraceError(line: record.line,
                             "time \(time) goes backwards (line \(lastTime.line) was at \(lastTime.time))")
        }
        lastTime = (time, record.line)
        if firstTime == nil { firstTime = time }
        return time
    }

    private func declaredVCPU(_ record: TraceFields, _ index: Int) throws(TraceError) -> UInt32 {
        let id = try record.index(index, "vcpu")
        if vcpuLines[id] == nil { throw TraceError(line: record.line, "undeclared vcpu \(id)") }
        return id
    }

    private func requireDeclared(_ holder: TraceCPUHolder, _ record: TraceFields) throws(TraceError) {
        if case .vcpu(let id) = holder, vcpuLines[id] == nil {
            throw TraceError(line: record.line, "undeclared vcpu \(id)")
        }
    }

    /// The job named by fields VCPU TASK JOB (2...4), which must have been released.
    private func releasedJob(_ record: TraceFields) throws(TraceError) -> Int {
        let key = JobKey(task: TraceTaskKey(vcpu: try declaredVCPU(record, 2), task: try record.index(3, "task index")),
                         job: try record.number(4, "job"))
        guard let found = jobIndex[key] else {
            throw TraceError(line: record.line, "job \(key.job) of \(key.task) was never released")
        }
        return found.index
    }

    /// The task's position in `tasks`, adding an undeclared entry on first sight.
    private mutating func taskSlot(_ key: TraceTaskKey) -> Int {
        if let index = taskIndex[key] { return index }
        taskIndex[key] = tasks.count
        tasks.append(TraceTask(key: key, declared: nil))
        return tasks.count - 1
    }
}
