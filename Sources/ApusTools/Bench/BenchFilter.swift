// `--only` for `apus bench`: run one part, so that a single case can be profiled or run
// under `valgrind --tool=callgrind` for an instruction count (docs/BENCHMARKS.md).
//   sedf | credit            every row of that policy
//   sedf/16 | sedf/16/64     that many VCPUs (and that table size)
//   analysis                 only the interface analysis

public struct BenchFilter: Equatable, Sendable {
    var policy: SchedulerBenchCase.Policy?
    var vcpus: Int?
    var capacity: Int?
    var schedulers = true
    var analysis = true

    public static let all = BenchFilter()

    public init() {}

    /// nil for text that is not one of the forms above.
    public init?(_ text: String) {
        if text == "analysis" {
            schedulers = false
            return
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), let policy = SchedulerBenchCase.Policy(rawValue: String(parts[0])) else {
            return nil
        }
        self.policy = policy
        analysis = false
        if parts.count >= 2 {
            guard let vcpus = Int(parts[1]), vcpus > 0 else { return nil }
            self.vcpus = vcpus
        }
        if parts.count == 3 {
            guard let capacity = Int(parts[2]), capacity > 0 else { return nil }
            self.capacity = capacity
        }
    }

    func includes(_ benchCase: SchedulerBenchCase) -> Bool {
        schedulers && (policy.map { $0 == benchCase.policy } ?? true)
            && (vcpus.map { $0 == benchCase.vcpus } ?? true)
            && (capacity.map { $0 == benchCase.capacity } ?? true)
    }

    var includesAnalysis: Bool { analysis }
}
