/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the secondary vCPUs are doing when a suspend arrives.
 *
 * Left alone, an idle vCPU is almost always blocked in Xen when the park
 * IPI comes, which proves little. So vCPU 0 opens a window before each
 * pvsr_suspend(): every secondary acknowledges and then does its role's
 * work without blocking until the window closes after the resume:
 *
 *   odd vCPUs   spin in their ring-3 task (user_task.h): the park IPI
 *               lands in user mode, with live FPU state and FS/GS bases;
 *   even vCPUs  run mmu_update batches (hcall_batch.h) with events let in
 *               only during the hypercall: the park IPI lands inside a
 *               preempted hypercall, which pvsr must let pass; after that
 *               the vCPU waits with events on and parks on the next poke.
 *
 * Outside the window every vCPU runs its ring-3 task for a short burst
 * and the even ones a batch now and then, on every timer tick.
 */
#ifndef PVSR_TEST_GUEST_SUSPEND_WINDOW_H
#define PVSR_TEST_GUEST_SUSPEND_WINDOW_H

#include "test-guest/guest.h"

enum window_role {
	WINDOW_ROLE_NONE, /* vCPU 0: it runs the suspend */
	WINDOW_ROLE_USER,
	WINDOW_ROLE_HYPERCALL,
};

enum window_role window_role(unsigned int cpu);

/* vCPU 0 at boot: every vCPU's ring-3 task and batch L1; panics. */
void window_init(void);

/*
 * vCPU 0: open the window and wait (bounded) until every online
 * secondary works in its role. Returns how many did not acknowledge.
 */
unsigned int window_open(void);
/* The event upcall, for an event that interrupted ring 3. */
void window_event_from_user(struct guest_cpu *cpu);
void window_close(void);

/* A secondary's idle loop, once per wake-up (never from a handler). */
void window_cpu_step(void);

#endif /* PVSR_TEST_GUEST_SUSPEND_WINDOW_H */
