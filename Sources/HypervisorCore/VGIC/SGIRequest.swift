// A guest's write to GICD_SGIR, decoded: which SGI, and which of the VM's
// VCPUs it reaches. Pure arithmetic, shared by the vGIC model and its tests.

/// GICD_SGIR: TargetListFilter [25:24], CPUTargetList [23:16], SGIINTID [3:0].
public struct SGIRequest: Equatable, Sendable {
    /// The SGI (0...15).
    public let intid: UInt32
    /// Bit n set: VCPU n of the VM receives it. Only VCPUs the VM has.
    public let targets: UInt8

    /// Decodes `value` written by VCPU `sender` of a VM with `vcpuCount` VCPUs
    /// (1...8, GICv2's limit). Filter 00: the listed CPUs (bits naming VCPUs
    /// the VM does not have are dropped, as a real GIC drops absent CPUs);
    /// 01: every VCPU but the sender; 10: the sender only; 11 is reserved: nil.
    public init?(value: UInt32, sender: Int, vcpuCount: Int) {
        precondition(vcpuCount >= 1 && vcpuCount <= 8 && sender >= 0 && sender < vcpuCount, "SGIRequest: no such VCPU")
        let existing = UInt8(truncatingIfNeeded: (1 &<< UInt32(truncatingIfNeeded: vcpuCount)) &- 1)
        let senderBit = UInt8(truncatingIfNeeded: 1 &<< UInt32(truncatingIfNeeded: sender))
        switch (value &>> 24) & 3 {
        case 0: targets = UInt8(truncatingIfNeeded: value &>> 16) & existing
        case 1: targets = existing & ~senderBit
        case 2: targets = senderBit
        default: return nil
        }
        intid = value & 0xF
    }

    /// Whether VCPU `vcpu` receives the SGI.
    public func reaches(_ vcpu: Int) -> Bool { targets & UInt8(truncatingIfNeeded: 1 &<< UInt32(truncatingIfNeeded: vcpu)) != 0 }
}
