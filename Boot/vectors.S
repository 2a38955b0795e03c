/*
 * HYP exception vectors: the one way in. Every exception saves the same frame
 * (struct apus_trap_frame in hvregs.h) on the HYP stack and calls the Swift
 * dispatcher apus_trap(frame). If it returns, the (possibly edited) frame is
 * restored and ERET resumes: the one way out.
 */
#include "architecture.h"
#include "hypervisor_abi.h"

    .syntax unified
    .arch armv7-a
    .arch_extension virt
    .arm

    .section .text.vectors, "ax"
    .balign 32
    .global hyp_vectors
hyp_vectors:
    b       vector_reset
    b       vector_undefined
    b       vector_svc
    b       vector_prefetch
    b       vector_data
    b       vector_hyp_trap
    b       vector_irq
    b       vector_fiq

    .macro  vector name, kind
\name:
    push    {r0-r12, lr}
    mov     r0, #\kind
    b       trap_common
    .endm

    vector  vector_reset,     TRAP_KIND_RESET
    vector  vector_undefined, TRAP_KIND_UNDEFINED
    vector  vector_svc,       TRAP_KIND_SVC
    vector  vector_prefetch,  TRAP_KIND_PREFETCH
    vector  vector_data,      TRAP_KIND_DATA
    vector  vector_hyp_trap,  TRAP_KIND_HYP_TRAP
    vector  vector_irq,       TRAP_KIND_IRQ
    vector  vector_fiq,       TRAP_KIND_FIQ

/* r0 = kind; r0-r12 and lr are already on the stack (56 bytes). */
trap_common:
    add     r1, sp, #56                 /* SP before the exception */
    mrs     r2, elr_hyp
    mrs     r3, spsr
    mrc     p15, 4, r4, c5, c2, 0       /* HSR */
    mov     r5, #0
    push    {r0-r5}                     /* kind, sp, elr, spsr, hsr, reserved */
    mov     r0, sp
    bl      apus_trap
    ldr     r2, [sp, #8]
    msr     elr_hyp, r2
    ldr     r3, [sp, #12]
    msr     spsr_cxsf, r3
    add     sp, sp, #24
    pop     {r0-r12, lr}
    clrex                               /* no exclusive monitor state crosses into a guest */
    eret
