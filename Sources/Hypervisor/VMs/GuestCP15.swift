import HVRegs

/// The CP15 state a guest OS uses, switched with its VCPU (the registers are
/// listed in apus_cp15_regs, moved by Boot/world_switch.S). Captured once at
/// boot before any guest runs, it also gives a new VCPU the architectural
/// reset values.
struct GuestCP15 {
    var registers = apus_cp15_regs()

    mutating func save() { apus_save_cp15(&registers) }

    /// `mutating` although it changes nothing: a non-mutating call copies the record first.
    mutating func restore() { apus_restore_cp15(&registers) }
}
