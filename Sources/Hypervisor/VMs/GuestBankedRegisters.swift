import HVRegs
import HypervisorCore

/// Any transfer register of a trapped guest access, SP and LR included, read
/// and written where it lives for the mode the guest trapped from
/// (GuestRegisterBank in the core decides; the banked registers are live on
/// the CPU during the trap, so they are read and written there).
extension UnsafeMutablePointer where Pointee == apus_trap_frame {
    /// Register `number` as the trapped guest sees it; nil for PC or a bad mode.
    func guestRegister(_ number: UInt32) -> UInt32? {
        guard let slot = GuestRegisterBank.slot(register: number, mode: pointee.spsr) else { return nil }
        switch slot {
        case .frame(let index): return register(UInt32(truncatingIfNeeded: index))
        case .userLR: return pointee.lr
        case .banked(let index):
            var banked = apus_banked_regs()
            apus_save_banked(&banked)
            return withUnsafeMutablePointer(to: &banked) { block in
                block.withMemoryRebound(to: UInt32.self, capacity: 21) { $0[index] }
            }
        }
    }

    /// Sets register `number`; false for PC or a bad mode (nothing changes).
    func setGuestRegister(_ number: UInt32, _ value: UInt32) -> Bool {
        guard let slot = GuestRegisterBank.slot(register: number, mode: pointee.spsr) else { return false }
        switch slot {
        case .frame(let index): setRegister(UInt32(truncatingIfNeeded: index), value)
        case .userLR: pointee.lr = value
        case .banked(let index):
            var banked = apus_banked_regs()
            apus_save_banked(&banked)
            withUnsafeMutablePointer(to: &banked) { block in
                block.withMemoryRebound(to: UInt32.self, capacity: 21) { $0[index] = value }
            }
            apus_restore_banked(&banked)
        }
        return true
    }
}
