// SPDX-License-Identifier: GPL-2.0
/*
 * The park-contract checks (see resume_park.h). Each waits, bounded, for
 * the workload it judges to run again after the resume, so that a vCPU
 * that never ran its task again cannot pass by saying nothing.
 */
#include "test-guest/resume_park.h"
#include "arch/x86/park.h"
#include "test-guest/resume_check.h"
#include "test-guest/suspend_window.h"
#include "test-guest/smp.h"
#include "test-guest/time.h"

#define PROGRESS_TIMEOUT_NS (30 * NSEC_PER_SEC)

void resume_park_prepare(struct park_snapshot *before)
{
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		before->parks_done[cpu] = __atomic_load_n(
			&guest_cpus[cpu].parks_done, __ATOMIC_ACQUIRE);
		utask_snapshot(cpu, &before->task[cpu]);
		hcall_batch_snapshot(cpu, &before->batch[cpu]);
	}
}

/* A per-vCPU counter of the workload a check waits for. */
typedef uint64_t (*progress_fn)(unsigned int cpu);

/*
 * Wait (bounded) until every secondary vCPU (with only_batchers, every one
 * that runs batches) advanced past where it was when the wait began; the
 * first laggard, or -1.
 */
static int wait_secondaries(progress_fn progress, bool only_batchers)
{
	static uint64_t start[GUEST_MAX_VCPUS];
	uint64_t deadline = time_now_ns() + PROGRESS_TIMEOUT_NS;
	unsigned int cpu;
	int laggard;

	for (cpu = 1; cpu < guest_nr_online; cpu++)
		start[cpu] = progress(cpu);
	do {
		laggard = -1;
		for (cpu = 1; cpu < guest_nr_online && laggard < 0; cpu++)
			if ((!only_batchers ||
			     window_role(cpu) == WINDOW_ROLE_HYPERCALL) &&
			    progress(cpu) <= start[cpu])
				laggard = cpu;
		if (laggard >= 0)
			time_delay_ns(10 * NSEC_PER_MSEC);
	} while (laggard >= 0 && time_now_ns() < deadline);
	return laggard;
}

static uint64_t task_runs(unsigned int cpu)
{
	struct utask_stats s;

	utask_snapshot(cpu, &s);
	return s.runs;
}

static uint64_t batches(unsigned int cpu)
{
	struct hcall_batch_stats s;

	hcall_batch_snapshot(cpu, &s);
	return s.batches;
}

/* Every vCPU ran its ring-3 task again, from now on; vCPU 0 does here. */
static bool tasks_ran_again(struct ktap_ctx *ctx)
{
	int laggard;

	utask_run(NSEC_PER_MSEC, false);
	laggard = wait_secondaries(task_runs, false);
	return KTAP_EXPECT(ctx, laggard < 0,
			   "vCPU %d did not run its ring-3 task again",
			   laggard);
}

static void diag_task(unsigned int cpu, const struct utask_stats *s)
{
	ktap_diag(
		"vCPU %u task: runs %llu rounds %llu fpu %llu segment %llu other %llu kstack %llu detail %#lx",
		cpu, (unsigned long long)s->runs, (unsigned long long)s->rounds,
		(unsigned long long)s->fpu_errors,
		(unsigned long long)s->segment_errors,
		(unsigned long long)s->other_faults,
		(unsigned long long)s->kstack_errors, s->last_detail);
}

/* After the tasks ran again: no vCPU's task counted errors of one kind. */
static void expect_task_clean(struct ktap_ctx *ctx, bool fpu, const char *what)
{
	struct utask_stats s;
	unsigned int cpu;

	tasks_ran_again(ctx);
	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		utask_snapshot(cpu, &s);
		if (!KTAP_EXPECT(ctx,
				 (fpu ? s.fpu_errors : s.segment_errors) == 0,
				 "vCPU %u: %s", cpu, what))
			diag_task(cpu, &s);
	}
}

void resume_check_fpu_state(struct ktap_ctx *ctx, struct resume_context *rc)
{
	(void)rc;
	expect_task_clean(ctx, true, "x87/SSE state not as its task left it");
}

void resume_check_segment_bases(struct ktap_ctx *ctx, struct resume_context *rc)
{
	(void)rc;
	expect_task_clean(ctx, false, "FS or user GS base lost");
}

/* Odd secondaries were in ring 3 when the park IPI came, and carried on. */
void resume_check_user_all_vcpus(struct ktap_ctx *ctx,
				 struct resume_context *rc)
{
	const struct park_snapshot *before = &rc->park;
	struct utask_stats s;
	unsigned int cpu;

