/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to kernel/: the pause barrier between the boot vCPU and the
 * vCPUs it parks.
 */
#ifndef PVSR_KERNEL_BARRIER_H
#define PVSR_KERNEL_BARRIER_H

#include "kernel/pvsr.h"

/* Atomic accessors for the fields the vCPUs share. */
#define pvsr_load(ptr) __atomic_load_n(ptr, __ATOMIC_ACQUIRE)
#define pvsr_store(ptr, v) __atomic_store_n(ptr, v, __ATOMIC_RELEASE)

/*
 * Start a suspend's barrier: a new generation, the member set taken now
 * (online vCPUs other than the boot one) and kept until the suspend ends,
 * every member's slot reset, phase HOLD. Counts the members into
 * report->nr_vcpus (the boot vCPU included).
 */
void pvsr_barrier_begin(struct pvsr *p, struct pvsr_report *report);

/* Move this suspend's barrier to phase (RESUME, RELEASE). */
void pvsr_barrier_set_phase(struct pvsr *p, enum pvsr_barrier_phase phase);

/* vCPUs other than the boot one that take part in this suspend. */
bool pvsr_barrier_member(const struct pvsr *p, unsigned int vcpu);

/* vcpu's outcome in this suspend (NOT_INVOLVED if it wrote none yet). */
enum pvsr_vcpu_outcome pvsr_barrier_outcome(const struct pvsr *p,
					    unsigned int vcpu);

/*
 * Send park IPIs and wait (re-poking) until every member is parked.
 * Returns 0 or -PVSR_E_PARK_IPI / -PVSR_E_PARK_TIMEOUT /
 * -PVSR_E_PARK_STATE with *detail.
 */
int pvsr_barrier_park_all(struct pvsr *p, struct pvsr_report *report);

/* Wait until every member reported "resumed"; -PVSR_E_RESUME_TIMEOUT. */
int pvsr_barrier_wait_resumed(struct pvsr *p, struct pvsr_report *report);

#endif /* PVSR_KERNEL_BARRIER_H */
