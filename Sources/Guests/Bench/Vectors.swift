import GuestSupport
import HypervisorCore

// The bench guest's own exception vectors, so the first instructions of its
// IRQ handler are known: vector (ldr pc), push, then a PMCCNTR read. Every
// other exception is forwarded unchanged to the guest runtime's vectors.

/// Where the IRQ entry takes its timestamp: PMCCNTR is read by the third
/// instruction after the exception (vector `ldr pc`, `push`, `mrc`).
enum BenchVectors {
    /// Vector table (8 `ldr pc` + 8 targets) then the IRQ entry and its literal.
    static let template: InlineArray<23, UInt32> = [
        0xE59F_F018, 0xE59F_F018, 0xE59F_F018, 0xE59F_F018,  // ldr pc, [pc, #0x18]: jump to target i
        0xE59F_F018, 0xE59F_F018, 0xE59F_F018, 0xE59F_F018,
        0, 0, 0, 0, 0, 0, 0, 0,                               // targets, filled in by install()
        0xE92D_500F,  // irq: push {r0-r3, r12, lr}
        0xEE19_0F1D,  //      mrc  p15, 0, r0, c9, c13, 0   (PMCCNTR at entry)
        0xE59F_1008,  //      ldr  r1, [pc, #8]             (handler below)
        0xE12F_FF31,  //      blx  r1                       (handler(entryTime))
        0xE8BD_500F,  //      pop  {r0-r3, r12, lr}
        0xE25E_F004,  //      subs pc, lr, #4
        0,            //      handler address, filled in by install()
    ]
    static let irqVector = 6
    static let irqEntryWord = 16
    static let handlerWord = 22

    /// Room to place the table on a 32-byte boundary (VBAR's alignment).
    nonisolated(unsafe) static var storage = InlineArray<32, UInt32>(repeating: 0)

    /// Copies the table into place, points it at `handler`, and sets VBAR.
    static func install(handler: @convention(c) (UInt32) -> Void) {
        let runtimeVectors = routine0(&readVectorBaseCode)()
        let base = (address(of: &storage) + 31) & ~31
        let words = UnsafeMutablePointer<UInt32>(bitPattern: UInt(base))!
        for index in 0..<template.count { words[index] = template[index] }
        for vector in 0..<8 { words[8 + vector] = runtimeVectors + UInt32(vector * 4) }
        words[8 + irqVector] = base + UInt32(irqEntryWord * 4)
        words[handlerWord] = UInt32(UInt(bitPattern: unsafeBitCast(handler, to: UnsafeRawPointer.self)))
        _ = routine2(&setVectorBaseCode)(base, 0)
    }
}

/// What the last interrupt was and when its handler started (PMCCNTR).
enum LastInterrupt {
    nonisolated(unsafe) static var intid: UInt32 = 1023
    nonisolated(unsafe) static var entryTime: UInt32 = 0
    nonisolated(unsafe) static var count: UInt32 = 0

    static func clear() {
        intid = 1023
        count = 0
    }
}

/// The IRQ handler: acknowledge, quiet the source, record, end of interrupt.
let benchInterruptHandler: @convention(c) (UInt32) -> Void = { entryTime in
    let iar = g_mmio_read32(GuestGIC.cpuInterface + 0x00C)  // GICC_IAR
    let intid = iar & 0x3FF
    guard intid < 1020 else { return }  // spurious
    switch intid {
    case GuestGIC.virtualTimer: g_write_cntv_ctl(0)  // level-triggered: disarm
    case SP804.interrupt: SP804.clearInterrupt()
    default: break
    }
    LastInterrupt.intid = intid
    LastInterrupt.entryTime = entryTime
    LastInterrupt.count &+= 1
    g_mmio_write32(GuestGIC.cpuInterface + 0x010, iar)  // GICC_EOIR
}

/// The few GIC facts the handler needs (the runtime's GIC keeps its own private).
enum GuestGIC {
    static let distributor = UInt(truncatingIfNeeded: GuestMemoryMap.gicDistributor.base.value)
    static let cpuInterface = UInt(truncatingIfNeeded: GuestMemoryMap.gicCPUInterface.base.value)
    static let virtualTimer: UInt32 = 27

    /// GICD_ISENABLERn in the (emulated) distributor.
    static func enable(_ intid: UInt32) {
        g_mmio_write32(distributor + 0x100 + UInt(intid / 32) * 4, 1 << (intid % 32))
    }
}
