// SPDX-License-Identifier: GPL-2.0
/*
 * The window around each suspend (see suspend_window.h).
 */
#include "test-guest/suspend_window.h"
#include "test-guest/user_task.h"
#include "test-guest/user.h"
#include "test-guest/hcall_batch.h"
#include "test-guest/smp.h"
#include "test-guest/events.h"
#include "test-guest/time.h"
#include "hypercall/hypercall.h"

#define ACK_TIMEOUT_NS (5 * NSEC_PER_SEC)
/*
 * Outside the window: 1 ms in ring 3 every tenth wake-up (about 1% of a
 * vCPU), a batch every fiftieth. Under nested TCG dozens of vCPUs spinning
 * more than that starve dom0; the window is where the checks that matter
 * for a suspend happen.
 */
#define BURST_NS (1 * NSEC_PER_MSEC)
#define BURST_EVERY_STEPS 10
#define BATCH_EVERY_STEPS 50

static unsigned int window_gen;
static bool window_is_open;
static unsigned int window_acked[GUEST_MAX_VCPUS];
static unsigned long steps[GUEST_MAX_VCPUS];
/* In the window's ring-3 run (not a burst from before the window). */
static bool in_user_run[GUEST_MAX_VCPUS];

enum window_role window_role(unsigned int cpu)
{
	if (cpu == 0)
		return WINDOW_ROLE_NONE;
	return cpu % 2 ? WINDOW_ROLE_USER : WINDOW_ROLE_HYPERCALL;
}

void window_init(void)
{
	unsigned int cpu;
	long rc = user_task_init();

	if (!rc)
		rc = utask_init();
	if (rc)
		panic("setting up the ring-3 tasks failed: %ld", rc);
	for (cpu = 1; cpu < guest_nr_vcpus; cpu++) {
		if (window_role(cpu) != WINDOW_ROLE_HYPERCALL)
			continue;
		rc = hcall_batch_init(cpu);
		if (rc)
			panic("setting up vCPU %u's mmu_update batches failed: %ld",
			      cpu, rc);
	}
}

static bool is_open(void)
{
	return __atomic_load_n(&window_is_open, __ATOMIC_ACQUIRE);
}

static unsigned int unacked(unsigned int gen)
{
	unsigned int cpu, n = 0;

	for (cpu = 1; cpu < guest_nr_online; cpu++)
		n += __atomic_load_n(&window_acked[cpu], __ATOMIC_ACQUIRE) !=
		     gen;
	return n;
}

unsigned int window_open(void)
{
	uint64_t deadline = time_now_ns() + ACK_TIMEOUT_NS;
	unsigned int gen = window_gen + 1, left;

	utask_arm_all();
	window_gen = gen;
	__atomic_store_n(&window_is_open, true, __ATOMIC_RELEASE);
	while ((left = unacked(gen)) && time_now_ns() < deadline)
		time_delay_ns(NSEC_PER_MSEC);
	return left;
}

void window_close(void)
{
	__atomic_store_n(&window_is_open, false, __ATOMIC_RELEASE);
	utask_stop_all();
}

static void ack(struct guest_cpu *cpu)
{
	__atomic_store_n(&window_acked[cpu->id], window_gen, __ATOMIC_RELEASE);
}

/*
 * Batches until a park IPI was let pass inside one (or this vCPU
 * parked, if pvsr let it park there), then wait with events on.
 */
static void hypercall_role(struct guest_cpu *cpu)
{
	unsigned long done =
		__atomic_load_n(&cpu->parks_done, __ATOMIC_ACQUIRE);
	unsigned long deferred =
		__atomic_load_n(&cpu->parks_deferred, __ATOMIC_ACQUIRE);

	events_disable_local();
	/* From here a park IPI can only come in inside a batch, or after it. */
	ack(cpu);
	while (is_open() &&
	       __atomic_load_n(&cpu->parks_done, __ATOMIC_ACQUIRE) == done &&
	       __atomic_load_n(&cpu->parks_deferred, __ATOMIC_ACQUIRE) ==
		       deferred)
		hcall_batch_run(true);
	while (is_open()) {
		events_disable_local();
		pvsr_hyp_sched_block();
	}
	events_enable_local();
}

/*
 * A ring-3 vCPU says it is at work from the first event it takes in ring
 * 3: acknowledged before user_enter(), a park IPI could still find it in
 * the kernel on its way there (a busy host preempts it in between).
 */
void window_event_from_user(struct guest_cpu *cpu)
{
	if (cpu->id < guest_nr_online &&
	    __atomic_load_n(&in_user_run[cpu->id], __ATOMIC_ACQUIRE) &&
	    is_open())
		ack(cpu);
}

static void in_window(struct guest_cpu *cpu)
{
	if (window_role(cpu->id) == WINDOW_ROLE_USER) {
		__atomic_store_n(&in_user_run[cpu->id], true, __ATOMIC_RELEASE);
		utask_run(0, true);
		__atomic_store_n(&in_user_run[cpu->id], false,
				 __ATOMIC_RELEASE);
	} else if (window_role(cpu->id) == WINDOW_ROLE_HYPERCALL)
		hypercall_role(cpu);
	else
		ack(cpu);
}

void window_cpu_step(void)
{
	struct guest_cpu *cpu = this_cpu();

	if (cpu->id >= guest_nr_online)
		return; /* brought up late: not in the ring of workloads */
	if (is_open()) {
		in_window(cpu);
		return;
	}
	steps[cpu->id]++;
	if (steps[cpu->id] % BURST_EVERY_STEPS == 0)
		utask_run(BURST_NS, false);
	if (window_role(cpu->id) == WINDOW_ROLE_HYPERCALL &&
	    steps[cpu->id] % BATCH_EVERY_STEPS == 0) {
		events_disable_local();
		hcall_batch_run(false);
		events_enable_local();
	}
}
