import HVRegs
import HypervisorCore

/// The guest's GIC distributor at 0x2C001000, emulated on stage-2 faults.
enum DistributorEmulation {
    static let base: UInt32 = 0x2C00_1000

    static func contains(_ address: UInt32) -> Bool { address >= base && address < base + 0x1000 }

    /// Performs the access the syndrome describes (ISV set: size in SAS,
    /// register in SRT, direction in WnR).
    static func access(vm: Int, frame: UnsafeMutablePointer<apus_trap_frame>, address: UInt32, syndrome: UInt32) {
        let register = (syndrome >> 16) & 0xF
        let isWrite = syndrome & (1 << 6) != 0
        guard register <= 12 else { return }
        if isWrite {
            _ = frame.register(register)
        } else {
            frame.setRegister(register, 0)
        }
    }
}
