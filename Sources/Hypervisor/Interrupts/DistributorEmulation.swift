import HVRegs
import HypervisorCore

/// The guest's GIC distributor (GuestMemoryMap.gicDistributor): stage 2 leaves it unmapped, so
/// every access faults here and the VM's VirtualGIC model answers it.
enum DistributorEmulation {
    static let base = UInt32(truncatingIfNeeded: GuestMemoryMap.gicDistributor.base.value)
    /// Accesses the model refused (bad width, reserved or read-only registers).
    nonisolated(unsafe) static var ignoredAccesses: UInt32 = 0

    static func contains(_ address: UInt32) -> Bool { address >= base && address < base + DistributorRegisters.frameSize }

    /// Performs the access the syndrome describes (ISV set: size in SAS [23:22],
    /// sign extension SSE [21], register SRT [19:16], direction WnR [6]).
    static func access(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, address: UInt32, syndrome: UInt32) {
        let register = (syndrome >> 16) & 0xF
        let isWrite = syndrome & (1 << 6) != 0
        let width: AccessWidth
        switch (syndrome >> 22) & 3 {
        case 0: width = .byte
        case 1: width = .halfword
        default: width = .word
        }
        // Any register the guest used, SP and LR included (banked by its mode).
        guard let stored = frame.guestRegister(register) else {
            ignoredAccesses &+= 1
            return
        }
        let offset = address - base
        if isWrite {
            let result = Machines.table[vm].vgic.write(offset: offset, width: width, value: stored)
            if case .ignored = result.status { ignoredAccesses &+= 1 }
            VirtualInterrupts.apply(result.effects)
        } else {
            let result = Machines.table[vm].vgic.read(offset: offset, width: width)
            if case .ignored = result.status { ignoredAccesses &+= 1 }
            _ = frame.setGuestRegister(register, signExtended(result.value, width: width, syndrome: syndrome))
        }
    }

    private static func signExtended(_ value: UInt32, width: AccessWidth, syndrome: UInt32) -> UInt32 {
        guard syndrome & (1 << 21) != 0 else { return value }
        switch width {
        case .byte: return UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: value)))
        case .halfword: return UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: value)))
        case .word: return value
        }
    }
}
