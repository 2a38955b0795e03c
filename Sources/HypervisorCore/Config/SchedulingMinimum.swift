// How small an SEDF reservation may be, given what the hypervisor itself
// spends per scheduling event (docs/CONFIG.md, "Scheduling minimum"; the
// derivation in docs/ANALYSIS.md, "Hypervisor overhead"). Below it, the
// decisions and switches that delimit each slice eat the slice: at a 1 us
// slice every 1 us, no guest instruction ever runs.
//
// The figures are `make bench`'s, in instructions under -icount
// shift=0,sleep=off (1 instruction = 1 ns): the most expensive single
// scheduling event a guest sees is a VCPU woken from WFI by its virtual timer
// (CNTHP interrupt, wake, decision, VCPU switch, injection, return): at most
// 7,725 for credit, 6,255 for SEDF; a forced VM switch (trap, decision, switch,
// return) is at most 5,890. Rounded up with headroom, one event costs 10 us.

/// The smallest SEDF slice and period a configuration may give a VM.
public struct SchedulingMinimum: Sendable, Equatable {
    public var slice: TimeSpan
    public var period: TimeSpan

    /// The hypervisor's cost of one scheduling event (see above).
    public static let eventCost = TimeSpan.microseconds(10)
    /// A reservation causes two events per period: the decision that
    /// dispatches it and the one that ends its slice.
    public static let overheadPerPeriod = eventCost + eventCost

    /// The rule the hypervisor boots with and `apus check` applies: the
    /// hypervisor's work for a reservation is at most a tenth of its slice
    /// (slice >= 10 x 20 us = 200 us), and a period holds the smallest slice
    /// plus the two events that delimit it (period >= 220 us).
    public static let measured = SchedulingMinimum(
        slice: TimeSpan(nanoseconds: 10 * overheadPerPeriod.nanoseconds),
        period: TimeSpan(nanoseconds: 10 * overheadPerPeriod.nanoseconds) + overheadPerPeriod)

    /// No minimum: only for the test system that proves the starvation
    /// report (a hypervisor linked with APUS_UNCHECKED_SCHEDULING_MINIMUM).
    public static let unchecked = SchedulingMinimum(slice: .zero, period: .zero)

    public init(slice: TimeSpan, period: TimeSpan) {
        self.slice = slice
        self.period = period
    }

    /// The reason `parameters` fall below this minimum, if they do.
    public func violation(by parameters: SEDFParameters) -> ConfigErrorReason? {
        if parameters.period < period {
            return .periodBelowMinimum(period: Self.microseconds(parameters.period), minimum: Self.microseconds(period))
        }
        if parameters.slice < slice {
            return .sliceBelowMinimum(slice: Self.microseconds(parameters.slice), minimum: Self.microseconds(slice))
        }
        return nil
    }

    static func microseconds(_ span: TimeSpan) -> UInt32 {
        UInt32(truncatingIfNeeded: span.nanoseconds / 1000)
    }
}
