/*
 * The primitives CPUs share memory with (docs/SMP.md): a spinlock and two
 * atomic word operations, LDREX/STREX with DMB. The words live here too, so
 * their addresses are fixed: one lock per shared thing (hypervisor_abi.h's
 * LOCK_*) and one mailbox word per CPU (bits: VMs with an event upcall posted
 * by another CPU).
 */
#include "hypervisor_abi.h"

    .syntax unified
    .arch armv7-a
    .arm
    .text

/* void apus_spin_lock(uint32_t *lock): waits in WFE while another CPU holds it. */
    .global apus_spin_lock
apus_spin_lock:
    mov     r1, #1
1:  ldrex   r2, [r0]
    cmp     r2, #0
    wfene
    bne     1b
    strex   r2, r1, [r0]
    cmp     r2, #0
    bne     1b
    dmb     ish
    bx      lr

/* void apus_spin_unlock(uint32_t *lock) */
    .global apus_spin_unlock
apus_spin_unlock:
    dmb     ish
    mov     r1, #0
    str     r1, [r0]
    dsb     ishst
    sev
    bx      lr

/* uint32_t apus_atomic_or(uint32_t *word, uint32_t bits): the old value. */
    .global apus_atomic_or
apus_atomic_or:
    dmb     ish
1:  ldrex   r2, [r0]
    orr     r3, r2, r1
    strex   r12, r3, [r0]
    cmp     r12, #0
    bne     1b
    dmb     ish
    mov     r0, r2
    bx      lr

/* uint32_t apus_atomic_take(uint32_t *word): the value, leaving 0. */
    .global apus_atomic_take
apus_atomic_take:
    dmb     ish
    mov     r1, #0
1:  ldrex   r2, [r0]
    strex   r12, r1, [r0]
    cmp     r12, #0
    bne     1b
    dmb     ish
    mov     r0, r2
    bx      lr

    .data
    .balign 64
    .global apus_lock_words
apus_lock_words:
    .space  4 * LOCK_COUNT
    .balign 64
    .global apus_mailbox_words
apus_mailbox_words:
    .space  4 * APUS_MAX_CPUS
    .balign 64
