// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: pvsr_suspend() failing at each step, on the simulated guest of
 * suspend_test_guest.h. Before the hypercall every failure backs out and
 * the guest runs on as before; after it, the failure panics (on the
 * vCPU that found it) with the detail that names it.
 */
#include "kernel/suspend_test_guest.h"

/* ---- cases: failures before the hypercall back out --------------------- */

static void suspend_park_ipi_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	int port = pvsr_evtchn_port_of(&s->reg, PVSR_EVTCHN_IPI, 2, IPI_PARK);
	const struct want w = { PVSR_E_PARK_IPI,
				PVSR_STEP_PARK,
				2,
				__HYPERVISOR_event_channel_op,
				EVTCHNOP_send,
				-XEN_EIO };

	/* vCPU 1 gets its IPI; the IPI to vCPU 2 fails. */
	pvsr_fake_inject(__HYPERVISOR_event_channel_op, EVTCHNOP_send, 2,
			 -XEN_EIO);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PARK_IPI);
	sim_expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_EQ(test, s->report.error.port, (unsigned int)port);
	sim_expect_backed_out(test, s);
	/*
	 * vCPU 1 parked and was let go, or (not run yet) found the
	 * barrier released and ignored the IPI: running either way.
	 */
	KUNIT_EXPECT_TRUE(test,
			  s->report.vcpu[1].outcome == PVSR_VCPU_RESTARTED ||
				  s->report.vcpu[1].outcome ==
					  PVSR_VCPU_NEVER_PARKED);
	KUNIT_EXPECT_EQ(test, s->v[1].park_ipis, 1U);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_down), 0U);
	KUNIT_EXPECT_FALSE(test, s->report.hypercall_called);
	sim_expect_hooks_prepared_only(test, s);
}

/* A vCPU that cannot save its state: named, and the suspend backs out. */
static void suspend_park_state_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_PARK_STATE,
				PVSR_STEP_PARK,
				2,
				__HYPERVISOR_set_segment_base,
				SEGBASE_FS,
				-XEN_EINVAL };
	unsigned int v;

	pvsr_fake()->vcpu[2].read_segment_base_err = -XEN_EINVAL;
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PARK_STATE);
	sim_expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[2].outcome, PVSR_VCPU_PARK_FAILED);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_FAILED], 1U);
	KUNIT_EXPECT_FALSE(test, s->report.hypercall_called);
	sim_expect_backed_out(test, s);
	/* Nobody was taken down; everyone runs its own code again. */
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_down), 0U);
	/* The others parked and were let go, or had not run yet. */
	for (v = 1; v < 4; v++)
		KUNIT_EXPECT_EQ(test,
				s->v[v].results[PVSR_PARK_DONE] +
					s->v[v].results[PVSR_PARK_IGNORED],
				v == 2 ? 0U : 1U);
	sim_expect_hooks_prepared_only(test, s);
}

/* No park IPI bound for a vCPU: the same error, without a hypercall. */
static void suspend_park_ipi_not_bound_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_PARK_IPI, PVSR_STEP_PARK, 3, -1, -1, 0 };

	sim_unbind(test, s, PVSR_EVTCHN_IPI, 3, IPI_PARK);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PARK_IPI);
	sim_expect_detail(test, &s->report.error, &w);
	sim_expect_backed_out(test, s);
}

static void suspend_park_timeout_names_the_vcpu(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_PARK_TIMEOUT, PVSR_STEP_PARK, 2, -1, -1, 0
	};

	s->v[2].never_parks = true;
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PARK_TIMEOUT);
	sim_expect_detail(test, &s->report.error, &w);
	sim_expect_backed_out(test, s);
	/* Poked again and again, for the whole timeout. */
	KUNIT_EXPECT_GE(test, s->v[2].ipis_sent,
			(unsigned int)(PVSR_PARK_TIMEOUT_NS /
				       (PVSR_PARK_REPOKE_NS + 4 * TICK_NS)));
	KUNIT_EXPECT_GE(test, s->report.phase_ns[PVSR_PHASE_PARK],
			PVSR_PARK_TIMEOUT_NS);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[2].outcome,
			PVSR_VCPU_NEVER_PARKED);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].outcome, PVSR_VCPU_RESTARTED);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[3].outcome, PVSR_VCPU_RESTARTED);
}

