/*
 * What the assembly (Boot/*.S) and the linker script give the Swift
 * hypervisor: the frames the vectors save, the routines, and the link-map
 * symbols (only their addresses mean something).
 */
#ifndef APUS_BOOT_INTERFACE_H
#define APUS_BOOT_INTERFACE_H

#include <stdint.h>
#include "hvregs.h"
#include "hypervisor_abi.h"

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
_Static_assert(sizeof(apus_trap_frame) == 80, "Boot/world_switch.S copies a frame as 20 words");

/* Banked registers of the guest's modes (Boot/world_switch.S saves and restores them). */
typedef struct apus_banked_regs {
    uint32_t sp_usr;
    uint32_t sp_svc, lr_svc, spsr_svc;
    uint32_t sp_abt, lr_abt, spsr_abt;
    uint32_t sp_und, lr_und, spsr_und;
    uint32_t sp_irq, lr_irq, spsr_irq;
    uint32_t r8_fiq, r9_fiq, r10_fiq, r11_fiq, r12_fiq, sp_fiq, lr_fiq, spsr_fiq;
} apus_banked_regs;

/* VFP/NEON state: d0-d31, FPSCR, FPEXC. */
typedef struct apus_vfp_state {
    uint64_t d[32];
    uint32_t fpscr;
    uint32_t fpexc;
} apus_vfp_state;

/* The guest's non-secure PL1 CP15 state switched with its VCPU (Boot/world_switch.S),
 * 64-bit registers as low then high word. */
typedef struct apus_cp15_regs {
    uint32_t sctlr, cpacr, ttbcr, dacr;
    uint32_t ttbr0_low, ttbr0_high, ttbr1_low, ttbr1_high;
    uint32_t par_low, par_high, dfsr, ifsr;
    uint32_t adfsr, aifsr, dfar, ifar;
    uint32_t prrr, nmrr, amair0, amair1;
    uint32_t vbar, contextidr, tpidrurw, tpidruro;
    uint32_t tpidrprw, csselr, cntkctl;
} apus_cp15_regs;
_Static_assert(sizeof(apus_cp15_regs) == 27 * 4, "Boot/world_switch.S stores 27 words");

void apus_save_banked(apus_banked_regs *regs);
void apus_restore_banked(const apus_banked_regs *regs);
void apus_save_vfp(apus_vfp_state *state);
/* *to = *from with four multiple loads and stores (a Swift struct copy calls memmove). */
void apus_copy_frame(apus_trap_frame *to, const apus_trap_frame *from);
void apus_restore_vfp(const apus_vfp_state *state);
void apus_save_cp15(apus_cp15_regs *regs);
void apus_restore_cp15(const apus_cp15_regs *regs);
/* Loads the frame at the top of the HYP stack and ERETs into it; never returns. */
__attribute__((noreturn)) void apus_resume(const apus_trap_frame *frame);
/* The frame every trap from a guest saves: always at the top of the CPU's HYP stack. */
HV_INLINE apus_trap_frame *hv_guest_frame(void) {
    extern char __hyp_stack_top[];
    return (apus_trap_frame *)(__hyp_stack_top - sizeof(apus_trap_frame));
}
/* The same for CPU `cpu` (1-3: slot cpu - 1 of the secondary stacks, as Boot/start.S sets SP). */
HV_INLINE apus_trap_frame *hv_guest_frame_of(unsigned cpu) {
    extern char __secondary_stacks_start[];
    if (cpu == 0) return hv_guest_frame();
    return (apus_trap_frame *)(__secondary_stacks_start + cpu * SECONDARY_STACK_SIZE - sizeof(apus_trap_frame));
}
/* Boot/start.S: r0-r2 as the bootloader passed them (r2: its device tree or 0). */
extern uint32_t apus_boot_registers[3];
HV_INLINE uint32_t hv_boot_register(unsigned index) { return index < 3 ? apus_boot_registers[index] : 0; }

/* Boot/start.S: a weak no-op that test images replace to provoke a fault. */
void apus_selftest(void);

/* Boot/firmware.S: an SMC to the secure firmware (PSCI): function ID, three arguments. */
uint32_t apus_smc(uint32_t function, uint32_t a1, uint32_t a2, uint32_t a3);

