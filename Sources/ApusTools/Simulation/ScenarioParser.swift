// Parses the line-based scenario format (docs/SCENARIOS.md). Every problem is
// reported with its file and line; nothing is guessed or skipped. Parameters
// are checked with the same core code the hypervisor uses (SEDF admission,
// credit weight/cap ranges), so a scenario that parses can be simulated.
import Foundation
import HypervisorCore

public enum ScenarioParser {
    /// Reads and parses a scenario file.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        try parse(TextFile.read(path, what: "scenario file"), file: path)
    }

    /// Parses scenario text; `file` only names it in errors.
    public static func parse(_ text: String, file: String) throws(ScenarioError) -> Scenario {
        var state = ParseState(file: file)
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            state.line = index + 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let directive = words.first else { continue }
            try state.apply(directive: directive, arguments: Array(words.dropFirst()))
        }
        return try state.finish()
    }

    /// Parses a length of time given outside a file (a command-line option);
    /// `source` names it in the error, e.g. "--duration".
    public static func time(_ text: String, source: String) throws(ScenarioError) -> TimeSpan {
        switch TimeSpanText.parse(text) {
        case .success(let span): return span
        case .failure(let error): throw ScenarioError(file: source, line: nil, message: "'\(text)' \(error.reason)")
        }
    }
}

/// The parser's state while it walks the file.
private struct ParseState {
    let file: String
    var line = 0
    var scheduler: ScenarioScheduler?
    var duration: TimeSpan?
    var vcpus: [ScenarioVCPU] = []
    /// Admission is checked as VCPUs are declared, with the core's own test.
    /// SEDF admission per CPU (partitioned, as the hypervisor's).
    var admission = [SEDFScheduler<64>](repeating: SEDFScheduler<64>(), count: Scenario.maximumCPUs)

    init(file: String) { self.file = file }

    func fail(_ message: String) -> ScenarioError {
        ScenarioError(file: file, line: line, message: message)
    }

    mutating func apply(directive: String, arguments: [String]) throws(ScenarioError) {
        switch directive {
        case "scheduler": try parseScheduler(arguments)
        case "duration": try parseDuration(arguments)
        case "vcpu": try parseVCPU(arguments)
        case "task": try parseTask(arguments)
        case "block": try parseBlock(arguments)
        default:
            throw fail("unknown directive '\(directive)' (expected scheduler, duration, vcpu, task or block)")
        }
    }

    func finish() throws(ScenarioError) -> Scenario {
        guard let scheduler else { throw ScenarioError(file: file, line: nil, message: "no 'scheduler' line") }
        if vcpus.isEmpty { throw ScenarioError(file: file, line: nil, message: "no 'vcpu' line") }
        return Scenario(scheduler: scheduler, duration: duration ?? .milliseconds(1000), vcpus: vcpus)
    }

    // MARK: Directives

    mutating func parseScheduler(_ arguments: [String]) throws(ScenarioError) {
        if scheduler != nil { throw fail("second 'scheduler' line") }
        if !vcpus.isEmpty { throw fail("'scheduler' must come before the first 'vcpu'") }
        guard let policy = arguments.first else { throw fail("'scheduler' needs a policy: sedf or credit") }
        var keys = try KeyValues(Array(arguments.dropFirst()), state: self)
        switch policy {
        case "sedf":
            let wake: SEDFWakeRule
            switch keys.take("wake") ?? "cbs" {
            case "cbs": wake = .constantBandwidth
            case "xen": wake = .xenShortBlockForfeit
            case let other: throw fail("unknown wake rule '\(other)' (expected cbs or xen)")
            }
            let quantum = try keys.takeTime("slack-quantum", state: self) ?? .microseconds(500)
            if quantum == .zero { throw fail("slack-quantum must be greater than zero") }
            try keys.finish(state: self, context: "a sedf scheduler")
            scheduler = .sedf(wakeRule: wake, slackQuantum: quantum)
        case "credit":
            let defaults = CreditConfiguration()
            let tick = try keys.takeTime("tick", state: self) ?? defaults.tick
            let accounting = try keys.takeTime("accounting", state: self) ?? defaults.accountingPeriod
            let timeslice = try keys.takeTime("timeslice", state: self) ?? defaults.timeslice
            let rateLimit = try keys.takeTime("ratelimit", state: self) ?? defaults.rateLimit
            try keys.finish(state: self, context: "a credit scheduler")
            do {
                scheduler = .credit(try CreditConfiguration(tick: tick, accountingPeriod: accounting,
                                                            timeslice: timeslice, rateLimit: rateLimit))
            } catch {
                throw fail("\(error.reason)")
            }
        default:
            throw fail("unknown scheduler '\(policy)' (expected sedf or credit)")
        }
    }

