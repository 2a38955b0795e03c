// From an interface in analysis units to the SEDF reservation in nanoseconds.
//
// Rounding keeps the guarantee: the period rounds DOWN and the slice rounds UP.
// A shorter period with the same budget, or a larger budget with the same
// period, never lowers sbf (in the worst-case pattern every supply interval
// starts no later and lasts no shorter), so the guest still gets at least the
// analysed supply, and the overhead still fits in the slice.
import HypervisorCore

/// How long one analysis unit is: `nanoseconds / units` ns (1 us = 1000 / 1,
/// one 62.5 MHz tick = 16 / 1, one 24 MHz tick = 125 / 3).
public struct UnitScale: Equatable, Hashable, Sendable {
    public var nanoseconds: UInt64
    public var units: UInt64

    public init(nanoseconds: UInt64, perUnits units: UInt64 = 1) throws(AnalysisError) {
        if nanoseconds == 0 || units == 0 { throw .invalidUnitScale }
        self.nanoseconds = nanoseconds
        self.units = units
    }

    /// floor(value * nanoseconds / units), throwing if it exceeds 64 bits.
    func floorNanoseconds(_ value: UInt64) throws(AnalysisError) -> UInt64 {
        let product = value.multipliedFullWidth(by: nanoseconds)
        if product.high >= units { throw .arithmeticOverflow }
        return units.dividingFullWidth(product).quotient
    }

    /// ceil(value * nanoseconds / units), throwing if it exceeds 64 bits.
    func ceilNanoseconds(_ value: UInt64) throws(AnalysisError) -> UInt64 {
        let product = value.multipliedFullWidth(by: nanoseconds)
        if product.high >= units { throw .arithmeticOverflow }
        let (quotient, remainder) = units.dividingFullWidth(product)
        if remainder == 0 { return quotient }
        let (rounded, overflow) = quotient.addingReportingOverflow(1)
        if overflow { throw .arithmeticOverflow }
        return rounded
    }
}

extension ComponentInterface {
    /// The VCPU's SEDF parameters: period = floor(Π), slice = ceil(Θ + overhead),
    /// both in nanoseconds. Throws when the slice would be 0 or exceed the period.
    public func sedfParameters(scale: UnitScale, extratime: Bool = false) throws(AnalysisError) -> SEDFParameters {
        let periodNs = try scale.floorNanoseconds(period)
        let sliceNs = try scale.ceilNanoseconds(slice)
        if sliceNs == 0 || sliceNs > periodNs { throw .sliceNotRepresentable }
        return SEDFParameters(
            period: TimeSpan(nanoseconds: periodNs), slice: TimeSpan(nanoseconds: sliceNs), extratime: extratime)
    }
}
