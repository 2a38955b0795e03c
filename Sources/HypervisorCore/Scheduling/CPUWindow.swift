// CPU time each VCPU received over one window common to all of them: from the
// first dispatch (or an explicit `open`) until the first VCPU leaves the
// system, so every VCPU competed
// for the whole window and the shares add up to at most 100 %. Guests measure
// their own shares over their own lifetimes, which differ; tests that compare
// shares use this instead. The hypervisor feeds it its switch points.

public struct CPUWindow<let capacity: Int>: Sendable {
    /// Where the window opened; nil before.
    public private(set) var start: Instant? = nil
    /// When the first VCPU left; nil while all still compete.
    public private(set) var end: Instant? = nil
    private var received: InlineArray<capacity, TimeSpan>
    private var running: Int? = nil
    private var since = Instant.zero

    private var admissions: InlineArray<capacity, Instant>

    public init() {
        received = InlineArray(repeating: .zero)
        admissions = InlineArray(repeating: .never)
    }

    /// `vcpu` joined the scheduler at `now` (its first period began then).
    public mutating func admitted(_ vcpu: Int, at now: Instant) {
        guard vcpu >= 0, vcpu < capacity else { return }
        admissions[vcpu] = now
    }

    /// How long before the window opened `vcpu` was admitted (zero if at or after).
    public func admittedBefore(_ vcpu: Int) -> TimeSpan {
        guard let start, vcpu >= 0, vcpu < capacity, admissions[vcpu] != .never else { return .zero }
        return start.since(admissions[vcpu])
    }

    /// Opens the window at `now` with the CPU idle (the VCPUs were admitted then).
    public mutating func open(at now: Instant) {
        guard start == nil else { return }
        start = now
        running = nil
        since = now
    }

    /// The CPU passes to `vcpu` (nil: idle) at `now`.
    public mutating func switched(to vcpu: Int?, at now: Instant) {
        guard end == nil else { return }
        if start == nil, vcpu != nil { start = now }
        charge(until: now)
        running = vcpu
        since = now
    }

    /// A VCPU left the system at `now`: the window closes (the first time only).
    public mutating func close(at now: Instant) {
        guard end == nil, start != nil else { return }
        charge(until: now)
        running = nil
        end = now
    }

    /// CPU time `vcpu` ran inside the window (hypervisor work done while it
    /// was the current VCPU included, as the scheduler charges it).
    public func received(_ vcpu: Int) -> TimeSpan {
        vcpu >= 0 && vcpu < capacity ? received[vcpu] : .zero
    }

    /// The window's length; zero while it is still open or never opened.
    public var length: TimeSpan {
        guard let start, let end else { return .zero }
        return end.since(start)
    }

    private mutating func charge(until now: Instant) {
        guard let vcpu = running, vcpu >= 0, vcpu < capacity else { return }
        received[vcpu] = received[vcpu] + now.since(since)
    }
}
