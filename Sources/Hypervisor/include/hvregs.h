/*
 * Register accessors: single-instruction access to CP15 system registers,
 * banked registers, barriers and MMIO, as static inline functions Swift
 * imports through the HVRegs module. Anything longer than one instruction
 * lives in Boot/*.S. `make asmcheck` recompiles the hypervisor's IR with clang
 * so that asm swiftc would drop silently fails the build instead.
 */
#ifndef APUS_HVREGS_H
#define APUS_HVREGS_H

#include <stdint.h>

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
/* HTPIDR: this CPU's record, set by Boot/start.S before any Swift runs and
 * never changed, so the read is not volatile: the compiler may merge reads. */
HV_INLINE uintptr_t hv_this_cpu_record(void) {
    uintptr_t v;
    __asm__(".arch_extension virt\n\tmrc p15, 4, %0, c13, c0, 2" : "=r"(v));
    return v;
}

/* HYP configuration of the guest world. */
HV_RW(hstr, 4, c1, c1, 3)
HV_RW(hcptr, 4, c1, c1, 2)
HV_RW(hdcr, 4, c1, c1, 1)
HV_RW(vtcr, 4, c2, c1, 2)
HV_MCRR(vttbr, 6, c2)
HV_RW(vpidr, 4, c0, c0, 0)
HV_RW(vmpidr, 4, c0, c0, 5)
HV_MCR(tlbiallnsnh, 4, c8, c7, 4)
HV_MCR(tlbiall_is, 0, c8, c3, 0)
HV_MCR(tlbiallnsnhis, 4, c8, c3, 4)   /* every CPU's non-hyp TLB entries (another CPU's VM lost a page) */
HV_MRC(ctr, 0, c0, c0, 1)
HV_MCR(dccimvac, 0, c7, c14, 1)
HV_MCR(dccmvac, 0, c7, c10, 1)
HV_MCR(iciallu, 0, c7, c5, 0)
/* Data cache maintenance by set/way (performed for guests that trap on it). */
HV_MCR(dcisw, 0, c7, c6, 2)
HV_MCR(dccsw, 0, c7, c10, 2)
HV_MCR(dccisw, 0, c7, c14, 2)

/* Guest (non-secure PL1) CP15 state switched per VCPU. */
HV_RW(sctlr, 0, c1, c0, 0)
HV_RW(actlr, 0, c1, c0, 1)
HV_RW(cpacr, 0, c1, c0, 2)
HV_MRRC(ttbr0, 0, c2)
HV_MCRR(ttbr0, 0, c2)
HV_MRRC(ttbr1, 1, c2)
HV_MCRR(ttbr1, 1, c2)
HV_RW(ttbcr, 0, c2, c0, 2)
HV_RW(dacr, 0, c3, c0, 0)
HV_RW(dfsr, 0, c5, c0, 0)
HV_RW(ifsr, 0, c5, c0, 1)
HV_RW(adfsr, 0, c5, c1, 0)
HV_RW(aifsr, 0, c5, c1, 1)
HV_RW(dfar, 0, c6, c0, 0)
HV_RW(ifar, 0, c6, c0, 2)
HV_MRRC(par, 0, c7)
HV_MCRR(par, 0, c7)
/* Address translation of a guest virtual address through its stage 1 (result in PAR). */
HV_MCR(ats1cpr, 0, c7, c8, 0)
HV_MCR(ats1cpw, 0, c7, c8, 1)
HV_RW(prrr, 0, c10, c2, 0)
HV_RW(nmrr, 0, c10, c2, 1)
HV_RW(amair0, 0, c10, c3, 0)
HV_RW(amair1, 0, c10, c3, 1)
HV_RW(vbar, 0, c12, c0, 0)
HV_RW(contextidr, 0, c13, c0, 1)
HV_RW(tpidrurw, 0, c13, c0, 2)
HV_RW(tpidruro, 0, c13, c0, 3)
HV_RW(tpidrprw, 0, c13, c0, 4)
HV_RW(csselr, 2, c0, c0, 0)
HV_RW(cntkctl, 0, c14, c1, 0)

