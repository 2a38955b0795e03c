/*
 * Boot stub: from reset (or a firmware's jump) to Swift in non-secure HYP mode.
 *
 * Entry cases handled:
 *   - secure SVC (QEMU vexpress-a15 with TrustZone, the default): play firmware
 *     in monitor mode (NSACR, GIC groups, SCR.NS|HCE) and ERET to non-secure HYP;
 *   - non-secure HYP (a firmware such as U-Boot that switches to HYP first);
 *   - anything else, or a CPU without the Virtualization Extensions: a clear
 *     message on the console UART and a stop, never a silent hang.
 * The bootloader's r0-r2 (r2: the address of its device tree, or 0) are kept
 * for apus_main. The board's addresses come from the generated board.h.
 * Every CPU may enter here (vexpress-a15 under QEMU starts all of them at the
 * image's entry; on virt PSCI CPU_ON sends the secondaries here, in HYP).
 * Each does its own per-CPU firmware duties and reaches HYP; CPU 0 then sets
 * up the shared image (stack paint, BSS, HYP tables) and calls apus_main();
 * a secondary waits until CPU 0 releases it (apus_secondary_release, SEV),
 * then takes its own stack and calls apus_secondary_main(index).
 * Every CPU: HTPIDR = its per-CPU record (PERCPU_SLOT_SIZE apart), HVBAR,
 * ACTLR.SMP, stage-1 MMU and caches on (the one identity map).
 */
#include "architecture.h"
#include "hypervisor_abi.h"
#include "board.h"

    .syntax unified
    .arch armv7-a
    .arch_extension virt
    .arch_extension sec
    .arm

    .section .text.boot, "ax"
    .global _start
_start:
    cpsid   aif
    /* Keep what the bootloader passed (r2: its device tree) for apus_main: CPU 0 only. */
    mrc     p15, 0, r3, c0, c0, 5
    ands    r3, r3, #0xff
    ldreq   r3, =apus_boot_registers
    stmiaeq r3, {r0-r2}

    /* Virtualization Extensions: ID_PFR1[15:12] must be non-zero. */
    mrc     p15, 0, r0, c0, c1, 1
    ubfx    r0, r0, #12, #4
    cmp     r0, #0
    ldreq   r0, =msg_no_virt
    beq     fatal_message

    mrs     r0, cpsr
    and     r0, r0, #PSR_MODE_MASK
    cmp     r0, #PSR_MODE_HYP
    beq     in_hyp
    cmp     r0, #PSR_MODE_SVC
    ldrne   r0, =msg_bad_mode
    bne     fatal_message

    /*
     * SVC: secure or not? Reading SCR is undefined in non-secure state, so
     * route undefined instructions to a handler that reports "non-secure SVC".
     */
    adr     r0, probe_vectors
    mcr     p15, 0, r0, c12, c0, 0      /* VBAR */
    isb
    mrc     p15, 0, r1, c1, c1, 0       /* SCR: traps if non-secure */

    /* Secure SVC: enter monitor mode through SMC and leave it in HYP. */
    adr     r0, monitor_vectors
    mcr     p15, 0, r0, c12, c0, 1      /* MVBAR */
    isb
    smc     #0
    /* The monitor returns to in_hyp, never here. */
    ldr     r0, =msg_bad_mode
    b       fatal_message

/* Vectors used only while probing the security state from SVC. */
    .balign 32
probe_vectors:
    b       .                           /* reset */
    b       probe_undefined             /* undefined: SCR read in non-secure */
    b       .
    b       .
    b       .
    b       .
    b       .
    b       .
probe_undefined:
    ldr     r0, =msg_nonsecure_svc
    b       fatal_message

/*
 * Monitor: the firmware duties a non-secure hypervisor cannot do itself,
 * then an exception return into non-secure HYP at in_hyp.
 */
    .balign 32
monitor_vectors:
    b       .
    b       .
    b       monitor_smc                 /* +0x08: SMC */
    b       .
    b       .
    b       .
    b       .
    b       .
