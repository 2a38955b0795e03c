// The interface a guest publishes: its periodic resource plus the per-period
// overhead (context switches, timer lateness) the hypervisor must add to the
// slice so that the guest still receives Θ.
import HypervisorCore

/// Γ(period, budget) plus `overhead` per period; the VCPU reserves
/// slice = budget + overhead every period.
public struct ComponentInterface: Equatable, Hashable, Sendable {
    public var resource: PeriodicResource
    public var overhead: UInt64

    /// Fails when budget + overhead exceeds the period (more than one CPU).
    public init(resource: PeriodicResource, overhead: UInt64) throws(AnalysisError) {
        let (slice, overflow) = resource.budget.addingReportingOverflow(overhead)
        if overflow || slice > resource.period { throw .sliceNotRepresentable }
        self.resource = resource
        self.overhead = overhead
    }

    public var period: UInt64 { resource.period }
    public var budget: UInt64 { resource.budget }
    /// Θ + overhead, at most the period (checked at init).
    public var slice: UInt64 { resource.budget + overhead }

    /// Whether this interface costs less CPU than `other`:
    /// slice / period < other.slice / other.period, compared exactly by
    /// cross-multiplying in 128 bits.
    public func costsLess(than other: ComponentInterface) -> Bool {
        !productIsAtMost(other.slice, period, slice, other.period)
    }
}
