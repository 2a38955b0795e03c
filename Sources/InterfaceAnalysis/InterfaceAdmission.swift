// Admission of several guests' interfaces on one CPU: the overhead-inflated
// bandwidths must sum to at most one, sum((Θ_i + O_i) / Π_i) <= 1, exactly.
// The exact fraction arithmetic is the SEDF scheduler's own `UtilizationSum`
// (Scheduling/ExactUtilization.swift), so both admissions agree by construction.
import HypervisorCore

extension InterfaceAnalysis {
    /// Throws `.overloaded` when the interfaces (all in one unit) need more than
    /// one CPU, `.utilizationNotRepresentable` when the exact sum is too wide.
    public static func checkAdmission(_ interfaces: Span<ComponentInterface>) throws(AnalysisError) {
        var sum = UtilizationSum()
        for i in interfaces.indices {
            let interface = interfaces[i]
            // UtilizationSum takes TimeSpans but only divides them: any one unit works.
            sum.add(slice: TimeSpan(nanoseconds: interface.slice), period: TimeSpan(nanoseconds: interface.period))
        }
        switch sum.checkFitsOneCPU() {
        case nil: return
        case .utilizationNotRepresentable?: throw .utilizationNotRepresentable
        case _?: throw .overloaded
        }
    }
}
