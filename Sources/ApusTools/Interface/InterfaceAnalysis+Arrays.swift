// Array shorthands of the core's Span-taking analysis, for host code
// (simulator cross-checks, benchmarks, tools).
import HypervisorCore
import InterfaceAnalysis

extension InterfaceAnalysis {
    public static func minimalBudget(
        for tasks: [AnalysisTask], period: UInt64, policy: GuestPolicy
    ) throws(AnalysisError) -> UInt64? {
        try minimalBudget(for: tasks.span, period: period, policy: policy)
    }

    public static func isSchedulable(
        _ tasks: [AnalysisTask], on resource: PeriodicResource, policy: GuestPolicy
    ) throws(AnalysisError) -> Bool {
        try isSchedulable(tasks.span, on: resource, policy: policy)
    }

    public static func bestInterface(
        for tasks: [AnalysisTask], periods: ClosedRange<UInt64>, overhead: UInt64 = 0, policy: GuestPolicy
    ) throws(AnalysisError) -> ComponentInterface? {
        try bestInterface(for: tasks.span, periods: periods, overhead: overhead, policy: policy)
    }

    public static func checkAdmission(_ interfaces: [ComponentInterface]) throws(AnalysisError) {
        try checkAdmission(interfaces.span)
    }
}
