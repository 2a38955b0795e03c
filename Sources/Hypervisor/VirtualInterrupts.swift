import HVRegs
import HypervisorCore

/// Virtual interrupt delivery (being replaced by the core's vGIC model):
/// pending interrupts go into a free list register of the owning VCPU.
enum VirtualInterrupts {
    static func owner(of intid: UInt32) -> Int? { nil }

    static func inject(vm: Int, intid: UInt32, hardware: Bool) {
        Scheduling.trace.append(TraceRecord(time: Clock.now, event: .interrupt(vcpu: UInt32(truncatingIfNeeded: vm), intid: intid)))
        Machines.table[vm].interrupts &+= 1
        var value = (intid & 0x3FF) | (0xA0 >> 3) << 23 | 1 << 28 | 1 << 30
        if hardware { value |= 1 << 31 | (intid & 0x3FF) << 10 }
        if Machines.current == vm {
            let gich = GIC.hypInterface
            let empty = hv_mmio_read32(gich + 0x030)  // GICH_ELRSR0
            for index in 0..<4 where empty & (1 << UInt32(index)) != 0 {
                hv_mmio_write32(gich + 0x100 + UInt(index) * 4, value)
                return
            }
        } else {
            for index in 0..<4 where Machines.table[vm].vcpu.listRegisters[index] & (3 << 28) == 0 {
                Machines.table[vm].vcpu.listRegisters[index] = value
                break
            }
        }
        Scheduling.wake(vm)
    }

    static func enterGuest(vm: Int) {
        hv_mmio_write32(GIC.hypInterface + 0x000, 1)  // GICH_HCR.En
    }

    static func hasDeliverable(vm: Int) -> Bool {
        for index in 0..<4 where Machines.table[vm].vcpu.listRegisters[index] & (1 << 28) != 0 { return true }
        return false
    }
}