/* Generic timer. */
HV_MRC(cntfrq, 0, c14, c0, 0)
HV_MRRC(cntpct, 0, c14)
HV_MRRC(cntvct, 1, c14)
HV_RW(cnthctl, 4, c14, c1, 0)
HV_MCRR(cntvoff, 4, c14)
HV_MRRC(cntvoff, 4, c14)
HV_RW(cntv_ctl, 0, c14, c3, 1)
HV_MRRC(cntv_cval, 3, c14)
HV_MCRR(cntv_cval, 3, c14)
HV_RW(cnthp_ctl, 4, c14, c2, 1)
HV_MRRC(cnthp_cval, 6, c14)
HV_MCRR(cnthp_cval, 6, c14)

/* Performance monitors: the cycle counter counts instructions under -icount. */
HV_RW(pmcr, 0, c9, c12, 0)
HV_RW(pmcntenset, 0, c9, c12, 1)
HV_RW(pmselr, 0, c9, c12, 5)
HV_RW(pmxevtyper, 0, c9, c13, 1)
HV_MRC(pmxevcntr, 0, c9, c13, 2)
HV_MRC(pmccntr, 0, c9, c13, 0)

HV_INLINE uint32_t hv_read_cpsr(void) {
    uint32_t v;
    __asm__ volatile("mrs %0, cpsr" : "=r"(v));
    return v;
}

HV_INLINE void hv_dsb(void) { __asm__ volatile("dsb sy" ::: "memory"); }
HV_INLINE void hv_isb(void) { __asm__ volatile("isb sy" ::: "memory"); }
HV_INLINE void hv_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
HV_INLINE void hv_dmb(void) { __asm__ volatile("dmb ish" ::: "memory"); }
HV_INLINE void hv_wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
HV_INLINE void hv_sev(void) { __asm__ volatile("sev" ::: "memory"); }

/* Device registers: one volatile access each, never merged or reordered by the compiler. */
HV_INLINE uint32_t hv_mmio_read32(uintptr_t address) { return *(volatile uint32_t *)address; }
HV_INLINE void hv_mmio_write32(uintptr_t address, uint32_t value) { *(volatile uint32_t *)address = value; }
HV_INLINE uint8_t hv_mmio_read8(uintptr_t address) { return *(volatile uint8_t *)address; }
HV_INLINE uint16_t hv_mmio_read16(uintptr_t address) { return *(volatile uint16_t *)address; }
HV_INLINE void hv_mmio_write8(uintptr_t address, uint8_t value) { *(volatile uint8_t *)address = value; }
HV_INLINE void hv_mmio_write16(uintptr_t address, uint16_t value) { *(volatile uint16_t *)address = value; }
HV_INLINE uint32_t hv_peek32(uintptr_t address) { return *(volatile const uint32_t *)address; }

/* Banked-register access for exception injection into a guest. */
HV_INLINE void hv_write_spsr_abt(uint32_t v) { __asm__ volatile(".arch_extension virt\n\tmsr spsr_abt, %0" :: "r"(v)); }
HV_INLINE void hv_write_lr_abt(uint32_t v) { __asm__ volatile(".arch_extension virt\n\tmsr lr_abt, %0" :: "r"(v)); }
HV_INLINE void hv_write_spsr_und(uint32_t v) { __asm__ volatile(".arch_extension virt\n\tmsr spsr_und, %0" :: "r"(v)); }
HV_INLINE void hv_write_lr_und(uint32_t v) { __asm__ volatile(".arch_extension virt\n\tmsr lr_und, %0" :: "r"(v)); }
HV_INLINE void hv_write_spsr_irq(uint32_t v) { __asm__ volatile(".arch_extension virt\n\tmsr spsr_irq, %0" :: "r"(v)); }
HV_INLINE void hv_write_lr_irq(uint32_t v) { __asm__ volatile(".arch_extension virt\n\tmsr lr_irq, %0" :: "r"(v)); }

#endif
