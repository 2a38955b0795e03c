/*
 * Numbers the boot stub, the vectors and the Swift hypervisor agree on, and
 * the exit statuses the test harness reads.
 */
#ifndef APUS_HYPERVISOR_ABI_H
#define APUS_HYPERVISOR_ABI_H

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

/* Physical CPUs: the most Apus starts (MPIDR.Aff0 0..3), the per-CPU record
 * slots HTPIDR points into, and each secondary's HYP stack. The linker script
 * (.percpu, .secondary_stacks) reserves APUS_MAX_CPUS slots and
 * APUS_MAX_CPUS - 1 stacks of these sizes; PhysicalCPUs checks at boot. */
#define APUS_MAX_CPUS           4
#define PERCPU_SLOT_SIZE        0x30000     /* 192 KiB: the trace ring is most of it */
#define SECONDARY_STACK_SIZE    0x10000     /* 64 KiB */

/* Spinlocks (Boot/spinlock.S, docs/SMP.md): what each one protects. */
#define LOCK_CONSOLE        0   /* the console UART: one line at a time */
#define LOCK_SHARED_TABLES  1   /* event channels, grants, the VM table's run states, the end of the run */
#define LOCK_VCPUS          2   /* the vGIC and the PSCI power states of every VM with several VCPUs */
#define LOCK_COUNT          3

/* The SGI a CPU sends another to make it read its mailbox (CrossCPU). */
#define SGI_MAILBOX         15

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
