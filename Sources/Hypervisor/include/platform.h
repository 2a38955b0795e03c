/*
 * QEMU vexpress-a15 (Cortex-A15 with the Virtualization Extensions) and the
 * architectural constants the boot stub and the hypervisor share. Plain
 * #defines so both the assembler and Swift (through the HVRegs module) read them.
 * Addresses verified on QEMU 7.2; see docs/PLATFORM.md.
 */
#ifndef APUS_PLATFORM_H
#define APUS_PLATFORM_H

/* Program status register modes and mask bits. */
#define PSR_MODE_MASK   0x1f
#define PSR_MODE_USR    0x10
#define PSR_MODE_FIQ    0x11
#define PSR_MODE_IRQ    0x12
#define PSR_MODE_SVC    0x13
#define PSR_MODE_MON    0x16
#define PSR_MODE_ABT    0x17
#define PSR_MODE_HYP    0x1a
#define PSR_MODE_UND    0x1b
#define PSR_MODE_SYS    0x1f
#define PSR_F           0x40
#define PSR_I           0x80
#define PSR_A           0x100

/* Secure-side set-up done by the boot stub's monitor. */
#define NSACR_VALUE     0x60c00     /* cp10/cp11 and ACTLR.SMP usable in non-secure */
#define SCR_VALUE       0x131       /* NS | FW | AW | HCE */

/* GIC-400 style GICv2 with virtualization extensions. */
#define GICD_BASE       0x2C001000
#define GICD_CTLR       0x000
#define GICD_TYPER      0x004
#define GICD_IGROUPR    0x080
#define GICC_BASE       0x2C002000
#define GICC_PMR        0x004
#define GICH_BASE       0x2C004000
#define GICH_VTR        0x004
#define GICV_BASE       0x2C006000

/* PL011 UARTs. */
#define UART0_BASE      0x1C090000
#define UART1_BASE      0x1C0A0000
#define UART_DR         0x00
#define UART_FR         0x18
#define UART_IBRD       0x24
#define UART_FBRD       0x28
#define UART_LCRH       0x2C
#define UART_CR         0x30
#define UART_IMSC       0x38
#define UART_ICR        0x44
#define UART_FR_TXFF    0x20
#define UART_FR_BUSY    0x08
#define UART_FR_RXFE    0x10
#define UART_INT_RX     0x50        /* UARTIMSC/ICR: RXIM (bit 4) | RTIM (bit 6) */
#define UART0_INTERRUPT 37

/* Motherboard system registers: SYS_CFGCTRL shutdown. */
#define SYS_CFGCTRL     0x1C0100A4
#define SYS_CFG_SHUTDOWN 0xC0800000 /* start | write | function 8 (shutdown) */

/* HYP stage-1 translation (long descriptors). */
#define HMAIR0_VALUE    0x00FF0400  /* attr0 strongly ordered, attr1 device, attr2 normal WB */
#define HTCR_VALUE      0x80003500  /* T0SZ 0, inner shareable, WB WA walks */
#define DEVICE_BLOCK_LO 0x00000445  /* block | attr1 | AP[1] | AF */
#define DEVICE_BLOCK_HI 0x00400000  /* XN */
#define NORMAL_BLOCK_LO 0x00000749  /* block | attr2 | AP[1] | inner shareable | AF */
#define NORMAL_BLOCK_HI 0x00000000
#define HSCTLR_SET      0x00001005  /* M | C | I */
#define HSCTLR_A        0x00000002

/* Semihosting (QEMU -semihosting). */
#define SEMIHOSTING_SVC 0x123456
#define SEMIHOSTING_SYS_EXIT_EXTENDED 0x20
#define SEMIHOSTING_ADP_STOPPED_APPLICATION_EXIT 0x20026

/* Exit statuses of a QEMU run, as the test harness reads them. */
#define EXIT_STATUS_OK              0
#define EXIT_STATUS_PANIC           1
#define EXIT_STATUS_CONFIG_REFUSED  2
#define EXIT_STATUS_BOOT_FAILURE    3
#define EXIT_STATUS_STALLED         4   /* every running VM blocked with nothing to wake it */
#define EXIT_STATUS_STARVED         5   /* a runnable VM retired no instruction over its progress window */
#define EXIT_STATUS_GUEST_FAILED    6   /* all VMs stopped, and one reported CHECK ... FAILED, crashed or faulted */

/* The HYP stack is painted with this at boot; the first changed word is its peak. */
#define STACK_PAINT 0x5AC75AC7

/* Trap frame kinds: which HYP vector was taken. */
#define TRAP_KIND_RESET     0
#define TRAP_KIND_UNDEFINED 1
#define TRAP_KIND_SVC       2
#define TRAP_KIND_PREFETCH  3
#define TRAP_KIND_DATA      4
#define TRAP_KIND_HYP_TRAP  5
#define TRAP_KIND_IRQ       6
#define TRAP_KIND_FIQ       7

#endif
