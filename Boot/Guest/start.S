/*
 * Guest runtime entry (a VM's VCPU starts here in SVC mode, MMU off,
 * interrupts masked; r0 = VM id, r1 = bootargs). Sets stacks and vectors,
 * clears BSS and calls guest_main(vm, bootargs) in Swift.
 */
    .syntax unified
    .arch armv7-a
    .arch_extension virt
    .arm

    .section .text.boot, "ax"
    .global _start
_start:
    b       start_after_header
    /* The guest image header (HypervisorCore/Images/GuestImageHeader.swift):
       what the configuration check and the boot need to know of this image. */
    .ascii  "APUSIMAG"
    .word   1                               /* header version */
    .word   _start                          /* load address: linked to run here */
    .word   __image_end - _start            /* footprint: code, data, BSS, stacks */
start_after_header:
    mov     r4, r0
    mov     r5, r1
    /* IRQ and abort/undefined stacks, then SVC. */
    cps     #0x12
    ldr     sp, =__irq_stack_top
    cps     #0x17
    ldr     sp, =__exception_stack_top
    cps     #0x1b
    ldr     sp, =__exception_stack_top
    cps     #0x13
    ldr     sp, =__svc_stack_top
    ldr     r0, =guest_vectors
    mcr     p15, 0, r0, c12, c0, 0      /* VBAR */
    mrc     p15, 0, r0, c1, c0, 0       /* SCTLR.V = 0: vectors at VBAR */
    bic     r0, r0, #(1 << 13)
    mcr     p15, 0, r0, c1, c0, 0
    isb
    ldr     r0, =__bss_start
    ldr     r1, =__bss_end
    mov     r2, #0
1:  cmp     r0, r1
    strlo   r2, [r0], #4
    blo     1b
    mov     r0, r4
    mov     r1, r5
    bl      guest_main
    /* guest_main returned: shut down cleanly. */
    mov     r0, #0
    bl      guest_shutdown
2:  b       2b

/*
 * A secondary VCPU's entry (PSCI CPU_ON's entry point; the smp guest): r0 =
 * the context id = the base of a 12 KiB block of its own stacks (IRQ below
 * 4 KiB, abort/undefined below 8 KiB, SVC below 12 KiB). Vectors as above,
 * then guest_secondary_main(base) in Swift; BSS is the primary's and stays.
 */
    .global guest_secondary_entry
    .weak   guest_secondary_main        /* only guests that start secondaries define it */
guest_secondary_entry:
    mov     r4, r0
    add     r1, r4, #4096
    cps     #0x12
    mov     sp, r1
    add     r1, r4, #8192
    cps     #0x17
    mov     sp, r1
    cps     #0x1b
    mov     sp, r1
    add     r1, r4, #12288
    cps     #0x13
    mov     sp, r1
    ldr     r0, =guest_vectors
    mcr     p15, 0, r0, c12, c0, 0      /* VBAR */
    mrc     p15, 0, r0, c1, c0, 0
    bic     r0, r0, #(1 << 13)
    mcr     p15, 0, r0, c1, c0, 0
    isb
    mov     r0, r4
    bl      guest_secondary_main
3:  b       3b

/*
 * Guest exception vectors. IRQs go to guest_irq(); every other exception is
 * a guest bug, reported by guest_exception(kind, frame) (which shuts down).
 */
    .balign 32
guest_vectors:
    b       .
    b       vector_undefined
    b       vector_svc
    b       vector_prefetch
    b       vector_data
    b       .
    b       vector_irq
    b       vector_fiq

    .macro  exception name, kind, lr_adjust
\name:
    sub     lr, lr, #\lr_adjust
    push    {r0-r12, lr}
    mov     r0, #\kind
    mov     r1, sp
    bl      guest_exception
    pop     {r0-r12, lr}
    movs    pc, lr
    .endm

    exception vector_undefined, 1, 4
    exception vector_svc, 2, 0
    exception vector_prefetch, 3, 4
    exception vector_data, 4, 8
    exception vector_fiq, 7, 4

vector_irq:
    sub     lr, lr, #4
    push    {r0-r3, r12, lr}
    bl      guest_irq
    pop     {r0-r3, r12, lr}
    movs    pc, lr

/* uint32_t guest_hypercall(op, a0, a1, a2, a3): Xen's ARM convention. */
    .global guest_hypercall
guest_hypercall:
    push    {r4, lr}
    ldr     r4, [sp, #8]                /* fifth argument: a3 */
    mov     r12, r0
    mov     r0, r1
    mov     r1, r2
    mov     r2, r3
    mov     r3, r4
    hvc     #0xea1
    pop     {r4, pc}

/* uint32_t guest_smc(function, a0, a1, a2): a PSCI call by SMC. */
    .global guest_smc
guest_smc:
    .arch_extension sec
    smc     #0
    bx      lr
