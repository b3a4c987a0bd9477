// SPDX-License-Identifier: GPL-2.0
/*
 * After every resume the guest re-checks itself: each vCPU is back on
 * its own stack with its own per-CPU data, the workloads carried on with
 * no lost or duplicated sequence numbers and intact memory, timers fire
 * everywhere, time did not go backwards.
 */
#include "test-guest/resume_check.h"
#include "test-guest/resume_time.h"
#include "test-guest/resume_quick.h"
#include "test-guest/resume_check_times.h"
#include "test-guest/smp.h"
#include "test-guest/workload_check.h"
#include "test-guest/time.h"
#include "test-guest/events.h"
#include "test-guest/scenario.h"
#include "hypercall/hypercall.h"

#define PROGRESS_TIMEOUT_NS (30 * NSEC_PER_SEC)

struct resume_case {
	const char *name;
	void (*run)(struct ktap_ctx *ctx, struct resume_context *rc);
};

void resume_check_prepare(struct resume_context *rc, unsigned int cycle,
			  int expected_return)
{
	rc->cycle = cycle;
	rc->expected_return = expected_return;
	rc->time_before_ns = time_now_ns();
	rc->time_offset_before = time_offset();
	resume_time_prepare();
	workload_snapshot_all(rc->before);
	resume_park_prepare(&rc->park);
	for (unsigned int cpu = 0; cpu < guest_nr_vcpus; cpu++)
		rc->was_online[cpu] = __atomic_load_n(&guest_cpus[cpu].online,
						      __ATOMIC_ACQUIRE);
}

static void check_return(struct ktap_ctx *ctx, struct resume_context *rc)
{
	const struct pvsr_error_detail *e = &rc->report->error;

	KTAP_EXPECT(ctx, rc->rc >= 0,
		    "pvsr_suspend failed: %s (step %s, vCPU %d, Xen %ld)",
		    pvsr_strerror(-rc->rc), pvsr_step_name(e->step), e->vcpu,
		    e->xen_errno);
	KTAP_EXPECT(ctx,
		    rc->expected_return < 0 || rc->rc == rc->expected_return,
		    "suspend hypercall came back with %d, expected %d", rc->rc,
		    rc->expected_return);
}

static void check_vcpus_back(struct ktap_ctx *ctx, struct resume_context *rc)
{
	enum pvsr_vcpu_outcome want = rc->rc == 0 ? PVSR_VCPU_REBUILT :
						    PVSR_VCPU_RESTARTED;
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		long up = pvsr_hyp_vcpu_op(VCPUOP_is_up, cpu, NULL);

		KTAP_EXPECT(ctx, up == 1, "vCPU %u is_up %ld", cpu, up);
		if (cpu)
			KTAP_EXPECT(ctx, rc->report->vcpu[cpu].outcome == want,
				    "vCPU %u outcome %d, expected %d", cpu,
				    rc->report->vcpu[cpu].outcome, want);
	}
}

static void check_own_stack(struct ktap_ctx *ctx, struct resume_context *rc)
{
	/* Ticks run identity checks: stack and %gs of the vCPU itself. */
	workload_expect_progress(ctx, WORKLOAD_TICKS, rc->before,
				 PROGRESS_TIMEOUT_NS);
	workload_expect_own_identity(ctx);
}

static void check_ipi_sequence(struct ktap_ctx *ctx, struct resume_context *rc)
{
	workload_expect_progress(ctx, WORKLOAD_PINGS, rc->before,
				 PROGRESS_TIMEOUT_NS);
	workload_expect_no_errors(ctx, WORKLOAD_PINGS);
}

static void check_memory(struct ktap_ctx *ctx, struct resume_context *rc)
{
	workload_expect_progress(ctx, WORKLOAD_MEMORY, rc->before,
				 PROGRESS_TIMEOUT_NS);
	workload_expect_no_errors(ctx, WORKLOAD_MEMORY);
}

/*
 * own_stack already saw ticks since the suspend; this one asks that the
 * timers keep firing from now on, not just once after the resume.
 */
