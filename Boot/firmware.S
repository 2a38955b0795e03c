/*
 * Calls into the board's secure firmware (PSCI through SMC, as on QEMU virt
 * and boards with PSCI): r0 = function ID, r1-r3 arguments, result in r0.
 * Taken from HYP, an SMC goes to the secure monitor (HCR.TSC is 0 for HYP).
 */
    .syntax unified
    .arch armv7-a
    .arch_extension sec
    .arm

    .text
    .global apus_smc
apus_smc:
    push    {r4-r7, lr}
    smc     #0
    pop     {r4-r7, pc}
