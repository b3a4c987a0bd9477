/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU bring-up and per-vCPU setup of the test guest.
 */
#ifndef PVSR_TEST_GUEST_SMP_H
#define PVSR_TEST_GUEST_SMP_H

#include "test-guest/guest.h"
#include "arch/x86/context.h"

/* vCPUs the domain has, and those brought up at boot (the first ones). */
extern unsigned int guest_nr_vcpus;
extern unsigned int guest_nr_online;

/* vCPU 0, at boot: vcpu_info placement, GDT. */
void smp_boot_cpu_init(void);
/*
 * Bring up vCPUs 1..guest_nr_online-1 through the context builder; the
 * rest (pvsr.offline=N on the command line) stay down, as offline vCPUs.
 */
void smp_bring_up_all(void);
/* Bring up one down, uninitialised vCPU; panics on failure. */
void smp_bring_up(unsigned int cpu);
/* How many vCPUs are online right now (vCPU 0 included). */
unsigned int smp_online_count(void);

/* Registers cpu's vcpu_info in our own page (cpu is self or down). */
long smp_register_vcpu_info(unsigned int cpu);
/*
 * The calling vCPU's kernel stack for events from user mode: stack_switch,
 * remembered so that a rebuilt context gets the current one.
 */
long cpu_set_kernel_stack(unsigned long sp);
/* What the context builder needs for cpu, with this domain's MFNs. */
void smp_arch_state(unsigned int cpu, struct pvsr_vcpu_arch_state *st);

/* Per-vCPU setup run by each vCPU on itself, at boot and after resume. */
void cpu_local_setup(void);
/* The endless loop of a secondary vCPU: handle events, run workloads. */
__noreturn void cpu_idle_loop(void);

#endif /* PVSR_TEST_GUEST_SMP_H */
