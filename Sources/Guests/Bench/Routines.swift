// The measured instruction sequences, as ARM machine code in a data section
// called through a C function pointer (as GuestRuntime's MachineCode.swift
// does): Swift has no inline assembly, and a benchmark must fix exactly
// which instructions lie between its two counter reads. Every word was
// checked against arm-none-eabi-as output (the comments are its source).
// PMCCNTR under QEMU -icount counts 1 per nanosecond of virtual time, which
// is 1 per guest or hypervisor instruction (docs/PLATFORM.md).

typealias Routine0 = @convention(c) () -> UInt32
typealias Routine2 = @convention(c) (UInt32, UInt32) -> UInt32

/// Two back-to-back PMCCNTR reads: the cost of reading the counter itself.
nonisolated(unsafe) var counterReadCode: InlineArray<4, UInt32> = [
    0xEE19_1F1D,  // mrc  p15, 0, r1, c9, c13, 0
    0xEE19_2F1D,  // mrc  p15, 0, r2, c9, c13, 0
    0xE042_0001,  // sub  r0, r2, r1
    0xE12F_FF1E,  // bx   lr
]

/// xen_version(XENVER_version), the cheapest hypercall, between two reads.
nonisolated(unsafe) var hypercallCode: InlineArray<9, UInt32> = [
    0xE92D_0030,  // push {r4, r5}
    0xE3A0_C011,  // mov  r12, #17          (__HYPERVISOR_xen_version)
    0xE3A0_0000,  // mov  r0, #0            (XENVER_version)
    0xEE19_4F1D,  // mrc  p15, 0, r4, c9, c13, 0
    0xE140_EA71,  // hvc  #0xea1
    0xEE19_5F1D,  // mrc  p15, 0, r5, c9, c13, 0
    0xE045_0004,  // sub  r0, r5, r4
    0xE8BD_0030,  // pop  {r4, r5}
    0xE12F_FF1E,  // bx   lr
]

/// An ACTLR read, trapped by HCR.TAC and emulated, between two reads.
nonisolated(unsafe) var trappedReadCode: InlineArray<5, UInt32> = [
    0xEE19_1F1D,  // mrc  p15, 0, r1, c9, c13, 0
    0xEE11_2F30,  // mrc  p15, 0, r2, c1, c0, 1   (ACTLR)
    0xEE19_3F1D,  // mrc  p15, 0, r3, c9, c13, 0
    0xE043_0001,  // sub  r0, r3, r1
    0xE12F_FF1E,  // bx   lr
]

/// SCHEDOP_yield `count` times; stores per yield (gap across the hvc,
/// section since the previous yield returned) at `buffer`.
nonisolated(unsafe) var yieldLoopCode: InlineArray<17, UInt32> = [
    0xE92D_01F0,  //     push {r4-r8}
    0xE1A0_4000,  //     mov  r4, r0
    0xE1A0_5001,  //     mov  r5, r1
    0xEE19_7F1D,  //     mrc  p15, 0, r7, c9, c13, 0
    0xE3A0_C01D,  // 1:  mov  r12, #29        (__HYPERVISOR_sched_op)
    0xE3A0_0000,  //     mov  r0, #0          (SCHEDOP_yield)
    0xE3A0_1000,  //     mov  r1, #0
    0xEE19_6F1D,  //     mrc  p15, 0, r6, c9, c13, 0   (before)
    0xE140_EA71,  //     hvc  #0xea1
    0xE046_8007,  //     sub  r8, r6, r7      (section: before - previous after)
    0xEE19_7F1D,  //     mrc  p15, 0, r7, c9, c13, 0   (after)
    0xE047_6006,  //     sub  r6, r7, r6      (gap: after - before)
    0xE8A4_0140,  //     stmia r4!, {r6, r8}
    0xE255_5001,  //     subs r5, r5, #1
    0x1AFF_FFF4,  //     bne  1b
    0xE8BD_01F0,  //     pop  {r4-r8}
    0xE12F_FF1E,  //     bx   lr
]

/// `count` (PMCCNTR, CNTVCT low word) pairs read one instruction apart, at
/// `buffer`; 5 instructions per pair, so a few dozen pairs see every phase of a tick.
nonisolated(unsafe) var clockPairsCode: InlineArray<6, UInt32> = [
    0xEE19_2F1D,  // 1:  mrc  p15, 0, r2, c9, c13, 0
    0xEC5C_3F1E,  //     mrrc p15, 1, r3, r12, c14    (CNTVCT)
    0xE8A0_000C,  //     stmia r0!, {r2, r3}
    0xE251_1001,  //     subs r1, r1, #1
    0x1AFF_FFFA,  //     bne  1b
    0xE12F_FF1E,  //     bx   lr
]

/// Writes `control` to an SP804 timer's control register (base + 8) and
/// returns PMCCNTR as read by the instruction just before that write.
nonisolated(unsafe) var startTimerCode: InlineArray<4, UInt32> = [
    0xEE19_2F1D,  // mrc  p15, 0, r2, c9, c13, 0
    0xE580_1008,  // str  r1, [r0, #8]
    0xE1A0_0002,  // mov  r0, r2
    0xE12F_FF1E,  // bx   lr
]

/// VBAR = r0, after making freshly written vector code visible to fetches.
nonisolated(unsafe) var setVectorBaseCode: InlineArray<7, UInt32> = [
    0xF57F_F04F,  // dsb
    0xEE07_0F15,  // mcr  p15, 0, r0, c7, c5, 0   (ICIALLU)
    0xF57F_F04F,  // dsb
    0xF57F_F06F,  // isb
    0xEE0C_0F10,  // mcr  p15, 0, r0, c12, c0, 0  (VBAR)
    0xF57F_F06F,  // isb
    0xE12F_FF1E,  // bx   lr
]

nonisolated(unsafe) var readVectorBaseCode: InlineArray<2, UInt32> = [
    0xEE1C_0F10,  // mrc  p15, 0, r0, c12, c0, 0  (VBAR)
    0xE12F_FF1E,  // bx   lr
]

@inline(__always)
func routine0<let count: Int>(_ code: inout InlineArray<count, UInt32>) -> Routine0 {
    withUnsafeMutablePointer(to: &code) { unsafeBitCast(UnsafeRawPointer($0), to: Routine0.self) }
}

@inline(__always)
func routine2<let count: Int>(_ code: inout InlineArray<count, UInt32>) -> Routine2 {
    withUnsafeMutablePointer(to: &code) { unsafeBitCast(UnsafeRawPointer($0), to: Routine2.self) }
}

/// The address of a static buffer, as the 32-bit value machine code takes.
@inline(__always)
func address<let count: Int>(of buffer: inout InlineArray<count, UInt32>) -> UInt32 {
    withUnsafeMutablePointer(to: &buffer) { UInt32(UInt(bitPattern: $0)) }
}

/// Polls an SP804 timer's raw interrupt status (base + 0x10) until it is
/// set; returns PMCCNTR as read by the instruction after the load that saw it.
nonisolated(unsafe) var pollTimerCode: InlineArray<6, UInt32> = [
    0xE590_1010,  // 1:  ldr  r1, [r0, #0x10]
    0xEE19_2F1D,  //     mrc  p15, 0, r2, c9, c13, 0
    0xE311_0001,  //     tst  r1, #1
    0x0AFF_FFFB,  //     beq  1b
    0xE1A0_0002,  //     mov  r0, r2
    0xE12F_FF1E,  //     bx   lr
]
