// SPDX-License-Identifier: GPL-2.0
/*
 * pvsr on real Xen without the toolstack: a suspend whose subsystem hook
 * refuses must back out completely (every vCPU parked, taken down and
 * brought back, every channel still bound, the workloads carrying on).
 */
#include "test-guest/suspend.h"
#include "test-guest/scenario.h"
#include "test-guest/smp.h"
#include "test-guest/events.h"
#include "test-guest/workload_check.h"
#include "test-guest/time.h"
#include "hypercall/hypercall.h"

#define REFUSAL 42

static bool refuse_armed;

static int refusing_suspend(void *data)
{
	(void)data;
	return __atomic_load_n(&refuse_armed, __ATOMIC_RELAXED) ? REFUSAL : 0;
}

static const struct pvsr_hook refusing_hook = {
	.name = "selftest-refuse",
	.suspend = refusing_suspend,
};

static void expect_all_running(struct ktap_ctx *ctx)
{
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		long up = pvsr_hyp_vcpu_op(VCPUOP_is_up, cpu, NULL);

		KTAP_EXPECT(ctx, up == 1, "vCPU %u is_up %ld after back-out",
			    cpu, up);
	}
	KTAP_EXPECT(ctx,
		    pvsr_evtchn_count_bound(&guest_evtchns) ==
			    pvsr_evtchn_count(&guest_evtchns),
		    "%u of %u channels bound after back-out",
		    pvsr_evtchn_count_bound(&guest_evtchns),
		    pvsr_evtchn_count(&guest_evtchns));
}

/* The workloads carry on after the back-out, with nothing lost. */
static void expect_ticks_resume(struct ktap_ctx *ctx)
{
	static struct workload_stats before[GUEST_MAX_VCPUS];

	workload_snapshot_all(before);
	workload_expect_progress(ctx, WORKLOAD_TICKS, before,
				 20 * NSEC_PER_SEC);
	workload_expect_no_errors(ctx, WORKLOAD_PINGS);
}

static void suspend_backout_hook(struct ktap_ctx *ctx)
{
	static struct pvsr_report report;
	static bool registered;
	unsigned int cpu;
	int rc;

	if (!registered) {
		rc = pvsr_hook_register(&guest_pvsr, &refusing_hook);
		KTAP_EXPECT(ctx, rc == 0, "hook registration: %d", rc);
		registered = true;
	}
	refuse_armed = true;
	rc = pvsr_suspend(&guest_pvsr, &report);
	refuse_armed = false;
	guest_print_report(0, rc, &report);
	KTAP_EXPECT(ctx, rc == -PVSR_E_HOOK, "pvsr_suspend returned %d (%s)",
		    rc, pvsr_strerror(-rc));
	KTAP_EXPECT(ctx,
		    report.error.hook &&
			    !strcmp(report.error.hook, "selftest-refuse"),
		    "detail names hook %s",
		    report.error.hook ? report.error.hook : "(none)");
	KTAP_EXPECT(ctx, report.error.xen_errno == REFUSAL,
		    "detail carries %ld, the hook returned %d",
		    report.error.xen_errno, REFUSAL);
	KTAP_EXPECT(ctx, report.error.step == PVSR_STEP_HOOKS, "step %s",
		    pvsr_step_name(report.error.step));
	for (cpu = 1; cpu < guest_nr_online; cpu++)
		KTAP_EXPECT(ctx,
			    report.vcpu[cpu].outcome == PVSR_VCPU_RESTARTED,
			    "vCPU %u outcome %d", cpu,
			    report.vcpu[cpu].outcome);
	KTAP_EXPECT(ctx, !pvsr_busy(&guest_pvsr), "pvsr still busy");
	expect_all_running(ctx);
	expect_ticks_resume(ctx);
}

static void suspend_refuses_second_request(struct ktap_ctx *ctx)
{
	struct pvsr_report report;
	int rc;

	/* Pretend a suspend is running: the busy flag is what counts. */
	__atomic_store_n(&guest_pvsr.busy, 1, __ATOMIC_SEQ_CST);
	rc = pvsr_suspend(&guest_pvsr, &report);
	__atomic_store_n(&guest_pvsr.busy, 0, __ATOMIC_SEQ_CST);
	KTAP_EXPECT(ctx, rc == -PVSR_E_BUSY, "second suspend returned %d", rc);
	KTAP_EXPECT(ctx, report.error.code == PVSR_E_BUSY, "detail code %d",
		    report.error.code);
}

const struct ktap_case suspend_cases[] = {
	{ "suspend_backout_hook", suspend_backout_hook },
	{ "suspend_refuses_second_request", suspend_refuses_second_request },
	{ NULL, NULL }
};
