// Stepping a guest past a trapped instruction the hypervisor emulated (or whose
// condition failed): advance the PC by the instruction's length, and inside a
// Thumb IT block advance the IT state too, exactly as the CPU would have.
// (ARM ARM: HSR.IL gives the length; CPSR.IT[7:0] is split over bits [15:10]
// and [26:25]; conditions per A8.3.)

/// The PC and CPSR after the guest instruction at `pc` completes.
@inlinable
public func stepPastTrappedInstruction(pc: UInt32, cpsr: UInt32, syndrome: UInt32) -> (pc: UInt32, cpsr: UInt32) {
    let length: UInt32 = syndrome & (1 << 25) != 0 ? 4 : 2
    return (pc &+ length, advancingITState(cpsr))
}

/// CPSR with the IT state advanced by one instruction (unchanged outside an IT block).
@inlinable
public func advancingITState(_ cpsr: UInt32) -> UInt32 {
    let thumb = cpsr & (1 << 5) != 0
    var it = ((cpsr >> 8) & 0xFC) | ((cpsr >> 25) & 0x3)
    guard thumb, it & 0xF != 0 else { return cpsr }
    if it & 0x7 == 0 {
        it = 0  // that was the last instruction of the block
    } else {
        it = (it & 0xE0) | ((it << 1) & 0x1F)
    }
    let cleared = cpsr & ~(UInt32(0xFC) << 8) & ~(UInt32(0x3) << 25)
    return cleared | ((it & 0xFC) << 8) | ((it & 0x3) << 25)
}

/// Whether condition `cond` (0...14, 15 = always) holds for the flags in `cpsr`.
@inlinable
public func conditionPasses(_ cond: UInt32, cpsr: UInt32) -> Bool {
    let n = cpsr & (1 << 31) != 0
    let z = cpsr & (1 << 30) != 0
    let c = cpsr & (1 << 29) != 0
    let v = cpsr & (1 << 28) != 0
    switch cond & 0xF {
    case 0x0: return z
    case 0x1: return !z
    case 0x2: return c
    case 0x3: return !c
    case 0x4: return n
    case 0x5: return !n
    case 0x6: return v
    case 0x7: return !v
    case 0x8: return c && !z
    case 0x9: return !c || z
    case 0xA: return n == v
    case 0xB: return n != v
    case 0xC: return !z && n == v
    case 0xD: return z || n != v
    default: return true
    }
}

/// For a trapped conditional instruction: did its condition pass? HSR.ISS bit 24
/// (CV) says whether COND [23:20] is valid; without it the instruction was
/// unconditional (or the condition already passed). In a Thumb IT block the
/// condition comes from the IT state.
@inlinable
public func trappedInstructionConditionPassed(syndrome: UInt32, cpsr: UInt32) -> Bool {
    let conditionValid = syndrome & (1 << 24) != 0
    guard conditionValid else { return true }
    return conditionPasses((syndrome >> 20) & 0xF, cpsr: cpsr)
}