static void check_timers(struct ktap_ctx *ctx, struct resume_context *rc)
{
	static struct workload_stats now[GUEST_MAX_VCPUS];

	(void)rc;
	workload_snapshot_all(now);
	workload_expect_progress(ctx, WORKLOAD_TICKS, now, PROGRESS_TIMEOUT_NS);
}

/*
 * Per vCPU, on the raw Xen system time each tick stamps plus the guest's
 * offset (no clamp in between): guest time continued on every vCPU. A
 * tick since the resume is needed, or the stamp is the old domain's.
 */
static void check_time(struct ktap_ctx *ctx, struct resume_context *rc)
{
	static struct workload_stats now[GUEST_MAX_VCPUS];
	int64_t offset = time_offset();
	unsigned int cpu;

	workload_snapshot_all(now);
	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		int64_t before = (int64_t)rc->before[cpu].last_now +
				 rc->time_offset_before;
		int64_t after = (int64_t)now[cpu].last_now + offset;

		if (!KTAP_EXPECT(ctx, now[cpu].ticks > rc->before[cpu].ticks,
				 "vCPU %u: no tick since the suspend", cpu))
			continue;
		KTAP_EXPECT(
			ctx, after >= before,
			"vCPU %u: guest time went back %lld ns (raw %llu + offset %lld, was %llu + %lld)",
			cpu, (long long)(before - after),
			(unsigned long long)now[cpu].last_now,
			(long long)offset,
			(unsigned long long)rc->before[cpu].last_now,
			(long long)rc->time_offset_before);
	}
	KTAP_EXPECT(ctx, time_wallclock_sec() > 1000000000ULL,
		    "wall clock %llu is not a recent date",
		    (unsigned long long)time_wallclock_sec());
}

/* Offline vCPUs are not saved: they must come back down, untouched. */
/*
 * The vCPUs above the workloads' ring, as they were when the suspend
 * began (xl vcpu-set may have brought some up): an offline one stays
 * down and out of it, an online one took part and is back.
 */
static void check_offline(struct ktap_ctx *ctx, struct resume_context *rc)
{
	unsigned int cpu;

	for (cpu = guest_nr_online; cpu < guest_nr_vcpus; cpu++) {
		long up = pvsr_hyp_vcpu_op(VCPUOP_is_up, cpu, NULL);
		enum pvsr_vcpu_outcome got = rc->report->vcpu[cpu].outcome;

		if (!rc->was_online[cpu]) {
			KTAP_EXPECT(ctx, up == 0, "offline vCPU %u is_up %ld",
				    cpu, up);
			KTAP_EXPECT(ctx, got == PVSR_VCPU_NOT_INVOLVED,
				    "offline vCPU %u took part (outcome %d)",
				    cpu, got);
			continue;
		}
		KTAP_EXPECT(ctx, up == 1, "hot-plugged vCPU %u is_up %ld", cpu,
			    up);
		KTAP_EXPECT(ctx,
			    got == PVSR_VCPU_REBUILT ||
				    got == PVSR_VCPU_RESTARTED,
			    "hot-plugged vCPU %u outcome %d", cpu, got);
	}
}

static void check_phases(struct ktap_ctx *ctx, struct resume_context *rc)
{
	const struct pvsr_report *r = rc->report;
	unsigned int p;

	for (p = 0; p < PVSR_PHASE_COUNT; p++) {
		/* One vCPU has nothing to park, take down or rebuild. */
		if (guest_nr_online == 1 && p != PVSR_PHASE_HYPERCALL &&
		    p != PVSR_PHASE_TOTAL && p != PVSR_PHASE_REBIND)
			continue;
		KTAP_EXPECT(ctx, r->phase_ns[p] > 0, "phase %s took 0 ns",
			    pvsr_phase_name(p));
	}
}

static const struct resume_case resume_cases[] = {
	{ "return", check_return },
	{ "all_vcpus_back", check_vcpus_back },
	{ "own_stack", check_own_stack },
	{ "ipi_sequence", check_ipi_sequence },
	{ "memory_checksums", check_memory },
	{ "timers", check_timers },
	{ "time_monotonic", check_time },
	{ "time_hosts", check_time_hosts },
	{ "phase_timings", check_phases },
	{ "fpu_state", resume_check_fpu_state },
	{ "segment_bases", resume_check_segment_bases },
	{ "user_all_vcpus", resume_check_user_all_vcpus },
	{ "preempted_hypercall", resume_check_preempted_hypercall },
};