/*
 * A vCPU that is inside a hypercall every time it is poked never parks:
 * the deferrals are counted, and the park times out naming it.
 */
static void suspend_endless_deferral_times_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_PARK_TIMEOUT, PVSR_STEP_PARK, 3, -1, -1, 0
	};

	s->v[3].defer_left = ~0U;
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PARK_TIMEOUT);
	sim_expect_detail(test, &s->report.error, &w);
	sim_expect_backed_out(test, s);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[3].outcome,
			PVSR_VCPU_NEVER_PARKED);
	/* Poked at the deferral pace, not the idle one, all along. */
	KUNIT_EXPECT_GT(
		test, s->report.vcpu[3].deferred,
		(unsigned int)(PVSR_PARK_TIMEOUT_NS / PVSR_PARK_REPOKE_NS));
	KUNIT_EXPECT_EQ(test, s->report.vcpu[3].deferred,
			s->v[3].results[PVSR_PARK_DEFERRED]);
	KUNIT_EXPECT_EQ(test, s->v[3].results[PVSR_PARK_DONE], 0U);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].outcome, PVSR_VCPU_RESTARTED);
}

static void suspend_vcpu_down_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_VCPU_DOWN,     PVSR_STEP_DOWN, 2,
		__HYPERVISOR_vcpu_op, VCPUOP_down,    -XEN_EBUSY
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_down, 2, -XEN_EBUSY);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_VCPU_DOWN);
	sim_expect_detail(test, &s->report.error, &w);
	sim_expect_backed_out(test, s);
	/* vCPU 1 was down: brought up again on its own context. */
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[1].nr_up, 1U);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[3].nr_down, 0U);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].outcome, PVSR_VCPU_RESTARTED);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[3].outcome, PVSR_VCPU_RESTARTED);
}

/* VCPUOP_down went through, asking whether it is down failed. */
static void suspend_vcpu_is_up_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_VCPU_DOWN,     PVSR_STEP_DOWN, 2,
		__HYPERVISOR_vcpu_op, VCPUOP_is_up,   -XEN_EFAULT
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 2, -XEN_EFAULT);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_VCPU_DOWN);
	sim_expect_detail(test, &s->report.error, &w);
	sim_expect_backed_out(test, s);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[2].nr_up, 1U);
}

static void suspend_hook_refusal_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_HOOK,  PVSR_STEP_HOOKS,
				PVSR_NO_VCPU, -1,
				-1,	      -16 };
	int a[8], b[8];
	unsigned int i;

	s->refuse_in = 'S';
	s->hook_refuses = 2; /* blkfront; netfront went down before it */
	s->hook_rc = -16;
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_HOOK);
	sim_expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_STREQ(test, s->report.error.hook, "blkfront");
	sim_expect_backed_out(test, s);
	/* netfront came back once; xenbus never went down. */
	KUNIT_ASSERT_EQ(test, sim_log_pick(s, 'H', a, b, 8), 1U);
	KUNIT_EXPECT_EQ(test, a[0], 2);
	KUNIT_EXPECT_EQ(test, b[0], (int)PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_EQ(test, sim_log_pick(s, 'S', a, NULL, 8), 2U);
	/* Every hook had prepared: every hook completes, BACKOUT. */
	KUNIT_EXPECT_EQ(test, sim_log_pick(s, 'P', a, NULL, 8), 3U);
	KUNIT_ASSERT_EQ(test, sim_log_pick(s, 'C', a, b, 8), 3U);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, a[i], (int)i);
		KUNIT_EXPECT_EQ(test, b[i], (int)PVSR_RESUME_BACKOUT);
	}
	sim_expect_hooks_in_context(test, s);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_event_channel_op,
					EVTCHNOP_close),
			0U);
	/* The vCPUs were down: each came back and rebound nothing. */
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[3].nr_up, 1U);
}

static void suspend_evtchn_close_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	/* Entries are closed in registration order: vCPU 1's timer is 3rd. */
	int port =
		pvsr_evtchn_port_of(&s->reg, PVSR_EVTCHN_VIRQ, 1, VIRQ_TIMER);
	const struct want w = {
		PVSR_E_EVTCHN_CLOSE,	       PVSR_STEP_TEARDOWN, 1,
		__HYPERVISOR_event_channel_op, EVTCHNOP_close,	   -XEN_EINVAL
	};

	pvsr_fake_inject(__HYPERVISOR_event_channel_op, EVTCHNOP_close, 3,
			 -XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_EVTCHN_CLOSE);
	sim_expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_EQ(test, s->report.error.port, (unsigned int)port);
	sim_expect_backed_out(test, s);
	sim_expect_hook_order(test, s, PVSR_RESUME_BACKOUT);
}