/* Boot/semihosting.S */
void apus_test_undefined_instruction(void);
uint32_t apus_semihosting_call(uint32_t operation, const void *argument);
/* Linker-script symbols: only their addresses mean something. */
extern char __image_start[], __image_end[], __ram_start[], __ram_end[];
HV_INLINE uintptr_t hv_image_start(void) { return (uintptr_t)__image_start; }
HV_INLINE uintptr_t hv_image_end(void) { return (uintptr_t)__image_end; }
HV_INLINE uintptr_t hv_ram_start(void) { return (uintptr_t)__ram_start; }
HV_INLINE uintptr_t hv_ram_end(void) { return (uintptr_t)__ram_end; }
extern char __hyp_stack_bottom[], __hyp_stack_top[];
HV_INLINE uintptr_t hv_stack_bottom(void) { return (uintptr_t)__hyp_stack_bottom; }
HV_INLINE uintptr_t hv_stack_top(void) { return (uintptr_t)__hyp_stack_top; }
/* Boot/payload.S: the configuration DTB and the guest image pack. */
extern char __config_start[], __config_end[], __images_start[], __images_end[], __stage2_start[], __stage2_end[];
HV_INLINE uintptr_t hv_config_start(void) { return (uintptr_t)__config_start; }
HV_INLINE uintptr_t hv_config_end(void) { return (uintptr_t)__config_end; }
HV_INLINE uintptr_t hv_images_start(void) { return (uintptr_t)__images_start; }
HV_INLINE uintptr_t hv_images_end(void) { return (uintptr_t)__images_end; }
HV_INLINE uintptr_t hv_stage2_start(void) { return (uintptr_t)__stage2_start; }
HV_INLINE uintptr_t hv_stage2_end(void) { return (uintptr_t)__stage2_end; }
/* Boot/payload.S: what the image was built for, as text (not NUL-terminated). */
extern char __build_info_start[], __build_info_end[];
HV_INLINE uintptr_t hv_build_info_start(void) { return (uintptr_t)__build_info_start; }
HV_INLINE uintptr_t hv_build_info_end(void) { return (uintptr_t)__build_info_end; }
/* Defined only by the payload of a test system built to exceed the SEDF scheduling minimum. */
extern char __unchecked_scheduling_minimum[] __attribute__((weak));
HV_INLINE int hv_scheduling_minimum_unchecked(void) { return (uintptr_t)__unchecked_scheduling_minimum != 0; }
extern char __vm_table_start[], __vm_table_end[], __shared_info_start[];
HV_INLINE uintptr_t hv_shared_info_start(void) { return (uintptr_t)__shared_info_start; }
extern char __grant_stand_in[];
HV_INLINE uintptr_t hv_grant_stand_in(void) { return (uintptr_t)__grant_stand_in; }
HV_INLINE uintptr_t hv_vm_table_start(void) { return (uintptr_t)__vm_table_start; }
HV_INLINE uintptr_t hv_vm_table_end(void) { return (uintptr_t)__vm_table_end; }
extern char __percpu_start[], __percpu_end[], __secondary_stacks_start[], __secondary_stacks_end[];
HV_INLINE uintptr_t hv_percpu_start(void) { return (uintptr_t)__percpu_start; }
HV_INLINE uintptr_t hv_percpu_end(void) { return (uintptr_t)__percpu_end; }
HV_INLINE uintptr_t hv_secondary_stacks_size(void) { return (uintptr_t)(__secondary_stacks_end - __secondary_stacks_start); }
/* Boot/start.S: bit n lets secondary CPU n leave its wait (PhysicalCPUs.release). */
extern uint32_t apus_secondary_release;
HV_INLINE uintptr_t hv_secondary_release_address(void) { return (uintptr_t)&apus_secondary_release; }
/* Boot/spinlock.S: the lock and atomic primitives and their words. */
void apus_spin_lock(uint32_t *lock);
void apus_spin_unlock(uint32_t *lock);
uint32_t apus_atomic_or(uint32_t *word, uint32_t bits);
uint32_t apus_atomic_take(uint32_t *word);
extern uint32_t apus_lock_words[LOCK_COUNT];
extern uint32_t apus_mailbox_words[APUS_MAX_CPUS];
HV_INLINE uint32_t *hv_lock_word(unsigned index) { return &apus_lock_words[index % LOCK_COUNT]; }
HV_INLINE uint32_t *hv_mailbox_word(unsigned cpu) { return &apus_mailbox_words[cpu % APUS_MAX_CPUS]; }
/* Boot/start.S: 1 when the boot stub was its own secure monitor (no PSCI firmware). */
extern uint32_t apus_own_monitor;
HV_INLINE int hv_own_secure_monitor(void) { return *(volatile uint32_t *)&apus_own_monitor != 0; }
/* Boot/start.S: set by CPU 0 once the VMs exist; the secondaries then schedule. */
extern uint32_t apus_scheduling_started;
HV_INLINE uintptr_t hv_scheduling_started_address(void) { return (uintptr_t)&apus_scheduling_started; }
/* Boot/start.S: word n is CPU n's MPIDR once it is online (PhysicalCPUs). */
extern uint32_t apus_cpu_online[4];
HV_INLINE uintptr_t hv_cpu_online_address(unsigned index) { return (uintptr_t)&apus_cpu_online[index & 3]; }

#endif