    mutating func parseDuration(_ arguments: [String]) throws(ScenarioError) {
        if duration != nil { throw fail("second 'duration' line") }
        guard arguments.count == 1 else { throw fail("'duration' takes one time, e.g. 'duration 2s'") }
        let value = try time(arguments[0], what: "duration")
        if value == .zero { throw fail("duration must be greater than zero") }
        duration = value
    }

    mutating func parseVCPU(_ arguments: [String]) throws(ScenarioError) {
        guard let scheduler else { throw fail("'vcpu' before 'scheduler': say which scheduler first") }
        guard let name = arguments.first else { throw fail("'vcpu' needs a name") }
        try checkName(name, what: "VCPU")
        if vcpus.contains(where: { $0.name == name }) { throw fail("VCPU '\(name)' is declared twice") }
        if vcpus.count == Scenario.maximumVCPUs { throw fail("more than \(Scenario.maximumVCPUs) VCPUs") }
        var keys = try KeyValues(Array(arguments.dropFirst()), state: self)
        var vcpu = ScenarioVCPU(name: name)
        if let cpu = keys.take("cpu") {
            guard let value = Int(cpu), (0..<Scenario.maximumCPUs).contains(value) else {
                throw fail("VCPU '\(name)': cpu=\(cpu) is not a CPU (0...\(Scenario.maximumCPUs - 1))")
            }
            vcpu.cpu = value
        }
        switch keys.take("guest") ?? "edf" {
        case "edf": vcpu.guest = .edf
        case "rm": vcpu.guest = .rm
        case let other: throw fail("unknown guest scheduler '\(other)' (expected edf or rm)")
        }
        switch keys.take("idle") ?? "block" {
        case "block": vcpu.whenIdle = .block
        case "busy": vcpu.whenIdle = .busy
        case let other: throw fail("unknown idle behaviour '\(other)' (expected block or busy)")
        }
        switch scheduler {
        case .sedf:
            guard let period = try keys.takeTime("period", state: self) else { throw fail("sedf VCPU '\(name)' needs period=") }
            guard let slice = try keys.takeTime("slice", state: self) else { throw fail("sedf VCPU '\(name)' needs slice=") }
            let extratime: Bool
            switch keys.take("extratime") ?? "no" {
            case "yes": extratime = true
            case "no": extratime = false
            case let other: throw fail("extratime must be yes or no, not '\(other)'")
            }
            try keys.finish(state: self, context: "a sedf VCPU")
            let parameters = SEDFParameters(period: period, slice: slice, extratime: extratime)
            do {
                try admission[vcpu.cpu].insert(VCPUID(UInt32(vcpus.count)), parameters: parameters, now: .zero)
            } catch {
                throw fail("VCPU '\(name)'\(vcpu.cpu == 0 ? "" : " on CPU \(vcpu.cpu)") (period \(TimeSpanText.format(period)), slice \(TimeSpanText.format(slice))): \(error.reason)")
            }
            vcpu.sedf = parameters
        case .credit:
            let weight = try keys.takeInteger("weight", state: self) ?? UInt64(CreditParameters.defaultWeight)
            let cap = try keys.takeInteger("cap", state: self) ?? 0
            try keys.finish(state: self, context: "a credit VCPU")
            if weight < 1 || weight > 65535 { throw fail("weight \(weight) is out of range 1...65535") }
            if cap > 100 { throw fail("cap \(cap) is out of range 0...100 (percent of the CPU, 0 = none)") }
            vcpu.credit = CreditParameters(weight: UInt32(weight), cap: UInt32(cap))
        }
        vcpus.append(vcpu)
    }

