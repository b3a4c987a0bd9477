/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared state of the pvsr test guest: start_info, shared_info, per-vCPU
 * data, and the services (printing, panicking) every part uses.
 */
#ifndef PVSR_TEST_GUEST_GUEST_H
#define PVSR_TEST_GUEST_GUEST_H

#include "hypercall/xen_abi.h"
#include "test-guest/layout.h"
#include "test-guest/lib.h"

/* IPI kinds; each is its own event channel per vCPU. */
enum guest_ipi {
	IPI_PING, /* ping-pong workload: request from the left neighbour */
	IPI_PONG, /* ping-pong workload: answer from the right neighbour */
	IPI_PARK, /* pvsr pause barrier */
	GUEST_NR_IPIS
};

struct guest_cpu {
	struct guest_cpu *self; /* %gs:0, so this_cpu() is one load */
	unsigned int id;
	struct vcpu_info *vcpu_info;
	unsigned long stack_top;
	/* Where Xen bounces events from user mode (stack_switch). */
	unsigned long kernel_sp;
	bool online;
	/* The event upcall being handled: where it interrupted. */
	unsigned long upcall_pc;
	bool upcall_from_user;
	/* Park IPIs this vCPU took: parked (and where), or let pass. */
	unsigned long parks_done;
	unsigned long parks_deferred;
	bool parked_from_user;
	unsigned long parked_pc; /* where the last park IPI interrupted */
	/* Hotplug (hotplug.c): asked to go down; the domain it went down in. */
	bool want_down;
	unsigned long down_generation;
};

extern start_info_t *guest_start_info;
extern struct shared_info *guest_shared_info;
extern struct guest_cpu guest_cpus[GUEST_MAX_VCPUS];
extern char guest_vcpu_stacks[GUEST_MAX_VCPUS][GUEST_STACK_SIZE];
extern char guest_cmdline[MAX_GUEST_CMDLINE];

static inline struct guest_cpu *this_cpu(void)
{
	struct guest_cpu *cpu;

	asm volatile("movq %%gs:0, %0" : "=r"(cpu));
	return cpu;
}

/*
 * The calling vCPU's number, also before the per-CPU pointer is set up
 * (only vCPU 0 runs then): the console and the trap path use it early.
 */
static inline unsigned int this_cpu_id(void)
{
	return guest_cpus[0].self ? this_cpu()->id : 0;
}

/* Guest pseudo-physical frame <-> virtual address in the kernel map. */
static inline void *pfn_to_virt(unsigned long pfn)
{
	return (void *)(GUEST_VIRT_BASE + (pfn << GUEST_PAGE_SHIFT));
}

static inline unsigned long virt_to_pfn(const void *va)
{
	return ((unsigned long)va - GUEST_VIRT_BASE) >> GUEST_PAGE_SHIFT;
}

/* Machine frame -> pseudo-physical frame, through Xen's M2P table. */
static inline unsigned long mfn_to_pfn(unsigned long mfn)
{
	return machine_to_phys_mapping[mfn];
}

unsigned long pfn_to_mfn(unsigned long pfn);
unsigned long virt_to_mfn(const void *va);

/* Console output (the PV console ring). */
void console_init(void);
void console_write(const char *s, size_t len);
/* Wait (bounded) until xenconsoled has read everything. */
void console_flush(void);
void console_printf(const char *fmt, ...) __printf(1, 2);

/* An impossible state: registers, backtrace, SHUTDOWN_crash. */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

/* Value of "key=value" on the guest command line, or NULL. */
const char *cmdline_get(const char *key, size_t *len);
unsigned long cmdline_get_ulong(const char *key, unsigned long dflt);

__noreturn void guest_poweroff(void);
/* Before the console works: nothing to print with, just crash. */
__noreturn void crash_early(void);

#endif /* PVSR_TEST_GUEST_GUEST_H */
