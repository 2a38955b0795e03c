/*
 * The parts of a VCPU switch that only assembly can do: the banked registers
 * of the guest's modes, the VFP/NEON registers, and the first entry into a
 * guest; and the bulk copies Swift makes slowly: the register frame (a
 * memmove call) and the guest's CP15 state (a load or store per register,
 * here four at a time). The timer and the vGIC are switched from Swift
 * through single-instruction accessors.
 */
#include "architecture.h"
#include "hypervisor_abi.h"

    .syntax unified
    .arch armv7-a
    .arch_extension virt
    .fpu neon-vfpv4
    .arm
    .section .text.world_switch, "ax"

/* void apus_save_banked(apus_banked_regs *r0) */
    .global apus_save_banked
apus_save_banked:
    mrs     r1, sp_usr
    mrs     r2, sp_svc
    mrs     r3, lr_svc
    mrs     r12, spsr_svc
    stmia   r0!, {r1, r2, r3, r12}
    mrs     r1, sp_abt
    mrs     r2, lr_abt
    mrs     r3, spsr_abt
    mrs     r12, sp_und
    stmia   r0!, {r1, r2, r3, r12}
    mrs     r1, lr_und
    mrs     r2, spsr_und
    mrs     r3, sp_irq
    mrs     r12, lr_irq
    stmia   r0!, {r1, r2, r3, r12}
    mrs     r1, spsr_irq
    mrs     r2, r8_fiq
    mrs     r3, r9_fiq
    mrs     r12, r10_fiq
    stmia   r0!, {r1, r2, r3, r12}
    mrs     r1, r11_fiq
    mrs     r2, r12_fiq
    mrs     r3, sp_fiq
    mrs     r12, lr_fiq
    stmia   r0!, {r1, r2, r3, r12}
    mrs     r1, spsr_fiq
    str     r1, [r0]
    bx      lr

/* void apus_restore_banked(const apus_banked_regs *r0) */
    .global apus_restore_banked
apus_restore_banked:
    ldmia   r0!, {r1, r2, r3, r12}
    msr     sp_usr, r1
    msr     sp_svc, r2
    msr     lr_svc, r3
    msr     spsr_svc, r12
    ldmia   r0!, {r1, r2, r3, r12}
    msr     sp_abt, r1
    msr     lr_abt, r2
    msr     spsr_abt, r3
    msr     sp_und, r12
    ldmia   r0!, {r1, r2, r3, r12}
    msr     lr_und, r1
    msr     spsr_und, r2
    msr     sp_irq, r3
    msr     lr_irq, r12
    ldmia   r0!, {r1, r2, r3, r12}
    msr     spsr_irq, r1
    msr     r8_fiq, r2
    msr     r9_fiq, r3
    msr     r10_fiq, r12
    ldmia   r0!, {r1, r2, r3, r12}
    msr     r11_fiq, r1
    msr     r12_fiq, r2
    msr     sp_fiq, r3
    msr     lr_fiq, r12
    ldr     r1, [r0]
    msr     spsr_fiq, r1
    bx      lr

/* void apus_save_vfp(apus_vfp_state *r0): FPEXC.EN is set to reach the registers.
 * An STM stores its registers in ascending order whatever the list says, so the
 * struct's order (fpscr, then fpexc) is the registers' order: r1 FPSCR, r2 FPEXC. */
    .global apus_save_vfp
apus_save_vfp:
    vmrs    r2, fpexc
    orr     r1, r2, #0x40000000
    vmsr    fpexc, r1
    vmrs    r1, fpscr
    vstmia  r0!, {d0-d15}
    vstmia  r0!, {d16-d31}
    stmia   r0, {r1, r2}
    bx      lr

/* void apus_restore_vfp(const apus_vfp_state *r0) */
    .global apus_restore_vfp
apus_restore_vfp:
    vmrs    r1, fpexc
    orr     r1, r1, #0x40000000
    vmsr    fpexc, r1
    vldmia  r0!, {d0-d15}
    vldmia  r0!, {d16-d31}
    ldmia   r0, {r2, r3}
    vmsr    fpscr, r2
    vmsr    fpexc, r3
    bx      lr

/* void apus_save_cp15(apus_cp15_regs *r0): the order of apus_cp15_regs. */
    .global apus_save_cp15
