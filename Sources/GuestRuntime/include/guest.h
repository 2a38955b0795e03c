/*
 * What the guest runtime needs below Swift: the hypercall and SMC traps
 * (Boot/Guest/start.S), single-instruction register access, and the
 * register frame of an unexpected exception.
 */
#ifndef APUS_GUEST_H
#define APUS_GUEST_H
#include <stdint.h>

#define G_INLINE static inline __attribute__((always_inline))

uint32_t guest_hypercall(uint32_t op, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3);
uint32_t guest_smc(uint32_t function, uint32_t a0, uint32_t a1, uint32_t a2);
/* Boot/Guest/start.S: where a secondary VCPU starts (PSCI CPU_ON). */
void guest_secondary_entry(void);
G_INLINE uint32_t g_secondary_entry_address(void) { return (uint32_t)(uintptr_t)&guest_secondary_entry; }
G_INLINE uint32_t g_read_mpidr(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c0, c0, 5" : "=r"(v)); return v; }

typedef struct guest_exception_frame {
    uint32_t r[13];
    uint32_t pc;        /* address of the faulting instruction */
} guest_exception_frame;

G_INLINE uint32_t g_mmio_read32(uintptr_t a) { return *(volatile uint32_t *)a; }
G_INLINE void g_mmio_write32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
G_INLINE uint8_t g_mmio_read8(uintptr_t a) { return *(volatile uint8_t *)a; }
G_INLINE uint16_t g_mmio_read16(uintptr_t a) { return *(volatile uint16_t *)a; }
/* LDRSB: a sign-extending byte load. */
G_INLINE int32_t g_mmio_read8_signed(uintptr_t a) { return *(volatile int8_t *)a; }
G_INLINE uint8_t g_read8(uintptr_t a) { return *(volatile uint8_t *)a; }

G_INLINE uint64_t g_read_cntvct(void) {
    uint32_t lo, hi;
    __asm__ volatile("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi));
    return ((uint64_t)hi << 32) | lo;
}
G_INLINE uint32_t g_read_cntfrq(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(v)); return v; }
G_INLINE void g_write_cntv_cval(uint64_t v) {
    __asm__ volatile("mcrr p15, 3, %0, %1, c14\n\tisb" :: "r"((uint32_t)v), "r"((uint32_t)(v >> 32)) : "memory");
}
G_INLINE void g_write_cntv_ctl(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c14, c3, 1\n\tisb" :: "r"(v) : "memory"); }
G_INLINE uint32_t g_read_cntv_ctl(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c14, c3, 1" : "=r"(v)); return v; }
G_INLINE uint32_t g_read_cpsr(void) { uint32_t v; __asm__ volatile("mrs %0, cpsr" : "=r"(v)); return v; }
G_INLINE void g_enable_irq(void) { __asm__ volatile("cpsie i" ::: "memory"); }
G_INLINE void g_disable_irq(void) { __asm__ volatile("cpsid i" ::: "memory"); }
G_INLINE void g_wfi(void) { __asm__ volatile("dsb\n\twfi" ::: "memory"); }
G_INLINE void g_dsb(void) { __asm__ volatile("dsb" ::: "memory"); }
/* Orders memory accesses (no completion wait): between a ring's contents and its index. */
G_INLINE void g_dmb(void) { __asm__ volatile("dmb" ::: "memory"); }
/* PMU cycle counter: counts instructions under QEMU -icount. */
G_INLINE uint32_t g_read_pmccntr(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c9, c13, 0" : "=r"(v)); return v; }
/* PMU event counters (the hostile guest reaches for the hypervisor's own). */
G_INLINE uint32_t g_read_pmcr(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c9, c12, 0" : "=r"(v)); return v; }
G_INLINE void g_write_pmselr(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c9, c12, 5\n\tisb" :: "r"(v) : "memory"); }
G_INLINE uint32_t g_read_pmxevtyper(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c9, c13, 1" : "=r"(v)); return v; }
G_INLINE void g_write_pmxevtyper(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c9, c13, 1" :: "r"(v) : "memory"); }
G_INLINE void g_write_pmcntenclr(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c9, c12, 2" :: "r"(v) : "memory"); }
G_INLINE uint32_t g_read_midr(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c0, c0, 0" : "=r"(v)); return v; }
G_INLINE void g_undefined_instruction(void) { __asm__ volatile(".word 0xe7f000f0" ::: "memory"); }
/* A PSCI call over HVC #0 (SMC calling convention: function in r0, result in r0). */
G_INLINE int32_t g_psci_call(uint32_t function, uint32_t argument) {
    register uint32_t r0 __asm__("r0") = function;
    register uint32_t r1 __asm__("r1") = argument;
    __asm__ volatile("hvc #0" : "+r"(r0) : "r"(r1) : "r2", "r3", "memory");
    return (int32_t)r0;
}
/* An ARM semihosting call (SVC 0x123456) from guest PL1: the hostile guest tries whether the
 * emulator honours it for a guest (docs/GUESTS.md). */
G_INLINE uint32_t g_semihosting_call(uint32_t operation, const void *argument) {
    register uint32_t r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("svc #0x123456" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* Stage-1 MMU of the guest (short descriptors), for guests that page. */
G_INLINE void g_write_ttbr0(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c2, c0, 0" :: "r"(v) : "memory"); }
G_INLINE void g_write_ttbcr(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c2, c0, 2" :: "r"(v) : "memory"); }
G_INLINE void g_write_dacr(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c3, c0, 0" :: "r"(v) : "memory"); }
G_INLINE uint32_t g_read_sctlr(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(v)); return v; }
G_INLINE void g_write_sctlr(uint32_t v) { __asm__ volatile("dsb\n\tmcr p15, 0, %0, c1, c0, 0\n\tisb" :: "r"(v) : "memory"); }
G_INLINE void g_tlb_invalidate_all(void) { __asm__ volatile("mcr p15, 0, %0, c8, c7, 0\n\tdsb\n\tisb" :: "r"(0) : "memory"); }
G_INLINE uint32_t g_read32(uintptr_t a) { return *(volatile uint32_t *)a; }

#endif