static void suspend_shared_info_unmap_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_PRE_SUSPEND,
				PVSR_STEP_PRE_SUSPEND,
				0,
				__HYPERVISOR_update_va_mapping,
				-1,
				-XEN_ENOMEM };

	pvsr_fake_inject(__HYPERVISOR_update_va_mapping, PVSR_FAKE_ANY, 1,
			 -XEN_ENOMEM);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PRE_SUSPEND);
	sim_expect_detail(test, &s->report.error, &w);
	sim_expect_backed_out(test, s);
	sim_expect_hook_order(test, s, PVSR_RESUME_BACKOUT);
	/* Channels were closed: every vCPU redid its own resume work. */
	KUNIT_EXPECT_EQ(test, s->v[0].resumes, 1U);
	KUNIT_EXPECT_EQ(test, s->v[0].resume_kind, PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_EQ(test, s->v[2].resumes, 1U);
	KUNIT_EXPECT_EQ(test, s->v[2].resumed_on, 2U);
}

static void suspend_hypercall_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_SUSPEND,	       PVSR_STEP_HYPERCALL, 0,
		__HYPERVISOR_sched_op, SCHEDOP_shutdown,    -XEN_EPERM
	};

	pvsr_fake_inject(__HYPERVISOR_sched_op, SCHEDOP_shutdown, 1,
			 -XEN_EPERM);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_SUSPEND);
	sim_expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_TRUE(test, s->report.hypercall_called);
	KUNIT_EXPECT_EQ(test, s->report.hypercall_ret, -XEN_EPERM);
	sim_expect_backed_out(test, s);
	sim_expect_hook_order(test, s, PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[1].nr_up, 1U);
}

/* ---- cases: failures after the hypercall panic ------------------------- */

static void suspend_vcpu_info_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want boot = {
		PVSR_E_VCPU_INFO,     PVSR_STEP_POST_SUSPEND,	 0,
		__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, -XEN_EINVAL
	};
	const struct want parked = {
		PVSR_E_VCPU_INFO,     PVSR_STEP_REBUILD,	 1,
		__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, -XEN_ENOMEM
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1,
			 -XEN_EINVAL);
	sim_expect_panic(test, s, sim_suspend(s), &boot);

	s = sim_setup(test, 4);
	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 2,
			 -XEN_ENOMEM);
	sim_expect_panic(test, s, sim_suspend(s), &parked);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[1].nr_initialise, 0U);
}

static void suspend_vcpu_initialise_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_VCPU_INIT,     PVSR_STEP_REBUILD, 2,
		__HYPERVISOR_vcpu_op, VCPUOP_initialise, -XEN_EFAULT
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 2,
			 -XEN_EFAULT);
	sim_expect_panic(test, s, sim_suspend(s), &w);
	KUNIT_EXPECT_FALSE(test, pvsr_fake()->vcpu[2].up);
	KUNIT_EXPECT_EQ(test, s->v[2].ctx_starts, 0U);
}

static void suspend_vcpu_up_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_VCPU_UP,	      PVSR_STEP_REBUILD, 3,
		__HYPERVISOR_vcpu_op, VCPUOP_up,	 -XEN_EINVAL
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_up, 3, -XEN_EINVAL);
	sim_expect_panic(test, s, sim_suspend(s), &w);
}

static void suspend_cancelled_vcpu_up_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_VCPU_UP,	      PVSR_STEP_REBUILD, 1,
		__HYPERVISOR_vcpu_op, VCPUOP_up,	 -XEN_EAGAIN
	};

	pvsr_fake()->suspend_result = 1;
	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, -XEN_EAGAIN);
	sim_expect_panic(test, s, sim_suspend(s), &w);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->nr_cancelled, 1U);
}

