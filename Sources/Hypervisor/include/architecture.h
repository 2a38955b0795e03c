/*
 * Architectural constants: ARMv7-A with the Virtualization and Security
 * Extensions, the GICv2 and PL011 register layouts, semihosting and PSCI
 * numbers. True on every board; the board's own facts (addresses) come from
 * the generated board.h. Plain #defines so the assembler and Swift (through
 * the HVRegs module) read them.
 */
#ifndef APUS_ARCHITECTURE_H
#define APUS_ARCHITECTURE_H

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
#define PSR_T           0x20
#define PSR_F           0x40
#define PSR_I           0x80
#define PSR_A           0x100

/* Secure-side set-up done by the boot stub's monitor. */
#define NSACR_VALUE     0x60c00     /* cp10/cp11 and ACTLR.SMP usable in non-secure */
#define SCR_VALUE       0x131       /* NS | FW | AW | HCE */

/* GICv2 register offsets (distributor, CPU interface, hyp interface). */
#define GICD_CTLR       0x000
#define GICD_TYPER      0x004
#define GICD_IGROUPR    0x080
#define GICC_PMR        0x004
#define GICH_VTR        0x004

/* PL011 UART register offsets and bits. */
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

/* HYP stage-1 translation (long descriptors). */
#define HMAIR0_VALUE    0x00FF0400  /* attr0 strongly ordered, attr1 device, attr2 normal WB */
#define HTCR_VALUE      0x80003500  /* T0SZ 0, inner shareable, WB WA walks */
#define DEVICE_BLOCK_LO 0x00000445  /* block | attr1 | AP[1] | AF */
#define DEVICE_BLOCK_HI 0x00400000  /* XN */
#define NORMAL_BLOCK_LO 0x00000749  /* block | attr2 | AP[1] | inner shareable | AF */
#define NORMAL_BLOCK_HI 0x00000000
#define HSCTLR_SET      0x00001005  /* M | C | I */
#define HSCTLR_A        0x00000002
#define ACTLR_SMP       0x00000040  /* Cortex-A15/A7: this CPU takes part in coherency */

/* Semihosting (QEMU -semihosting). */
#define SEMIHOSTING_SVC 0x123456
#define SEMIHOSTING_SYS_EXIT_EXTENDED 0x20
#define SEMIHOSTING_ADP_STOPPED_APPLICATION_EXIT 0x20026

/* PSCI 0.2 function IDs (SMC32 calling convention). */
#define PSCI_SYSTEM_OFF 0x84000008

#endif
