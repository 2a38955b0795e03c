// GICH_LRn and GICH_HCR bit layouts (ARM IHI 0048B, 5.3.2 and 5.3.11), as
// values the hypervisor writes to and reads from the GICH frame.
//
// GICH_LRn:
//   [31]    HW        1: hardware interrupt; the guest's deactivation deactivates PhysicalID
//   [30]    Grp1      0 here: every virtual interrupt is Group 0 (GICD_IGROUPR is RAZ/WI)
//   [29:28] State     00 invalid, 01 pending, 10 active, 11 pending and active
//   [27:23] Priority  the top five bits of the 8-bit priority
//   [19:10] PhysicalID         when HW = 1
//   [19]    EOI       when HW = 0: maintenance interrupt when the guest EOIs it
//   [12:10] CPUID     when HW = 0 and the interrupt is an SGI: the requesting CPU
//   [9:0]   VirtualID

/// The state field of a list register.
public enum ListRegisterState: UInt32, Sendable {
    case invalid = 0
    case pending = 1
    case active = 2
    case pendingAndActive = 3

    public var isPending: Bool { rawValue & 1 != 0 }
    public var isActive: Bool { rawValue & 2 != 0 }

    public init(pending: Bool, active: Bool) {
        self.init(rawValue: (pending ? 1 : 0) | (active ? 2 : 0))!
    }
}

/// One GICH_LRn value.
public struct ListRegisterValue: Equatable, Sendable {
    public var rawValue: UInt32

    public static let hardwareBit: UInt32 = 1 &<< 31
    public static let group1Bit: UInt32 = 1 &<< 30
    public static let eoiMaintenanceBit: UInt32 = 1 &<< 19
    public static let empty = ListRegisterValue(rawValue: 0)

    @inline(__always)
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// A hardware interrupt: the guest's deactivation of `virtualID` deactivates `physicalID`.
    public init(hardware virtualID: UInt32, physicalID: UInt32, priority: UInt8, state: ListRegisterState) {
        rawValue = ListRegisterValue.hardwareBit | (physicalID & 0x3FF) &<< 10
            | ListRegisterValue.common(virtualID, priority, state)
    }

    /// A virtual-only interrupt; `sourceCPU` is for SGIs, `eoiMaintenance` asks for a
    /// maintenance interrupt when the guest EOIs it.
    public init(virtual virtualID: UInt32, priority: UInt8, state: ListRegisterState,
                sourceCPU: UInt32 = 0, eoiMaintenance: Bool = false) {
        rawValue = (eoiMaintenance ? ListRegisterValue.eoiMaintenanceBit : 0)
            | (virtualID < 16 ? (sourceCPU & 7) &<< 10 : 0)
            | ListRegisterValue.common(virtualID, priority, state)
    }

    @inline(__always)
    static func common(_ virtualID: UInt32, _ priority: UInt8, _ state: ListRegisterState) -> UInt32 {
        state.rawValue &<< 28 | UInt32(priority &>> 3) &<< 23 | (virtualID & 0x3FF)
    }

    public var virtualID: UInt32 { rawValue & 0x3FF }
    public var state: ListRegisterState { ListRegisterState(rawValue: (rawValue &>> 28) & 3)! }
    /// The 8-bit priority the register encodes (its low three bits are zero).
    public var priority: UInt8 { UInt8(truncatingIfNeeded: (rawValue &>> 23) & 0x1F) &<< 3 }
    public var isHardware: Bool { rawValue & ListRegisterValue.hardwareBit != 0 }
    public var isGroup1: Bool { rawValue & ListRegisterValue.group1Bit != 0 }
    /// PhysicalID of a hardware interrupt, nil otherwise.
    public var physicalID: UInt32? { isHardware ? (rawValue &>> 10) & 0x3FF : nil }
    public var requestsEOIMaintenance: Bool { !isHardware && rawValue & ListRegisterValue.eoiMaintenanceBit != 0 }
}

/// GICH_HCR bits the model sets.
public enum HypervisorControl {
    /// En: the virtual CPU interface operates.
    public static let enable: UInt32 = 1 &<< 0
    /// UIE: maintenance interrupt while at most one list register holds a valid interrupt.
    public static let underflowInterrupt: UInt32 = 1 &<< 1
    /// LRENPIE: maintenance interrupt while EOICount is non-zero (not used by the model).
    public static let listRegisterEntryNotPresentInterrupt: UInt32 = 1 &<< 2
    /// NPIE: maintenance interrupt while no list register is in the pending state.
    public static let noPendingInterrupt: UInt32 = 1 &<< 3
}