/* pvsr.resume_checks=quick (resume_quick.h): none of them waits. */
static const struct resume_case quick_cases[] = {
	{ "return", check_return },
	{ "all_vcpus_back", check_vcpus_back },
	{ "phase_timings", check_phases },
	{ "no_errors", resume_check_no_errors },
};

/*
 * Boot checks that must also hold after every resume (the page-table
 * policy and ring-3 isolation join this list), run again by name.
 */
static const char *const rerun_after_resume[] = {
	"pte_policy_audit",
	"pte_cas_update",
	"user_can_read_user",
	"user_cannot_read_kernel",
};

/* Quick mode: the audit waits for nothing and is what pvsr must keep. */
static const char *const quick_rerun_after_resume[] = {
	"pte_policy_audit",
};

struct check_set {
	const struct resume_case *cases;
	unsigned int nr_cases;
	const char *const *reruns;
	unsigned int nr_reruns;
};

static struct check_set check_set(void)
{
	if (resume_checks_mode() == RESUME_CHECKS_QUICK)
		return (struct check_set){ quick_cases, ARRAY_SIZE(quick_cases),
					   quick_rerun_after_resume,
					   ARRAY_SIZE(
						   quick_rerun_after_resume) };
	return (struct check_set){ resume_cases, ARRAY_SIZE(resume_cases),
				   rerun_after_resume,
				   ARRAY_SIZE(rerun_after_resume) };
}

static bool have_offline(void)
{
	return guest_nr_online < guest_nr_vcpus;
}

unsigned int resume_check_count(void)
{
	struct check_set set = check_set();

	return set.nr_cases + set.nr_reruns + have_offline() +
	       (resume_checks_mode() == RESUME_CHECKS_UNKNOWN);
}

static ktap_fn boot_check(const char *name)
{
	const struct ktap_case *c;

	for (c = pt_cases; c->name; c++)
		if (!strcmp(c->name, name))
			return c->run;
	panic("no boot check named %s to run after resume", name);
}

static bool timed_run(struct check_times *t, unsigned int cycle,
		      const char *check, ktap_fn run)
{
	uint64_t start = time_now_ns();
	char name[64];
	bool ok;

	snprintf(name, sizeof(name), "resume_%u_%s", cycle, check);
	ok = ktap_run(name, run);
	check_times_add(t, check, time_now_ns() - start);
	return ok;
}

static unsigned int rerun_boot_checks(struct check_times *t, unsigned int cycle,
				      const struct check_set *set)
{
	unsigned int i, failed = 0;

	for (i = 0; i < set->nr_reruns; i++)
		failed += !timed_run(t, cycle, set->reruns[i],
				     boot_check(set->reruns[i]));
	return failed;
}

static struct resume_context *current_rc;
static void (*current_fn)(struct ktap_ctx *, struct resume_context *);

static void trampoline(struct ktap_ctx *ctx)
{
	current_fn(ctx, current_rc);
}

unsigned int resume_check_run(struct resume_context *rc)
{
	static struct check_times times;
	struct check_set set = check_set();
	unsigned int i, failed = 0;

	_Static_assert(ARRAY_SIZE(resume_cases) + 2 +
				       ARRAY_SIZE(rerun_after_resume) <=
			       MAX_TIMED_CHECKS,
		       "every check has room for its time");
	times.n = 0;
	current_rc = rc;
	if (resume_checks_mode() == RESUME_CHECKS_UNKNOWN) {
		current_fn = resume_check_mode_known;
		failed += !timed_run(&times, rc->cycle, "checks_mode_known",
				     trampoline);
	}
	for (i = 0; i < set.nr_cases; i++) {
		current_fn = set.cases[i].run;
		failed += !timed_run(&times, rc->cycle, set.cases[i].name,
				     trampoline);
	}
	if (have_offline()) {
		current_fn = check_offline;
		failed += !timed_run(&times, rc->cycle, "offline_stay_down",
				     trampoline);
	}
	failed += rerun_boot_checks(&times, rc->cycle, &set);
	check_times_print(&times, rc->cycle);
	return failed;
}