	KTAP_EXPECT(ctx, rc->window_unacked == 0,
		    "%u vCPUs never started their work before the suspend",
		    rc->window_unacked);
	tasks_ran_again(ctx);
	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		const struct guest_cpu *c = &guest_cpus[cpu];

		utask_snapshot(cpu, &s);
		KTAP_EXPECT(
			ctx, s.kstack_errors == 0 && s.other_faults == 0,
			"vCPU %u: %llu events off the task stack, %llu stray faults",
			cpu, (unsigned long long)s.kstack_errors,
			(unsigned long long)s.other_faults);
		KTAP_EXPECT(
			ctx, s.rounds > before->task[cpu].rounds,
			"vCPU %u: its task checked nothing since the suspend",
			cpu);
		if (window_role(cpu) != WINDOW_ROLE_USER)
			continue;
		KTAP_EXPECT(
			ctx,
			c->parks_done > before->parks_done[cpu] &&
				c->parked_from_user,
			"vCPU %u was not parked in user mode (parks %lu -> %lu, user %d)",
			cpu, before->parks_done[cpu], c->parks_done,
			c->parked_from_user);
	}
}

static bool batches_ran_again(struct ktap_ctx *ctx)
{
	int laggard = wait_secondaries(batches, true);

	return KTAP_EXPECT(ctx, laggard < 0,
			   "vCPU %d ran no mmu_update batch after the resume",
			   laggard);
}

void resume_park_expect_running(struct ktap_ctx *ctx)
{
	tasks_ran_again(ctx);
	batches_ran_again(ctx);
}

/*
 * Even secondaries were inside an mmu_update batch when the park IPI came:
 * pvsr must have let it pass (deferred), and every batch, that one
 * included, did what it asked: each entry maps the frame it named, by
 * this domain's P2M (a batch re-issued in a new domain with the old
 * domain's MFNs does not).
 */
/*
 * A batcher's park IPI either came in inside a preempted batch, which it
 * let pass, or at the batch's end, after Xen finished it (the pc right
 * after the syscall): it must never have parked on the syscall itself.
 */
static void expect_deferred_or_outside(struct ktap_ctx *ctx,
				       const struct resume_context *rc,
				       unsigned int cpu)
{
	const struct guest_cpu *c = &guest_cpus[cpu];

	if (rc->report->vcpu[cpu].deferred > 0)
		return;
	KTAP_EXPECT(
		ctx, !pvsr_arch_in_preempted_hypercall(c->parked_pc),
		"vCPU %u parked inside a preempted hypercall (pc %#lx) without letting the IPI pass",
		cpu, c->parked_pc);
	ktap_diag(
		"vCPU %u: its park IPI came in outside a batch's hypercall (pc %#lx)",
		cpu, c->parked_pc);
}

void resume_check_preempted_hypercall(struct ktap_ctx *ctx,
				      struct resume_context *rc)
{
	struct hcall_batch_stats s;
	unsigned int cpu, batchers = 0;

	for (cpu = 1; cpu < guest_nr_online; cpu++) {
		if (window_role(cpu) != WINDOW_ROLE_HYPERCALL)
			continue;
		batchers++;
		expect_deferred_or_outside(ctx, rc, cpu);
	}
	if (!batchers)
		ktap_diag("no secondary runs batches with %u vCPUs online",
			  guest_nr_online);
	batches_ran_again(ctx);
	for (cpu = 1; cpu < guest_nr_online; cpu++) {
		hcall_batch_snapshot(cpu, &s);
		/*
		 * Returning in a later domain is fine when the vCPU parked
		 * after Xen finished the batch (the upcall comes right after
		 * the syscall); a batch Xen re-issued in the new domain with
		 * old MFNs shows up as wrong entries or a refusal below.
		 */
		if (s.held_off)
			ktap_diag(
				"vCPU %u: %llu upcalls held off between unmask and syscall",
				cpu, (unsigned long long)s.held_off);
		if (s.straddles)
			ktap_diag(
				"vCPU %u: %llu batches returned in a later domain",
				cpu, (unsigned long long)s.straddles);
		KTAP_EXPECT(
			ctx, s.errors == 0,
			"vCPU %u: %llu of %llu batches failed (last rc %ld, %u done)",
			cpu, (unsigned long long)s.errors,
			(unsigned long long)s.batches, s.last_rc, s.last_done);
	}
}