monitor_smc:
    /* This image is the machine's only secure firmware: no PSCI to call later. */
    ldr     r0, =apus_own_monitor
    mov     r1, #1
    str     r1, [r0]
    /* Non-secure access to cp10/cp11 (VFP/NEON) and to the SMP bit. */
    ldr     r0, =NSACR_VALUE
    mcr     p15, 0, r0, c1, c1, 2
    /* The generic timer's frequency: only the secure side can set CNTFRQ. */
    ldr     r0, =BOARD_COUNTER_FREQUENCY
    mcr     p15, 0, r0, c14, c0, 0
    /* Every interrupt in group 1 (non-secure), distributor and CPU interface on. */
    ldr     r4, =BOARD_GICD_BASE
    ldr     r1, [r4, #GICD_TYPER]
    and     r1, r1, #0x1f               /* ITLinesNumber: (n + 1) group registers */
    add     r1, r1, #1
    add     r2, r4, #GICD_IGROUPR
    mvn     r3, #0
1:  str     r3, [r2], #4
    subs    r1, r1, #1
    bne     1b
    mov     r0, #3
    str     r0, [r4, #GICD_CTLR]
    ldr     r4, =BOARD_GICC_BASE
    mov     r0, #0xff
    str     r0, [r4, #GICC_PMR]
    /* Non-secure from here on, with HVC enabled; IRQ/FIQ/aborts not to monitor. */
    ldr     r0, =SCR_VALUE
    mcr     p15, 0, r0, c1, c1, 0
    isb
    ldr     r0, =(PSR_MODE_HYP | PSR_A | PSR_I | PSR_F)
    msr     spsr_cxsf, r0
    adr     lr, in_hyp
    movs    pc, lr

/* Non-secure HYP from here on. */
in_hyp:
    mrc     p15, 0, r4, c0, c0, 5
    and     r4, r4, #0xff               /* this CPU's index (MPIDR.Aff0) */
    cmp     r4, #APUS_MAX_CPUS
    bhs     park                        /* a CPU beyond the capacity stays out */
    ldr     r0, =__percpu_start
    ldr     r1, =PERCPU_SLOT_SIZE
    mla     r0, r1, r4, r0
    mcr     p15, 4, r0, c13, c0, 2      /* HTPIDR: this CPU's record */
    cmp     r4, #0
    bne     secondary_hyp
    /* Paint the HYP stack so the power-off report can measure its peak use. */
    ldr     r0, =__hyp_stack_bottom
    ldr     r1, =__hyp_stack_top
    ldr     r2, =STACK_PAINT
0:  cmp     r0, r1
    strlo   r2, [r0], #4
    blo     0b
    ldr     sp, =__hyp_stack_top
    ldr     r0, =hyp_vectors
    mcr     p15, 4, r0, c12, c0, 0      /* HVBAR */

    /* Clear BSS (word-aligned by the linker script). */
    ldr     r0, =__bss_start
    ldr     r1, =__bss_end
    mov     r2, #0
2:  cmp     r0, r1
    strlo   r2, [r0], #4
    blo     2b

    bl      build_hyp_tables
    bl      enable_hyp_mmu
    bl      apus_main
    /* apus_main never returns; if it did, say so rather than run off. */
    ldr     r0, =msg_main_returned
    b       fatal_message

/*
 * A secondary CPU (index in r4) in HYP, MMU off: wait for CPU 0's release bit
 * (the word is read from memory: CPU 0 cleaned it to the point of coherency),
 * then its own stack (slot r4 - 1 of the secondary stacks), vectors and MMU.
 */
secondary_hyp:
    ldr     r1, =apus_secondary_release
    mov     r2, #1
    lsl     r2, r2, r4
0:  ldr     r0, [r1]
    tst     r0, r2
    bne     1f
    wfe
    b       0b
1:  dmb
    ldr     sp, =__secondary_stacks_start
    ldr     r1, =SECONDARY_STACK_SIZE
    mla     sp, r1, r4, sp              /* top of slot r4 - 1 */
    ldr     r0, =hyp_vectors
    mcr     p15, 4, r0, c12, c0, 0      /* HVBAR */
    bl      enable_hyp_mmu
    mov     r0, r4
    bl      apus_secondary_main
    ldr     r0, =msg_main_returned
    b       fatal_message

/*
 * HYP stage-1 translation: long descriptors, HTCR.T0SZ = 0, so four level-1
 * entries of 1 GiB each cover the 32-bit space. board.h says what each block
 * holds: RAM as normal write-back memory, the board's devices as device memory
 * (never executable), nothing (a stray access faults loudly).
 */
.macro hyp_block index, kind
    .if \kind == 2
    ldr     r2, =(NORMAL_BLOCK_LO | (\index << 30))
    ldr     r3, =NORMAL_BLOCK_HI
    .elseif \kind == 1
    ldr     r2, =(DEVICE_BLOCK_LO | (\index << 30))
    ldr     r3, =DEVICE_BLOCK_HI
    .else
    mov     r2, #0
    mov     r3, #0
    .endif
    strd    r2, r3, [r0, #(\index * 8)]
.endm
build_hyp_tables:                       /* CPU 0, once */
    ldr     r0, =hyp_level1_table
    hyp_block 0, BOARD_HYP_BLOCK_0
    hyp_block 1, BOARD_HYP_BLOCK_1
    hyp_block 2, BOARD_HYP_BLOCK_2
    hyp_block 3, BOARD_HYP_BLOCK_3
    dsb
    bx      lr

enable_hyp_mmu:                         /* every CPU */
    /* Take part in cache coherency (ACTLR.SMP) before the caches go on. */
    mrc     p15, 0, r1, c1, c0, 1
    orr     r1, r1, #ACTLR_SMP
    mcr     p15, 0, r1, c1, c0, 1
    isb
    ldr     r0, =hyp_level1_table
    ldr     r1, =HMAIR0_VALUE
    mcr     p15, 4, r1, c10, c2, 0      /* HMAIR0 */
    mov     r1, #0
    mcr     p15, 4, r1, c10, c2, 1      /* HMAIR1 */
    ldr     r1, =HTCR_VALUE
    mcr     p15, 4, r1, c2, c0, 2       /* HTCR */
    mov     r1, #0
    mcrr    p15, 4, r0, r1, c2          /* HTTBR */
    isb
    mcr     p15, 4, r0, c8, c7, 0       /* TLBIALLH */
    mcr     p15, 0, r0, c7, c5, 0       /* ICIALLU */
    dsb
    isb
    mrc     p15, 4, r1, c1, c0, 0       /* HSCTLR */
    ldr     r2, =HSCTLR_SET
    orr     r1, r1, r2
    bic     r1, r1, #HSCTLR_A
    mcr     p15, 4, r1, c1, c0, 0
    isb
    bx      lr

/* Test images link a strong apus_selftest; the hypervisor's does nothing. */
    .weak   apus_selftest
apus_selftest:
    bx      lr

park:
    wfe
    b       park

/*
 * Print the NUL-terminated string at r0 on the console UART with the MMU off, then stop
 * the CPU. Used only before Swift runs; no stack needed.
 */
fatal_message:
    ldr     r1, =BOARD_CONSOLE_BASE
4:  ldrb    r2, [r0], #1
    cmp     r2, #0
    beq     6f
5:  ldr     r3, [r1, #UART_FR]
    tst     r3, #UART_FR_TXFF
    bne     5b
    str     r2, [r1, #UART_DR]
    b       4b
6:
#ifdef APUS_SEMIHOSTING
    /* Under QEMU, end the run with exit status 3 so scripts do not wait,
     * saying so on the last line as PowerOff does (the harness checks both). */
    adr     r0, msg_exit_status
8:  ldrb    r2, [r0], #1
    cmp     r2, #0
    beq     9f
10: ldr     r3, [r1, #UART_FR]
    tst     r3, #UART_FR_TXFF
    bne     10b
    str     r2, [r1, #UART_DR]
    b       8b
9:
    mov     r0, #SEMIHOSTING_SYS_EXIT_EXTENDED
    adr     r1, fatal_exit_block
    svc     #SEMIHOSTING_SVC
#endif
7:  wfi
    b       7b

#ifdef APUS_SEMIHOSTING
    .balign 4
fatal_exit_block:
    .word   SEMIHOSTING_ADP_STOPPED_APPLICATION_EXIT
    .word   EXIT_STATUS_BOOT_FAILURE
#define APUS_STRING(x) #x
#define APUS_DECIMAL(x) APUS_STRING(x)
msg_exit_status:
    .ascii  "Apus: exit status "
    .ascii  APUS_DECIMAL(EXIT_STATUS_BOOT_FAILURE)
    .asciz  "\r\n"
    .balign 4
#endif

msg_no_virt:
    .asciz  "Apus: this CPU has no Virtualization Extensions (ID_PFR1[15:12] = 0); it cannot run a hypervisor. Stopped.\r\n"
msg_bad_mode:
    .asciz  "Apus: entered in a CPU mode other than HYP or secure SVC; cannot reach HYP mode. Stopped.\r\n"
msg_nonsecure_svc:
    .asciz  "Apus: entered in non-secure SVC mode; HYP is out of reach without firmware help (boot in HYP, e.g. U-Boot's bootm with nonsec). Stopped.\r\n"
msg_main_returned:
    .asciz  "Apus: apus_main returned. Stopped.\r\n"
    .balign 4
    .ltorg

    .section .data.boot_registers, "aw"
    .balign 4
    .global apus_boot_registers
apus_boot_registers:
    .word   0, 0, 0
/* Bit n set by CPU 0 (then cleaned to memory and SEV): secondary CPU n may enter Swift. */
    .global apus_secondary_release
    .balign 64
apus_secondary_release:
    .word   0
    .balign 64
/* 1 when the boot stub played the secure monitor (entry in secure SVC): then
 * no firmware answers PSCI, and an SMC would come back to monitor_smc. */
    .global apus_own_monitor
apus_own_monitor:
    .word   0
/* Set by CPU 0 once every VM is created: the secondaries may run their VCPUs. */
    .global apus_scheduling_started
apus_scheduling_started:
    .word   0
/* Word n: CPU n's MPIDR once it runs Apus in HYP (0 before), written by that CPU only. */
    .global apus_cpu_online
apus_cpu_online:
    .word   0, 0, 0, 0
    .balign 64

    .section .bss.hyp_tables, "aw", %nobits
    .balign 4096
hyp_level1_table:
    .space  4 * 8
