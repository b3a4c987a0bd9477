/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to kernel/: the pause barrier between the boot vCPU and the
 * vCPUs it parks.
 */
#ifndef PVSR_KERNEL_BARRIER_H
#define PVSR_KERNEL_BARRIER_H

#include "kernel/pvsr.h"

/* Atomic accessors for the fields the vCPUs share. */
static inline int pvsr_load(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void pvsr_store(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* vCPUs other than the boot one that take part in this suspend. */
bool pvsr_barrier_member(const struct pvsr *p, unsigned int vcpu);

/*
 * Send park IPIs and wait (re-poking) until every member is parked.
 * Returns 0 or -PVSR_E_PARK_IPI / -PVSR_E_PARK_TIMEOUT with *detail.
 */
int pvsr_barrier_park_all(struct pvsr *p, struct pvsr_report *report);

/* Wait until every member reported "resumed"; -PVSR_E_RESUME_TIMEOUT. */
int pvsr_barrier_wait_resumed(struct pvsr *p, struct pvsr_report *report);

#endif /* PVSR_KERNEL_BARRIER_H */
