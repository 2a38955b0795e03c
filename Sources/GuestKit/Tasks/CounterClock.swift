// Guests read the generic timer's virtual counter (ticks at CNTFRQ); the task
// executive counts nanoseconds like the rest of the core. Conversions split
// off whole seconds first, so nothing overflows for any counter value a
// machine reaches (ticks * 10^9 alone would after 5 minutes at 62.5 MHz).
// When a tick is a whole number of nanoseconds (16 at 62.5 MHz) a multiply
// does it: guests read the clock after every chunk of work, and 64-bit
// division is a slow library call on armv7.
import HypervisorCore

public struct CounterClock: Sendable {
    /// Counter frequency in Hz (CNTFRQ), never zero.
    public let frequency: UInt64
    /// Nanoseconds per tick when that is a whole number, else 0.
    let wholeNanosecondsPerTick: UInt64

    public init(frequency: UInt32) {
        self.frequency = UInt64(widening: max(frequency, 1))
        let (perTick, remainder) = Self.nanosecondsPerSecond.quotientAndRemainder(dividingBy: self.frequency)
        wholeNanosecondsPerTick = remainder == 0 ? perTick : 0
    }

    static let nanosecondsPerSecond: UInt64 = 1_000_000_000

    /// The time `ticks` stand for, rounded down to a nanosecond.
    public func instant(ticks: UInt64) -> Instant {
        if wholeNanosecondsPerTick != 0 {
            let (nanoseconds, overflow) = ticks.multipliedReportingOverflow(by: wholeNanosecondsPerTick)
            return overflow ? .never : Instant(nanoseconds: nanoseconds)
        }
        let seconds = ticks / frequency
        let rest = ticks % frequency
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: Self.nanosecondsPerSecond)
        guard !overflow else { return .never }
        return Instant(nanoseconds: whole) + TimeSpan(nanoseconds: rest * Self.nanosecondsPerSecond / frequency)
    }

    /// The first counter value at or after `instant`: a timer compared against
    /// it never fires early. `.never` gives the largest counter value.
    public func ticks(atOrAfter instant: Instant) -> UInt64 {
        guard instant != .never else { return .max }
        if wholeNanosecondsPerTick != 0 {
            let (quotient, remainder) = instant.nanoseconds.quotientAndRemainder(dividingBy: wholeNanosecondsPerTick)
            return remainder == 0 ? quotient : quotient + 1
        }
        let seconds = instant.nanoseconds / Self.nanosecondsPerSecond
        let rest = instant.nanoseconds % Self.nanosecondsPerSecond
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: frequency)
        guard !overflow else { return .max }
        let fraction = (rest * frequency + Self.nanosecondsPerSecond - 1) / Self.nanosecondsPerSecond
        let (sum, carry) = whole.addingReportingOverflow(fraction)
        return carry ? .max : sum
    }
}