    mutating func parseTask(_ arguments: [String]) throws(ScenarioError) {
        guard arguments.count >= 2 else { throw fail("'task' needs a VCPU name and a task name: task VCPU NAME period=... wcet=...") }
        let index = try vcpuIndex(arguments[0])
        let name = arguments[1]
        try checkName(name, what: "task")
        if vcpus[index].tasks.contains(where: { $0.name == name }) {
            throw fail("task '\(name)' is declared twice in VCPU '\(arguments[0])'")
        }
        var keys = try KeyValues(Array(arguments.dropFirst(2)), state: self)
        guard let period = try keys.takeTime("period", state: self) else { throw fail("task '\(name)' needs period=") }
        guard let wcet = try keys.takeTime("wcet", state: self) else { throw fail("task '\(name)' needs wcet=") }
        let offset = try keys.takeTime("offset", state: self) ?? .zero
        try keys.finish(state: self, context: "a task")
        if period == .zero { throw fail("task '\(name)': period must be greater than zero") }
        if wcet == .zero { throw fail("task '\(name)': wcet must be greater than zero") }
        if wcet > period {
            throw fail("task '\(name)': wcet \(TimeSpanText.format(wcet)) exceeds period \(TimeSpanText.format(period))")
        }
        vcpus[index].tasks.append(ScenarioTask(name: name, period: period, wcet: wcet, offset: offset))
    }

    mutating func parseBlock(_ arguments: [String]) throws(ScenarioError) {
        guard let vcpuName = arguments.first else { throw fail("'block' needs a VCPU name: block VCPU every=... at=... for=...") }
        let index = try vcpuIndex(vcpuName)
        var keys = try KeyValues(Array(arguments.dropFirst()), state: self)
        guard let every = try keys.takeTime("every", state: self) else { throw fail("'block' needs every=") }
        let at = try keys.takeTime("at", state: self) ?? .zero
        guard let length = try keys.takeTime("for", state: self) else { throw fail("'block' needs for=") }
        try keys.finish(state: self, context: "'block'")
        if every == .zero || length == .zero { throw fail("'block': every and for must be greater than zero") }
        if at + length > every { throw fail("'block': at + for must not exceed every") }
        vcpus[index].blockPatterns.append(BlockPattern(every: every, at: at, length: length))
    }

    // MARK: Helpers

    func vcpuIndex(_ name: String) throws(ScenarioError) -> Int {
        guard let index = vcpus.firstIndex(where: { $0.name == name }) else {
            throw fail("unknown VCPU '\(name)' (declare it with a 'vcpu' line first)")
        }
        return index
    }

    func checkName(_ name: String, what: String) throws(ScenarioError) {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
        if !allowed || name.contains("=") || name.isEmpty {
            throw fail("bad \(what) name '\(name)' (letters, digits, '_', '-', '.')")
        }
    }

    func time(_ text: String, what: String) throws(ScenarioError) -> TimeSpan {
        switch TimeSpanText.parse(text) {
        case .success(let span): return span
        case .failure(let error): throw fail("\(what) '\(text)' \(error.reason)")
        }
    }
}

/// The key=value arguments of one line; each key must be used exactly once.
private struct KeyValues {
    private var values: [String: String] = [:]
    private var order: [String] = []

    init(_ arguments: [String], state: ParseState) throws(ScenarioError) {
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw state.fail("expected key=value, got '\(argument)'")
            }
            let key = String(argument[..<equals])
            let value = String(argument[argument.index(after: equals)...])
            if values[key] != nil { throw state.fail("'\(key)' is given twice") }
            if value.isEmpty { throw state.fail("'\(key)=' has no value") }
            values[key] = value
            order.append(key)
        }
    }

    mutating func take(_ key: String) -> String? { values.removeValue(forKey: key) }

    mutating func takeTime(_ key: String, state: ParseState) throws(ScenarioError) -> TimeSpan? {
        guard let text = take(key) else { return nil }
        return try state.time(text, what: key)
    }

    mutating func takeInteger(_ key: String, state: ParseState) throws(ScenarioError) -> UInt64? {
        guard let text = take(key) else { return nil }
        guard let value = UInt64(text) else { throw state.fail("\(key) '\(text)' is not a whole number") }
        return value
    }

    /// Refuses keys nobody took.
    func finish(state: ParseState, context: String) throws(ScenarioError) {
        if let unknown = order.first(where: { values[$0] != nil }) {
            throw state.fail("unknown key '\(unknown)' for \(context)")
        }
    }
}
