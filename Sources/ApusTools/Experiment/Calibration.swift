import Foundation

// What a calibration run (the RT Linux with the CPU whenever it wants it: SEDF, an idle
// general-purpose Linux, a large reservation) gives the analysis (docs/EXPERIMENT.md):
// the CPU one wake-up needs, read as cyclictest's largest latency there, and what a
// loaded system adds to it, one more scheduling decision and one VCPU switch at their
// largest in that run's own hypervisor report (`BENCH hypervisor decide|vcpu-switch ...
// max=N`, instructions = ns under -icount shift=0).
// The max is the wake-up's CPU only if nothing outside the RT VM delayed it: during
// cyclictest the VM must not have waited for the CPU. Linux's steal time over cyclictest's
// run (`apus-cyclictest: cpu busy=B idle=I steal=S`, in 1/100 s: the time Apus kept its
// VCPU runnable but not running, which Linux reads from the runstate area Apus keeps)
// must be at most `mostStealPercent` of that run. A VM that waited (another VM booting
// or running its jobs while the RT VM was out of budget) has latencies of up to the
// wait in its histogram, and its max would inflate the interface and the bound: the run
// is refused. The hypervisor's longest runnable wait of the RT VM is reported beside it;
// it covers the whole run, boot included, so it does not judge cyclictest's window.

public struct Calibration: Equatable, Sendable {
    /// cyclictest's max in the calibration run, in µs.
    public var wakeupUs: UInt64
    /// decide max + vcpu-switch max, in ns.
    public var hypervisorNs: UInt64
    /// Linux's steal time during cyclictest and the length of cyclictest's run, in 1/100 s.
    public var steal: UInt64
    public var window: UInt64
    /// The hypervisor's longest runnable wait of the RT VM over the whole run, in µs.
    public var rtLongestWaitUs: UInt64

    /// The most steal time a calibration may show, in percent of cyclictest's run: about
    /// what the idle VMs' own wake-ups take (0.4 to 0.5 % measured); a VM that waited
    /// for others showed 9 to 12 % (docs/EXPERIMENT.md, "The interface").
    public static let mostStealPercent: UInt64 = 2

    public init(wakeupUs: UInt64, hypervisorNs: UInt64, steal: UInt64, window: UInt64, rtLongestWaitUs: UInt64) {
        self.wakeupUs = wakeupUs
        self.hypervisorNs = hypervisorNs
        self.steal = steal
        self.window = window
        self.rtLongestWaitUs = rtLongestWaitUs
    }

    public struct Problem: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    public static func read(console: String, rtLabel: String, mostStealPercent: UInt64 = Calibration.mostStealPercent) throws(Problem) -> Calibration {
        let console = console.replacingOccurrences(of: "\r", with: "")
        let report: CyclictestReport
        do {
            report = try CyclictestReport.parse(console: console, label: rtLabel)
        } catch {
            throw Problem(reason: "the calibration run's cyclictest: \(error.reason)")
        }
        guard let decide = benchMax(console, name: "decide"), let vcpuSwitch = benchMax(console, name: "vcpu-switch") else {
            throw Problem(reason: "the calibration run has no 'BENCH hypervisor decide' and 'BENCH hypervisor vcpu-switch' lines")
        }
        guard let wait = ExperimentRun.longestWait(console: console, vm: rtLabel) else {
            throw Problem(reason: "the calibration run has no 'longest runnable wait' of \(rtLabel) (the hypervisor's end-of-run report)")
        }
        guard let (steal, window) = cpuTimes(console, rtLabel: rtLabel), window > 0 else {
            throw Problem(reason: "the calibration run has no '[\(rtLabel)] apus-cyclictest: cpu busy=B idle=I steal=S' line")
        }
        guard steal * 100 <= window * mostStealPercent else {
            throw Problem(reason: "calibration refused: \(rtLabel) waited for the CPU \(steal * 10) ms of cyclictest's \(window * 10) ms "
                + "(Linux's steal time), more than \(mostStealPercent) %, so cyclictest's max (\(report.maxUs) us) may be such a wait "
                + "rather than the CPU a wake-up needs, and would inflate the interface and the bound. In a calibration nothing "
                + "outside the RT VM may want the CPU while cyclictest runs (docs/EXPERIMENT.md, \"The interface\"): look for "
                + "what ran instead (another VM booting or running its jobs) and run it again")
        }
        return Calibration(wakeupUs: UInt64(max(report.maxUs, 1)), hypervisorNs: decide + vcpuSwitch, steal: steal, window: window,
                           rtLongestWaitUs: UInt64(wait))
    }

    /// Steal and busy + idle + steal from `[label] apus-cyclictest: cpu busy=B idle=I steal=S (1/100 s) ...`.
    static func cpuTimes(_ console: String, rtLabel: String) -> (steal: UInt64, window: UInt64)? {
        let prefix = "[\(rtLabel)] apus-cyclictest: cpu "
        guard let line = console.split(separator: "\n").last(where: { $0.hasPrefix(prefix) }) else { return nil }
        let fields = CyclictestReport.fields(line.dropFirst(prefix.count))
        guard let busy = fields["busy"].flatMap({ UInt64($0) }), let idle = fields["idle"].flatMap({ UInt64($0) }),
              let steal = fields["steal"].flatMap({ UInt64($0) }) else { return nil }
        return (steal, busy + idle + steal)
    }

    /// `max=` of the hypervisor's `BENCH hypervisor NAME ...` line.
    static func benchMax(_ console: String, name: String) -> UInt64? {
        let prefix = "BENCH hypervisor \(name) "
        for line in console.replacingOccurrences(of: "\r", with: "").split(separator: "\n") where line.hasPrefix(prefix) {
            return CyclictestReport.fields(line.dropFirst(prefix.count))["max"].flatMap { UInt64($0) }
        }
        return nil
    }
}
