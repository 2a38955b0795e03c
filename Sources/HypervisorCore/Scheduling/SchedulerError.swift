// Errors of the VCPU schedulers. Plain enum: the core has no strings to build;
// the host tool prints `reason` (a static string) next to its own context.

public enum SchedulerError: Error, Equatable, Sendable {
    /// A period of zero length.
    case zeroPeriod
    /// A slice of zero length: the VCPU could never run on reserved time.
    case zeroSlice
    /// slice > period: more than one CPU's worth of reservation for one VCPU.
    case sliceExceedsPeriod
    /// Admitting these parameters would make sum(slice/period) > 1 on the CPU.
    case overloaded
    /// The exact utilization sum needs more bits than the fixed-width arithmetic
    /// holds (only with dozens of huge, mutually prime periods). Refused, never rounded.
    case utilizationNotRepresentable
    /// Credit weight outside 1...65535.
    case invalidWeight
    /// Credit cap above 100 % of the CPU.
    case invalidCap
    /// Credit tick/accounting/timeslice lengths that are zero or too large.
    case invalidConfiguration
    /// A VCPU with this id is already inserted.
    case duplicateVCPU
    /// The fixed-capacity table is full.
    case capacityExceeded
    /// No VCPU with this id is inserted.
    case unknownVCPU
    /// Parameters of one policy given to a scheduler running the other.
    case wrongPolicy

    public var reason: StaticString {
        switch self {
        case .zeroPeriod: "period must be greater than zero"
        case .zeroSlice: "slice must be greater than zero"
        case .sliceExceedsPeriod: "slice must not exceed period"
        case .overloaded: "admission refused: total utilization sum(slice/period) would exceed 1"
        case .utilizationNotRepresentable: "admission refused: utilization sum too large to compute exactly"
        case .invalidWeight: "weight must be in 1...65535"
        case .invalidCap: "cap must be in 0...100 (percent of one CPU, 0 = no cap)"
        case .invalidConfiguration: "scheduler tick, accounting period and timeslice must be in 1 ns...2^40 ns"
        case .duplicateVCPU: "a VCPU with this id already exists"
        case .capacityExceeded: "scheduler is full (capacity reached)"
        case .wrongPolicy: "parameters of the other scheduling policy"
        case .unknownVCPU: "no such VCPU"
        }
    }
}
