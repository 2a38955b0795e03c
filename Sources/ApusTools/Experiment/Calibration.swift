import Foundation

// What a calibration run (the RT Linux with the CPU whenever it wants it: SEDF, an idle
// general-purpose Linux, a large reservation) gives the analysis (docs/EXPERIMENT.md):
// the CPU one wake-up needs, read as cyclictest's largest latency there, and what a
// loaded system adds to it, one more scheduling decision and one VCPU switch at their
// largest in that run's own hypervisor report (`BENCH hypervisor decide|vcpu-switch ...
// max=N`, instructions = ns under -icount shift=0).

public struct Calibration: Equatable, Sendable {
    /// cyclictest's max in the calibration run, in µs.
    public var wakeupUs: UInt64
    /// decide max + vcpu-switch max, in ns.
    public var hypervisorNs: UInt64

    public init(wakeupUs: UInt64, hypervisorNs: UInt64) {
        self.wakeupUs = wakeupUs
        self.hypervisorNs = hypervisorNs
    }

    public struct Problem: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    public static func read(console: String, rtLabel: String) throws(Problem) -> Calibration {
        let report: CyclictestReport
        do {
            report = try CyclictestReport.parse(console: console, label: rtLabel)
        } catch {
            throw Problem(reason: "the calibration run's cyclictest: \(error.reason)")
        }
        guard let decide = benchMax(console, name: "decide"), let vcpuSwitch = benchMax(console, name: "vcpu-switch") else {
            throw Problem(reason: "the calibration run has no 'BENCH hypervisor decide' and 'BENCH hypervisor vcpu-switch' lines")
        }
        return Calibration(wakeupUs: UInt64(max(report.maxUs, 1)), hypervisorNs: decide + vcpuSwitch)
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
