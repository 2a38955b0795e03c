import HypervisorCore

// A few routines whose exact instructions matter, kept as ARM machine code in
// a data section and called through a C function pointer. Swift has no inline
// assembly and guest.h (the lead's) has no helpers for these, so this is how
// a guest fixes the instruction count of its work loop and executes
// instructions a hostile guest must try. Each word is checked against
// arm-none-eabi-as output (comments). Guest RAM is mapped executable by
// stage 2 and loaded like .text, so fetching from .data is coherent.

nonisolated(unsafe) var spinCode: InlineArray<3, UInt32> = [
    0xE250_0001,  // 1: subs r0, r0, #1
    0x1AFF_FFFD,  //    bne  1b
    0xE12F_FF1E,  //    bx   lr
]

nonisolated(unsafe) var hvcWrongImmediateCode: InlineArray<2, UInt32> = [
    0xE141_2374,  // hvc #0x1234 (Xen's hypercalls use #0xEA1 only)
    0xE12F_FF1E,  // bx  lr
]

nonisolated(unsafe) var readHVBARCode: InlineArray<2, UInt32> = [
    0xEE9C_0F10,  // mrc p15, 4, r0, c12, c0, 0  (HVBAR: HYP only, undefined at PL1)
    0xE12F_FF1E,  // bx  lr
]

nonisolated(unsafe) var writeVBARCode: InlineArray<3, UInt32> = [
    0xEE0C_0F10,  // mcr p15, 0, r0, c12, c0, 0  (VBAR = r0)
    0xF57F_F06F,  // isb
    0xE12F_FF1E,  // bx  lr
]

typealias MachineRoutine = @convention(c) (UInt32) -> UInt32

@inline(__always)
func machineRoutine<let count: Int>(_ code: inout InlineArray<count, UInt32>) -> MachineRoutine {
    withUnsafeMutablePointer(to: &code) { unsafeBitCast(UnsafeRawPointer($0), to: MachineRoutine.self) }
}

/// CPU work measured in instructions, not in time: under QEMU `-icount
/// shift=0` one instruction is one nanosecond of virtual time, so `perform`
/// of a span executes that many nanoseconds' worth of instructions whether
/// or not the VCPU is preempted meanwhile.
public enum CPUWork {
    /// Instructions per iteration of the spin loop (subs + bne).
    public static let instructionsPerIteration: UInt32 = 2

    /// Runs `iterations` iterations (2 instructions each, plus the call).
    public static func spin(iterations: UInt32) {
        guard iterations > 0 else { return }  // 0 would wrap to 2^32
        _ = machineRoutine(&spinCode)(iterations)
    }

    /// Executes `work` nanoseconds' worth of instructions (rounded down to a
    /// whole iteration); returns the work actually done.
    @discardableResult
    public static func perform(_ work: TimeSpan) -> TimeSpan {
        var iterations = work.nanoseconds / UInt64(widening: instructionsPerIteration)
        let done = TimeSpan(nanoseconds: iterations * UInt64(widening: instructionsPerIteration))
        while iterations > 0 {
            let step = min(iterations, 0x4000_0000)
            spin(iterations: UInt32(truncatingIfNeeded: step))
            iterations -= step
        }
        return done
    }
}

/// Instructions a guest at PL1 must not get away with.
public enum ForbiddenInstruction {
    /// `hvc #0x1234`: an HVC that is not Xen's hypercall immediate.
    public static func hypervisorCallWithWrongImmediate() {
        _ = machineRoutine(&hvcWrongImmediateCode)(0)
    }

    /// Reads HVBAR, a HYP-mode register (undefined at PL1).
    public static func readHypervisorVectorBase() -> UInt32 {
        machineRoutine(&readHVBARCode)(0)
    }

    /// Points the guest's own exception vectors (VBAR) at `address`.
    public static func setVectorBase(_ address: UInt32) {
        _ = machineRoutine(&writeVBARCode)(address)
    }
}
