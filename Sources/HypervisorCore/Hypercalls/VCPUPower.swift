// Which of a VM's VCPUs are on, and the argument checks of the PSCI calls that
// change that (CPU_ON, CPU_OFF, AFFINITY_INFO). Pure: the hypervisor starts
// and stops the VCPUs these answers name.

/// The MPIDR a VCPU reads (VMPIDR): multiprocessor format (bit 31), one
/// cluster, Aff0 = the VCPU's index in its VM. The guest device tree's `cpu@n`
/// `reg` and PSCI's target arguments use the affinity bits, `n`.
public enum VirtualMPIDR {
    public static func value(ofVCPU index: Int) -> UInt32 {
        0x8000_0000 | affinity(ofVCPU: index)
    }

    public static func affinity(ofVCPU index: Int) -> UInt32 { UInt32(truncatingIfNeeded: index) & 0xFF }

    /// The VCPU a PSCI target argument names: Aff0 < vcpuCount, every other
    /// bit zero (SMC32 has no Aff3; one cluster). nil otherwise.
    public static func vcpu(named target: UInt32, vcpuCount: Int) -> Int? {
        guard target & 0xFFFF_FF00 == 0, Int(target) < vcpuCount else { return nil }
        return Int(target)
    }
}

/// A VCPU's power state, with AFFINITY_INFO's encoding.
public enum VCPUPowerState: UInt32, Sendable {
    case on = 0
    case off = 1
    /// CPU_ON was accepted; the VCPU has not run yet.
    case onPending = 2
}

/// What an accepted CPU_ON asks the hypervisor to do: start `vcpu` at `entry`
/// with `r0 = contextID` (PSCI's entry convention).
public struct VCPUStart: Equatable, Sendable {
    public let vcpu: Int
    public let entry: UInt32
    public let contextID: UInt32

    public init(vcpu: Int, entry: UInt32, contextID: UInt32) {
        self.vcpu = vcpu
        self.entry = entry
        self.contextID = contextID
    }
}

/// The power states of one VM's VCPUs. VCPU 0 starts on, the others off,
/// as a machine's secondaries wait for CPU_ON.
public struct VCPUPower: Sendable {
    public static let capacity = 8
    public let vcpuCount: Int
    private var states: InlineArray<8, VCPUPowerState>

    public init(vcpuCount: Int) {
        precondition(vcpuCount >= 1 && vcpuCount <= VCPUPower.capacity, "VCPUPower: VCPU count out of range")
        self.vcpuCount = vcpuCount
        states = InlineArray(repeating: .off)
        states[0] = .on
    }

    public func state(of vcpu: Int) -> VCPUPowerState { states[vcpu] }

    /// How many VCPUs are on or about to be.
    public var awakeCount: Int {
        var count = 0
        for vcpu in 0..<vcpuCount where states[vcpu] != .off { count += 1 }
        return count
    }

    /// CPU_ON(target, entry, contextID): INVALID_PARAMETERS for a VCPU the VM
    /// does not have, ALREADY_ON / ON_PENDING for one that is not off,
    /// INVALID_ADDRESS for an entry outside the guest's RAM. On success the
    /// VCPU is on-pending until the hypervisor calls `started`.
    public mutating func cpuOn(target: UInt32, entry: UInt32, contextID: UInt32,
                               memory: GuestPhysicalRange) -> Result<VCPUStart, PSCIError> {
        guard let vcpu = VirtualMPIDR.vcpu(named: target, vcpuCount: vcpuCount) else { return .failure(PSCIError(.invalidParameters)) }
        switch states[vcpu] {
        case .on: return .failure(PSCIError(.alreadyOn))
        case .onPending: return .failure(PSCIError(.onPending))
        case .off: break
        }
        // Bit 0 selects Thumb state; the instruction itself must be in RAM.
        guard memory.contains(GuestPhysicalAddress(entry & ~1)) else { return .failure(PSCIError(.invalidAddress)) }
        states[vcpu] = .onPending
        return .success(VCPUStart(vcpu: vcpu, entry: entry, contextID: contextID))
    }

    /// The hypervisor put the VCPU of an accepted CPU_ON on its way.
    public mutating func started(_ vcpu: Int) { states[vcpu] = .on }

    /// CPU_OFF from `vcpu` (it always succeeds for the caller). Returns
    /// whether the VM still has a VCPU on or on-pending.
    public mutating func cpuOff(_ vcpu: Int) -> Bool {
        states[vcpu] = .off
        return awakeCount > 0
    }

    /// AFFINITY_INFO(target, lowest level): only level 0 (single VCPUs) is
    /// answered; anything else, or a VCPU the VM lacks, is INVALID_PARAMETERS.
    public func affinityInfo(target: UInt32, lowestLevel: UInt32) -> Result<VCPUPowerState, PSCIError> {
        guard lowestLevel == 0, let vcpu = VirtualMPIDR.vcpu(named: target, vcpuCount: vcpuCount) else {
            return .failure(PSCIError(.invalidParameters))
        }
        return .success(states[vcpu])
    }
}

/// A PSCI error result, as a Swift error for `Result`.
public struct PSCIError: Error, Equatable, Sendable {
    public let result: PSCIResult
    public init(_ result: PSCIResult) { self.result = result }
}
