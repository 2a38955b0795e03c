// The guest's own VFP/NEON registers, for the guest that checks they survive the
// hypervisor's VCPU switches (Sources/Guests/Vfp). Guests are built without VFP,
// so nothing else in a guest touches these registers; the two routines are ARM
// machine code like MachineCode.swift's (words checked against arm-none-eabi-as).

nonisolated(unsafe) var vfpLoadCode: InlineArray<11, UInt32> = [
    0xEE11_1F50,  // mrc    p15, 0, r1, c1, c0, 2   (CPACR)
    0xE381_160F,  // orr    r1, r1, #0xF00000      (cp10, cp11: full access)
    0xEE01_1F50,  // mcr    p15, 0, r1, c1, c0, 2
    0xF57F_F06F,  // isb
    0xE3A0_1101,  // mov    r1, #0x40000000        (FPEXC.EN)
    0xEEE8_1A10,  // vmsr   fpexc, r1
    0xE490_1004,  // ldr    r1, [r0], #4
    0xEEE1_1A10,  // vmsr   fpscr, r1
    0xECB0_0B20,  // vldmia r0!, {d0-d15}
    0xECF0_0B20,  // vldmia r0!, {d16-d31}
    0xE12F_FF1E,  // bx     lr
]

nonisolated(unsafe) var vfpStoreCode: InlineArray<9, UInt32> = [
    0xEEF8_1A10,  // vmrs   r1, fpexc
    0xE480_1004,  // str    r1, [r0], #4
    0xE311_0101,  // tst    r1, #0x40000000        (disabled: the rest would be undefined)
    0x012F_FF1E,  // bxeq   lr
    0xEEF1_1A10,  // vmrs   r1, fpscr
    0xE480_1004,  // str    r1, [r0], #4
    0xECA0_0B20,  // vstmia r0!, {d0-d15}
    0xECE0_0B20,  // vstmia r0!, {d16-d31}
    0xE12F_FF1E,  // bx     lr
]

public enum VFPRegisters {
    /// FPSCR, then d0-d31 as low and high words.
    public typealias Values = InlineArray<65, UInt32>
    /// FPEXC, FPSCR, then d0-d31 as low and high words (FPSCR and d0-d31 left as they
    /// were when FPEXC.EN was clear: they cannot be read then).
    public typealias Snapshot = InlineArray<66, UInt32>
    /// FPEXC's enable bit.
    public static let enabled: UInt32 = 1 << 30

    /// Enables the unit for PL1 and PL0 (CPACR, FPEXC.EN) and loads `values`.
    public static func load(_ values: inout Values) {
        withUnsafeMutablePointer(to: &values) { _ = machineRoutine(&vfpLoadCode)(UInt32(UInt(bitPattern: $0))) }
    }

    /// Reads FPEXC and, when the unit is enabled, FPSCR and d0-d31.
    public static func store(into snapshot: inout Snapshot) {
        withUnsafeMutablePointer(to: &snapshot) { _ = machineRoutine(&vfpStoreCode)(UInt32(UInt(bitPattern: $0))) }
    }
}