apus_save_cp15:
    mrc     p15, 0, r1, c1, c0, 0       @ SCTLR
    mrc     p15, 0, r2, c1, c0, 2       @ CPACR
    mrc     p15, 0, r3, c2, c0, 2       @ TTBCR
    mrc     p15, 0, r12, c3, c0, 0      @ DACR
    stmia   r0!, {r1, r2, r3, r12}
    mrrc    p15, 0, r1, r2, c2          @ TTBR0
    mrrc    p15, 1, r3, r12, c2         @ TTBR1
    stmia   r0!, {r1, r2, r3, r12}
    mrrc    p15, 0, r1, r2, c7          @ PAR
    mrc     p15, 0, r3, c5, c0, 0       @ DFSR
    mrc     p15, 0, r12, c5, c0, 1      @ IFSR
    stmia   r0!, {r1, r2, r3, r12}
    mrc     p15, 0, r1, c5, c1, 0       @ ADFSR
    mrc     p15, 0, r2, c5, c1, 1       @ AIFSR
    mrc     p15, 0, r3, c6, c0, 0       @ DFAR
    mrc     p15, 0, r12, c6, c0, 2      @ IFAR
    stmia   r0!, {r1, r2, r3, r12}
    mrc     p15, 0, r1, c10, c2, 0      @ PRRR
    mrc     p15, 0, r2, c10, c2, 1      @ NMRR
    mrc     p15, 0, r3, c10, c3, 0      @ AMAIR0
    mrc     p15, 0, r12, c10, c3, 1     @ AMAIR1
    stmia   r0!, {r1, r2, r3, r12}
    mrc     p15, 0, r1, c12, c0, 0      @ VBAR
    mrc     p15, 0, r2, c13, c0, 1      @ CONTEXTIDR
    mrc     p15, 0, r3, c13, c0, 2      @ TPIDRURW
    mrc     p15, 0, r12, c13, c0, 3     @ TPIDRURO
    stmia   r0!, {r1, r2, r3, r12}
    mrc     p15, 0, r1, c13, c0, 4      @ TPIDRPRW
    mrc     p15, 2, r2, c0, c0, 0       @ CSSELR
    mrc     p15, 0, r3, c14, c1, 0      @ CNTKCTL
    stmia   r0, {r1, r2, r3}
    bx      lr

/* void apus_restore_cp15(const apus_cp15_regs *r0) */
    .global apus_restore_cp15
apus_restore_cp15:
    ldmia   r0!, {r1, r2, r3, r12}
    mcr     p15, 0, r1, c1, c0, 0       @ SCTLR
    mcr     p15, 0, r2, c1, c0, 2       @ CPACR
    mcr     p15, 0, r3, c2, c0, 2       @ TTBCR
    mcr     p15, 0, r12, c3, c0, 0      @ DACR
    ldmia   r0!, {r1, r2, r3, r12}
    mcrr    p15, 0, r1, r2, c2          @ TTBR0
    mcrr    p15, 1, r3, r12, c2         @ TTBR1
    ldmia   r0!, {r1, r2, r3, r12}
    mcrr    p15, 0, r1, r2, c7          @ PAR
    mcr     p15, 0, r3, c5, c0, 0       @ DFSR
    mcr     p15, 0, r12, c5, c0, 1      @ IFSR
    ldmia   r0!, {r1, r2, r3, r12}
    mcr     p15, 0, r1, c5, c1, 0       @ ADFSR
    mcr     p15, 0, r2, c5, c1, 1       @ AIFSR
    mcr     p15, 0, r3, c6, c0, 0       @ DFAR
    mcr     p15, 0, r12, c6, c0, 2      @ IFAR
    ldmia   r0!, {r1, r2, r3, r12}
    mcr     p15, 0, r1, c10, c2, 0      @ PRRR
    mcr     p15, 0, r2, c10, c2, 1      @ NMRR
    mcr     p15, 0, r3, c10, c3, 0      @ AMAIR0
    mcr     p15, 0, r12, c10, c3, 1     @ AMAIR1
    ldmia   r0!, {r1, r2, r3, r12}
    mcr     p15, 0, r1, c12, c0, 0      @ VBAR
    mcr     p15, 0, r2, c13, c0, 1      @ CONTEXTIDR
    mcr     p15, 0, r3, c13, c0, 2      @ TPIDRURW
    mcr     p15, 0, r12, c13, c0, 3     @ TPIDRURO
    ldmia   r0, {r1, r2, r3}
    mcr     p15, 0, r1, c13, c0, 4      @ TPIDRPRW
    mcr     p15, 2, r2, c0, c0, 0       @ CSSELR
    mcr     p15, 0, r3, c14, c1, 0      @ CNTKCTL
    bx      lr

/* void apus_copy_frame(apus_trap_frame *r0, const apus_trap_frame *r1): 20 words. */
    .global apus_copy_frame
apus_copy_frame:
    push    {r4-r11}
    ldmia   r1!, {r2-r11}
    stmia   r0!, {r2-r11}
    ldmia   r1, {r2-r11}
    stmia   r0, {r2-r11}
    pop     {r4-r11}
    bx      lr

/* void apus_resume(const apus_trap_frame *r0): the exit half of vectors.S. */
    .global apus_resume
apus_resume:
    mov     sp, r0
    ldr     r2, [sp, #8]
    msr     elr_hyp, r2
    ldr     r3, [sp, #12]
    msr     spsr_cxsf, r3
    add     sp, sp, #24
    pop     {r0-r12, lr}
    clrex
    eret