static void suspend_rebind_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want boot = { PVSR_E_REBIND,
				   PVSR_STEP_REBIND,
				   0,
				   __HYPERVISOR_event_channel_op,
				   EVTCHNOP_bind_virq,
				   -XEN_ENOSPC };
	const struct want parked = { PVSR_E_REBIND,
				     PVSR_STEP_REBIND,
				     1,
				     __HYPERVISOR_event_channel_op,
				     EVTCHNOP_bind_ipi,
				     -XEN_ENOSPC };

	/* vCPU 0 rebinds its own timer first. */
	pvsr_fake_inject(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, 1,
			 -XEN_ENOSPC);
	sim_expect_panic(test, s, sim_suspend(s), &boot);
	KUNIT_EXPECT_EQ(test, s->panic_vcpu, 0);

	/* vCPU 1's park IPI, rebound by vCPU 1 itself: it panics there. */
	s = sim_setup(test, 4);
	s->fail_ipi_rebind = 1 + 1;
	sim_expect_panic(test, s, sim_suspend(s), &parked);
	KUNIT_EXPECT_EQ(test, s->panic_vcpu, 1);
}

static void suspend_shared_info_map_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_SHARED_INFO,
				PVSR_STEP_POST_SUSPEND,
				0,
				__HYPERVISOR_update_va_mapping,
				-1,
				-XEN_EFAULT };

	/* The 1st update unmaps the old shared_info, the 2nd maps the new. */
	pvsr_fake_inject(__HYPERVISOR_update_va_mapping, PVSR_FAKE_ANY, 2,
			 -XEN_EFAULT);
	sim_expect_panic(test, s, sim_suspend(s), &w);
}

static void suspend_resume_timeout_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_RESUME_TIMEOUT, PVSR_STEP_REBUILD, 2, -1, -1, 0
	};

	s->v[2].hangs_on_resume = true;
	sim_expect_panic(test, s, sim_suspend(s), &w);
}

/*
 * A rebuilt context that makes pvsr_setjmp return 0 (the bug that
 * 'scripts/kunit run --break context' plants in the builder): the vCPU
 * would park again as if nothing happened; it panics on itself instead,
 * and the suspend never completes.
 */
static void suspend_rebuilt_vcpu_returning_zero_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_BAD_RESUME, PVSR_STEP_REBUILD, 2, -1, -1, 0
	};

	s->v[2].ctx_returns_zero = true;
	sim_expect_panic(test, s, sim_suspend(s), &w);
	KUNIT_EXPECT_EQ(test, s->panic_vcpu, 2);
	KUNIT_EXPECT_EQ(test, s->v[2].ctx_starts, 1U);
	KUNIT_EXPECT_EQ(test, s->v[2].resumes, 0U);
}

static struct kunit_case suspend_failure_cases[] = {
	KUNIT_CASE(suspend_park_ipi_failure_backs_out),
	KUNIT_CASE(suspend_park_state_failure_backs_out),
	KUNIT_CASE(suspend_park_ipi_not_bound_backs_out),
	KUNIT_CASE(suspend_park_timeout_names_the_vcpu),
	KUNIT_CASE(suspend_endless_deferral_times_out),
	KUNIT_CASE(suspend_vcpu_down_failure_backs_out),
	KUNIT_CASE(suspend_vcpu_is_up_failure_backs_out),
	KUNIT_CASE(suspend_hook_refusal_backs_out),
	KUNIT_CASE(suspend_evtchn_close_failure_backs_out),
	KUNIT_CASE(suspend_shared_info_unmap_failure_backs_out),
	KUNIT_CASE(suspend_hypercall_failure_backs_out),
	KUNIT_CASE(suspend_vcpu_info_failure_panics),
	KUNIT_CASE(suspend_vcpu_initialise_failure_panics),
	KUNIT_CASE(suspend_vcpu_up_failure_panics),
	KUNIT_CASE(suspend_cancelled_vcpu_up_failure_panics),
	KUNIT_CASE(suspend_rebind_failure_panics),
	KUNIT_CASE(suspend_shared_info_map_failure_panics),
	KUNIT_CASE(suspend_resume_timeout_panics),
	KUNIT_CASE(suspend_rebuilt_vcpu_returning_zero_panics),
	{}
};

static struct kunit_suite suspend_failure_suite = {
	.name = "pvsr_suspend_failure",
	.exit = sim_exit,
	.test_cases = suspend_failure_cases,
};

kunit_test_suite(suspend_failure_suite);
