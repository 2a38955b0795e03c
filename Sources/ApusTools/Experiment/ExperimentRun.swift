import Foundation

// One cell's run, read from what the matrix runner kept (Tests/Experiment/run-matrix.sh):
// the console log (UART0: the hypervisor's lines and the guests' `[name] ` lines) and how
// QEMU ended (its exit status, 124 when the runner's timeout stopped it).

public struct ExperimentRun: Sendable {
    public var cell: ExperimentCell
    /// The cyclictest report, or why there is none / why it does not count.
    public var cyclictest: CyclictestReport?
    public var failure: String?
    public var exitStatus: Int
    /// From the native RT guest's `RESULT` lines: jobs released and deadlines missed.
    public var nativeJobs: Int?
    public var nativeMisses: Int?
    /// The hypervisor's `longest runnable wait` for the RT Linux VM, in µs.
    public var rtLongestWaitUs: Int?

    public var succeeded: Bool { failure == nil }

    /// The QEMU exit status the runner records for a run its timeout stopped.
    public static let timeoutStatus = 124
    /// The status the runner records for a run it stopped after a Linux VM's oops.
    public static let oopsStatus = 125
    /// What a Linux kernel prints when it oopses or panics (run-matrix.sh's OOPS_MARKERS).
    static let oopsMarkers = ["Kernel panic", "Internal error: Oops", "Unable to handle kernel", "BUG: ", "kernel BUG at"]

    /// Reads a run. `rtLabel` and `nativeLabel` are the VMs' labels; `loops` the samples
    /// cyclictest must report. Exit status 0, or 6 (a guest reported a failure, such as the
    /// native RT guest missing deadlines), is a finished run.
    public init(cell: ExperimentCell, console: String, exitStatus: Int, loops: Int,
                rtLabel: String, nativeLabel: String, gpLabel: String = "gp-linux") {
        let console = console.replacingOccurrences(of: "\r", with: "")
        self.cell = cell
        self.exitStatus = exitStatus
        var problem: String?
        do {
            let report = try CyclictestReport.parse(console: console, label: rtLabel)
            cyclictest = report
            if report.measured != loops {
                problem = "cyclictest measured \(report.measured) wake-ups (\(report.samples) + \(report.overflows) overflows), not \(loops)"
            }
        } catch {
            problem = error.reason
        }
        if let oops = Self.firstOops(console: console) {
            problem = "a Linux VM oopsed: \(oops)" + (problem.map { " (\($0))" } ?? "")
        } else if exitStatus == Self.timeoutStatus {
            problem = "not finished within the runner's timeout (hung, or a host too slow for RUN_TIMEOUT)" + (problem.map { " (\($0))" } ?? "")
        } else if exitStatus != 0 && exitStatus != 6 {
            problem = "QEMU exit status \(exitStatus)" + (problem.map { " (\($0))" } ?? "")
        }
        if problem == nil, cell.gpLoad != .idle, let late = Self.loadStartedLate(console: console, rtLabel: rtLabel, gpLabel: gpLabel) {
            problem = late
        }
        failure = problem
        (nativeJobs, nativeMisses) = Self.nativeResults(console: console, label: nativeLabel)
        rtLongestWaitUs = Self.longestWait(console: console, vm: rtLabel)
    }

    /// A loaded cell measures its load only if the GP Linux's load began before cyclictest
    /// did (the two VMs' console lines reach UART0 in the order they were written): why
    /// not, or nil. Linux/init's line, and Linux/cyclictest-run's.
    static func loadStartedLate(console: String, rtLabel: String, gpLabel: String) -> String? {
        let lines = console.split(separator: "\n")
        let loadLine = lines.firstIndex { $0.hasPrefix("[\(gpLabel)] apus-init: starting a CPU hog") }
        guard let running = lines.firstIndex(where: { $0.hasPrefix("[\(rtLabel)] apus-cyclictest: running") }) else { return nil }
        guard let loadLine else { return "\(gpLabel)'s load never started (no 'apus-init: starting a CPU hog' line)" }
        if loadLine > running {
            return "\(gpLabel)'s load started after cyclictest began (console lines \(loadLine + 1) and \(running + 1)): raise RT_START"
        }
        return nil
    }

    /// The first console line of a Linux VM (`[...linux] `) with an oops or panic marker.
    static func firstOops(console: String) -> Substring? {
        console.split(separator: "\n").first { line in
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]"), line[..<close].hasSuffix("linux") else { return false }
            return oopsMarkers.contains { line.contains($0) }
        }
    }

    /// Sums `[label] RESULT task=... released=N ... misses=M` over the guest's tasks.
    static func nativeResults(console: String, label: String) -> (jobs: Int?, misses: Int?) {
        var jobs = 0, misses = 0, found = false
        for line in console.split(separator: "\n") where line.hasPrefix("[\(label)] RESULT task=") {
            let fields = CyclictestReport.fields(line.dropFirst("[\(label)] RESULT ".count))
            guard let released = fields["released"].flatMap({ Int($0) }), let missed = fields["misses"].flatMap({ Int($0) })
            else { continue }
            jobs += released
            misses += missed
            found = true
        }
        return found ? (jobs, misses) : (nil, nil)
    }

    /// `  longest runnable wait: a N us, b N us` (the hypervisor's end-of-run report).
    static func longestWait(console: String, vm: String) -> Int? {
        let prefix = "  longest runnable wait: "
        guard let line = console.split(separator: "\n").last(where: { $0.hasPrefix(prefix) }) else { return nil }
        for entry in line.dropFirst(prefix.count).split(separator: ",") {
            let words = entry.split(separator: " ")
            if words.count >= 2, words[0] == vm { return Int(words[1]) }
        }
        return nil
    }
}
