/*
 * Single-instruction access to CP15 system registers, barriers and MMIO, as
 * static inline functions Swift imports through the HVRegs module. Anything
 * longer than one instruction lives in Boot/*.S. `make asmcheck` recompiles
 * the hypervisor's IR with clang so that asm swiftc would drop silently fails
 * the build instead.
 */
#ifndef APUS_HVREGS_H
#define APUS_HVREGS_H

#include <stdint.h>
#include "platform.h"

#define HV_INLINE static inline __attribute__((always_inline))

#define HV_MRC(name, op1, crn, crm, op2)                                              \
    HV_INLINE uint32_t hv_read_##name(void) {                                         \
        uint32_t v;                                                                   \
        __asm__ volatile(".arch_extension virt\n\tmrc p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 : "=r"(v)); \
        return v;                                                                     \
    }
#define HV_MCR(name, op1, crn, crm, op2)                                              \
    HV_INLINE void hv_write_##name(uint32_t v) {                                      \
        __asm__ volatile(".arch_extension virt\n\tmcr p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 :: "r"(v) : "memory"); \
    }
#define HV_MRRC(name, op1, crm)                                                       \
    HV_INLINE uint64_t hv_read_##name(void) {                                         \
        uint32_t lo, hi;                                                              \
        __asm__ volatile(".arch_extension virt\n\tmrrc p15, " #op1 ", %0, %1, " #crm : "=r"(lo), "=r"(hi)); \
        return ((uint64_t)hi << 32) | lo;                                             \
    }
#define HV_MCRR(name, op1, crm)                                                       \
    HV_INLINE void hv_write_##name(uint64_t v) {                                      \
        __asm__ volatile(".arch_extension virt\n\tmcrr p15, " #op1 ", %0, %1, " #crm  \
                         :: "r"((uint32_t)v), "r"((uint32_t)(v >> 32)) : "memory");   \
    }
#define HV_RW(name, op1, crn, crm, op2) HV_MRC(name, op1, crn, crm, op2) HV_MCR(name, op1, crn, crm, op2)

/* Identification. */
HV_MRC(midr, 0, c0, c0, 0)
HV_MRC(mpidr, 0, c0, c0, 5)
HV_MRC(id_pfr1, 0, c0, c1, 1)

/* HYP control and syndrome. */
HV_RW(hsctlr, 4, c1, c0, 0)
HV_RW(hcr, 4, c1, c1, 0)
HV_RW(hvbar, 4, c12, c0, 0)
HV_MRC(hsr, 4, c5, c2, 0)
HV_MRC(hdfar, 4, c6, c0, 0)
HV_MRC(hifar, 4, c6, c0, 2)
HV_MRC(hpfar, 4, c6, c0, 4)
HV_MRRC(httbr, 4, c2)

/* Generic timer. */
HV_MRC(cntfrq, 0, c14, c0, 0)
HV_MRRC(cntpct, 0, c14)

HV_INLINE uint32_t hv_read_cpsr(void) {
    uint32_t v;
    __asm__ volatile("mrs %0, cpsr" : "=r"(v));
    return v;
}

HV_INLINE void hv_dsb(void) { __asm__ volatile("dsb sy" ::: "memory"); }
HV_INLINE void hv_isb(void) { __asm__ volatile("isb sy" ::: "memory"); }
HV_INLINE void hv_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }

/* Device registers: one volatile access each, never merged or reordered by the compiler. */
HV_INLINE uint32_t hv_mmio_read32(uintptr_t address) { return *(volatile uint32_t *)address; }
HV_INLINE void hv_mmio_write32(uintptr_t address, uint32_t value) { *(volatile uint32_t *)address = value; }
HV_INLINE uint32_t hv_peek32(uintptr_t address) { return *(volatile const uint32_t *)address; }

/* The register frame Boot/vectors.S saves on every HYP exception. */
typedef struct apus_trap_frame {
    uint32_t kind;      /* TRAP_KIND_*: which vector */
    uint32_t sp;        /* SP_hyp before the exception */
    uint32_t elr;       /* ELR_hyp: the preferred return address */
    uint32_t spsr;      /* SPSR_hyp */
    uint32_t hsr;       /* HSR at entry */
    uint32_t reserved;  /* keeps the frame 8-byte aligned */
    uint32_t r[13];     /* r0-r12 */
    uint32_t lr;        /* r14 at the time of the exception */
} apus_trap_frame;

/* Boot/start.S: a weak no-op that test images replace to provoke a fault. */
void apus_selftest(void);

/* Boot/semihosting.S */
void apus_test_undefined_instruction(void);
uint32_t apus_semihosting_call(uint32_t operation, const void *argument);
/* Linker-script symbols: only their addresses mean something. */
extern char __image_start[], __image_end[], __ram_start[], __ram_end[];
HV_INLINE uintptr_t hv_image_start(void) { return (uintptr_t)__image_start; }
HV_INLINE uintptr_t hv_image_end(void) { return (uintptr_t)__image_end; }
HV_INLINE uintptr_t hv_ram_start(void) { return (uintptr_t)__ram_start; }
HV_INLINE uintptr_t hv_ram_end(void) { return (uintptr_t)__ram_end; }

#endif
