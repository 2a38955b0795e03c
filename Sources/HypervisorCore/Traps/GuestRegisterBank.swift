// Which storage holds guest register n (0-14) as the guest saw it in the mode
// it trapped from (SPSR.M): a trapped load or store may name any of them as
// its transfer register (Linux's compiler picks LR for some GIC distributor
// writes). r0-r12 are in the trap frame (r8-r12 of FIQ mode are banked); SP is
// banked per mode (User and System share SP_usr); LR of User and System is
// the one HYP mode shares (the frame's lr), every other mode has its own.
// PC (15) is never a transfer register Apus replays.

public enum GuestRegisterSlot: Equatable, Sendable {
    /// r0-r12 of the trap frame.
    case frame(Int)
    /// LR_usr, saved in the trap frame.
    case userLR
    /// Word `index` of the banked-register block (apus_banked_regs order:
    /// sp_usr; sp, lr, spsr of svc, abt, und, irq; r8-r12, sp, lr, spsr of fiq).
    case banked(Int)
}

public enum GuestRegisterBank {
    public static let modeUser: UInt32 = 0x10, modeFIQ: UInt32 = 0x11, modeIRQ: UInt32 = 0x12, modeSupervisor: UInt32 = 0x13
    public static let modeAbort: UInt32 = 0x17, modeUndefined: UInt32 = 0x1B, modeSystem: UInt32 = 0x1F

    /// Where register `number` of a guest trapped in `mode` (the SPSR's M
    /// field) lives, or nil for PC, a number above 15 or a mode a guest cannot be in.
    public static func slot(register number: UInt32, mode: UInt32) -> GuestRegisterSlot? {
        let mode = mode & 0x1F
        if mode == modeFIQ, number >= 8, number <= 12 { return .banked(13 + Int(truncatingIfNeeded: number) - 8) }
        if number <= 12 { return .frame(Int(truncatingIfNeeded: number)) }
        guard number == 13 || number == 14 else { return nil }
        let isSP = number == 13
        switch mode {
        case modeUser, modeSystem: return isSP ? .banked(0) : .userLR
        case modeSupervisor: return .banked(isSP ? 1 : 2)
        case modeAbort: return .banked(isSP ? 4 : 5)
        case modeUndefined: return .banked(isSP ? 7 : 8)
        case modeIRQ: return .banked(isSP ? 10 : 11)
        case modeFIQ: return .banked(isSP ? 18 : 19)
        default: return nil
        }
    }
}
