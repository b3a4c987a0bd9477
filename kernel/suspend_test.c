// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: pvsr_suspend() on a simulated guest whose every vCPU runs the
 * real code (suspend_test_guest.h): the ways a suspend goes through
 * (new domain, cancelled, back to back, re-pokes, deferral inside a
 * hypercall, offline vCPUs) and the requests it refuses.
 */
#include "kernel/suspend_test_guest.h"

/* ---- cases: the two ways back ------------------------------------------ */

static void suspend_new_domain_rebuilds_every_vcpu(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	struct pvsr_fake *f = pvsr_fake();
	unsigned int p, v;
	int rc;

	/* The kernel uses debug registers: they come back too. */
	s->arch.uses_debugregs = true;
	for (v = 1; v < 4; v++) {
		f->vcpu[v].debugreg[0] = DR0(v);
		f->vcpu[v].debugreg[7] = DR7_VALUE;
	}
	rc = sim_suspend(s);
	sim_expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test, s->clock_resumes, 1U);
	KUNIT_EXPECT_EQ_MSG(test, s->stale_clock_reads, 0U,
			    "clock read before vCPU 0's vcpu_info came back");
	KUNIT_EXPECT_EQ(test, f->generation, 1U);
	KUNIT_EXPECT_EQ(test, s->report.hypercall_ret, 0);
	for (p = 0; p < PVSR_PHASE_COUNT; p++)
		KUNIT_EXPECT_GT_MSG(test, s->report.phase_ns[p], 0ULL,
				    "phase %s", pvsr_phase_name(p));
	for (v = 1; v < 4; v++) {
		KUNIT_EXPECT_GT(test, s->report.vcpu[v].park_ns, 0ULL);
		KUNIT_EXPECT_GT(test, s->report.vcpu[v].resume_ns, 0ULL);
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].deferred, 0U);
		/* Xen loaded them from the rebuilt context. */
		KUNIT_EXPECT_EQ(test, f->vcpu[v].debugreg[0], DR0(v));
		KUNIT_EXPECT_EQ(test, f->vcpu[v].debugreg[7], DR7_VALUE);
	}
}

/* The phases follow each other: together they are the total. */
static void suspend_phases_add_up_to_the_total(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	uint64_t sum = 0;
	unsigned int p;

	sim_expect_new_domain(test, s, sim_suspend(s));
	for (p = 0; p < PVSR_PHASE_TOTAL; p++)
		sum += s->report.phase_ns[p];
	KUNIT_EXPECT_EQ(test, sum, s->report.phase_ns[PVSR_PHASE_TOTAL]);
}

/* The kinds the boot vCPU records, in order, leaving out repeats. */
static unsigned int boot_vcpu_kinds(const struct pvsr_trace *t,
				    enum pvsr_trace_kind *out, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < pvsr_trace_count(t); i++) {
		enum pvsr_trace_kind k = t->ev[i].kind;

		if (t->ev[i].vcpu != 0 || (n && out[n - 1] == k))
			continue;
		if (n < max)
			out[n++] = k;
	}
	return n;
}

/* With a trace attached, a suspend leaves its steps in order. */
static void suspend_trace_records_the_protocol_in_order(struct kunit *test)
{
	static const enum pvsr_trace_kind want[] = {
		PVSR_TR_BEGIN,	     PVSR_TR_PREPARED,	 PVSR_TR_PARK_SENT,
		PVSR_TR_DOWN,	     PVSR_TR_HOOKS_DOWN, PVSR_TR_CLOSED,
		PVSR_TR_PRE_SUSPEND, PVSR_TR_RETURNED,	 PVSR_TR_POST_SUSPEND,
		PVSR_TR_VCPU_UP,     PVSR_TR_RELEASED,	 PVSR_TR_END,
	};
	static struct pvsr_trace trace;
	enum pvsr_trace_kind got[32];
	struct sim *s = sim_setup(test, 4);
	unsigned int i, n, downs = 0, parked = 0, resumed = 0;

	pvsr_trace_attach(&s->p, &trace);
	sim_expect_new_domain(test, s, sim_suspend(s));
	n = boot_vcpu_kinds(&trace, got, ARRAY_SIZE(got));
	KUNIT_ASSERT_EQ(test, n, (unsigned int)ARRAY_SIZE(want));
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_STREQ(test, pvsr_trace_kind_name(got[i]),
				   pvsr_trace_kind_name(want[i]));
	for (i = 0; i < pvsr_trace_count(&trace); i++) {
		downs += trace.ev[i].kind == PVSR_TR_DOWN;
		/* The others' events, from their own threads. */
		parked += trace.ev[i].kind == PVSR_TR_PARKED &&
			  trace.ev[i].vcpu != 0;
		resumed += trace.ev[i].kind == PVSR_TR_RESUMED &&
			   trace.ev[i].vcpu != 0;
		if (i)
			KUNIT_EXPECT_GE(test, trace.ev[i].ns,
					trace.ev[i - 1].ns);
	}
	KUNIT_EXPECT_EQ(test, downs, 3U);
	KUNIT_EXPECT_EQ(test, parked, 3U);
	KUNIT_EXPECT_EQ(test, resumed, 3U);
	KUNIT_EXPECT_EQ(test, pvsr_trace_dropped(&trace), 0U);
	pvsr_trace_attach(&s->p, NULL);
}

/* vCPUs >= 32 have no shared_info slot: vcpu_info before initialise. */
static void suspend_new_domain_above_32_vcpus(struct kunit *test)
{
	struct sim *s = sim_setup(test, 36);
	int rc = sim_suspend(s);

	sim_expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op,
					VCPUOP_register_vcpu_info),
			36U * 2);
}

static void suspend_cancelled_restarts_same_contexts(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	struct pvsr_fake *f = pvsr_fake();
	evtchn_port_t store = f->store_port, console = f->console_port;
	unsigned int v, infos;
	int rc;

	f->suspend_result = 1;
	infos = pvsr_fake_calls(__HYPERVISOR_vcpu_op,
				VCPUOP_register_vcpu_info);
	rc = sim_suspend(s);
	sim_expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, 1);
	KUNIT_EXPECT_EQ(test, s->report.kind, PVSR_RESUME_CANCELLED);
	KUNIT_EXPECT_EQ(test, s->clock_resumes, 0U);
	sim_expect_clean_hypercall(test, s);
	sim_expect_finished(test, s);
	sim_expect_hook_order(test, s, PVSR_RESUME_CANCELLED);
	KUNIT_EXPECT_EQ(test, f->nr_cancelled, 1U);
	KUNIT_EXPECT_EQ(test, f->generation, 0U);
	/* Same domain: no VCPUOP_initialise, no second registration. */
	KUNIT_EXPECT_EQ(
		test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_initialise),
		0U);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op,
					VCPUOP_register_vcpu_info),
			infos);
	for (v = 1; v < 4; v++) {
		KUNIT_EXPECT_EQ(test, f->vcpu[v].nr_up, 1U);
		KUNIT_EXPECT_EQ(test, f->vcpu[v].nr_down, 1U);
		/* It went on spinning on its old context, then left. */
		KUNIT_EXPECT_EQ(test, s->v[v].ctx_starts, 0U);
		KUNIT_EXPECT_EQ(test, s->v[v].resume_kind,
				PVSR_RESUME_CANCELLED);
		KUNIT_EXPECT_EQ(test, s->v[v].resumed_on, v);
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].outcome,
				PVSR_VCPU_RESTARTED);
		sim_expect_vcpu_as_it_was(test, s, v);
	}
	KUNIT_EXPECT_EQ(test, s->v[0].resume_kind, PVSR_RESUME_CANCELLED);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 4U);
	/* The toolstack's channels were never closed. */
	KUNIT_EXPECT_EQ(test, f->store_port, store);
	KUNIT_EXPECT_EQ(test, f->console_port, console);
	KUNIT_EXPECT_TRUE(test, f->shared_info_mapped);
	sim_expect_frames_are_mfns(test);
}

/* A guest suspends again in the domain it was restored into. */
static void suspend_twice_new_domain_then_cancel(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	int rc;

	rc = sim_suspend(s);
	sim_expect_new_domain(test, s, rc);
	pvsr_fake()->suspend_result = 1;
	s->at.seen = false;
	s->nr_log = 0;
	rc = sim_suspend(s);
	sim_expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, 1);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->nr_suspends, 2U);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->violations, 0U);
	KUNIT_EXPECT_TRUE(test, s->at.seen);
	KUNIT_EXPECT_EQ(test, s->at.vcpus_up, 1U);
	KUNIT_EXPECT_EQ(test, s->at.store_frame, (uint64_t)STORE_PFN);
	sim_expect_finished(test, s);
	sim_expect_hook_order(test, s, PVSR_RESUME_CANCELLED);
	sim_expect_frames_are_mfns(test);
	KUNIT_EXPECT_EQ(test, s->p.generation, 2U);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_DONE], 2U);
	sim_expect_vcpu_as_it_was(test, s, 2);
}

/*
 * Suspends back to back: vCPUs 2 and 3 are still on their way out of one
 * suspend's release (they have not run since it) when the next one
 * begins. They must leave it and park in the new one, not hold it up
 * until the park times out.
 */
static void suspend_back_to_back_with_vcpus_still_leaving(struct kunit *test)
{
	static const long results[] = { 0, 1, 0, 1 };
	struct sim *s = sim_setup(test, 4);
	struct pvsr_fake *f = pvsr_fake();
	unsigned int k, v;
	int rc;

	s->v[2].hold_after_resume = true;
	s->v[3].hold_after_resume = true;
	for (k = 0; k < ARRAY_SIZE(results); k++) {
		if (k) {
			/* Still inside the last suspend's park, not left. */
			KUNIT_ASSERT_TRUE(test, s->v[2].in_park);
			KUNIT_ASSERT_TRUE(test, s->v[3].in_park);
			KUNIT_ASSERT_EQ(test, s->v[2].results[PVSR_PARK_DONE],
					k - 1);
			WRITE_ONCE(s->release_holds, true);
		}
		f->suspend_result = results[k];
		rc = sim_suspend(s);
		sim_expect_no_panic(test, s);
		KUNIT_EXPECT_EQ_MSG(test, rc, (int)results[k],
				    "suspend %u: %s (vCPU %d)", k,
				    pvsr_strerror(s->report.error.code),
				    s->report.error.vcpu);
		KUNIT_EXPECT_EQ(test, s->report.kind,
				results[k] ? PVSR_RESUME_CANCELLED :
					     PVSR_RESUME_NEW_DOMAIN);
		for (v = 1; v < 4; v++)
			KUNIT_EXPECT_EQ_MSG(test, s->report.vcpu[v].outcome,
					    results[k] ? PVSR_VCPU_RESTARTED :
							 PVSR_VCPU_REBUILT,
					    "suspend %u vCPU %u", k, v);
		KUNIT_EXPECT_EQ(test, f->nr_suspends, k + 1);
	}
	WRITE_ONCE(s->release_holds, true);
	for (v = 2; v < 4; v++)
		WRITE_ONCE(s->v[v].holding, false);
	sim_expect_finished(test, s);
	KUNIT_EXPECT_EQ(test, s->p.generation, 4U);
	for (v = 1; v < 4; v++) {
		KUNIT_EXPECT_EQ(test, s->v[v].results[PVSR_PARK_DONE], 4U);
		KUNIT_EXPECT_EQ(test, s->v[v].results[PVSR_PARK_FAILED], 0U);
		KUNIT_EXPECT_EQ(test, s->v[v].ctx_starts, 2U);
		sim_expect_vcpu_as_it_was(test, s, v);
	}
}

/* An idle vCPU that missed its IPI is poked again until it parks. */
static void suspend_repokes_a_vcpu_that_missed_the_ipi(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	int rc;

	s->v[2].deaf_ipis = 2;
	rc = sim_suspend(s);
	sim_expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test, s->v[2].ipis_sent, 3U);
	KUNIT_EXPECT_EQ(test, s->v[2].park_ipis, 3U);
	KUNIT_EXPECT_EQ(test, s->v[1].ipis_sent, 1U);
	KUNIT_EXPECT_GE(test, s->report.vcpu[2].park_ns,
			2 * PVSR_PARK_REPOKE_NS);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[2].deferred, 0U);
}

/*
 * A park IPI that lands on the syscall of a hypercall stub (Xen preempted
 * a hypercall there) is let pass and counted; the boot vCPU pokes again
 * at the deferral pace until it lands elsewhere. Elsewhere in the page
 * is no hypercall in flight.
 */
static void suspend_defers_a_park_inside_a_hypercall(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	int rc;

	s->v[2].defer_left = 3;
	s->v[3].pc = PC_STUB_START;
	rc = sim_suspend(s);
	sim_expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[2].deferred, 3U);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_DEFERRED], 3U);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_DONE], 1U);
	KUNIT_EXPECT_EQ(test, s->v[2].ipis_sent, 4U);
	/* Re-poked well before the idle re-poke would have come. */
	KUNIT_EXPECT_LT(test, s->report.vcpu[2].park_ns, PVSR_PARK_REPOKE_NS);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[3].deferred, 0U);
	KUNIT_EXPECT_EQ(test, s->v[3].results[PVSR_PARK_DEFERRED], 0U);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].deferred, 0U);
}

/* Only online vCPUs take part; an offline one is left alone. */
static void suspend_leaves_offline_vcpus_alone(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	struct pvsr_fake *f = pvsr_fake();
	unsigned int v;
	int rc;

	/* Unplugged earlier: down in Xen, its channels gone. */
	s->v[3].online = false;
	f->vcpu[3].up = false;
	sim_unbind(test, s, PVSR_EVTCHN_VIRQ, 3, VIRQ_TIMER);
	sim_unbind(test, s, PVSR_EVTCHN_IPI, 3, IPI_PARK);
	rc = sim_suspend(s);
	sim_expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, 0);
	KUNIT_EXPECT_EQ(test, s->report.nr_vcpus, 3U);
	KUNIT_EXPECT_EQ(test, s->v[3].ipis_sent, 0U);
	KUNIT_EXPECT_EQ(test, f->vcpu[3].nr_down, 0U);
	KUNIT_EXPECT_EQ(test, f->vcpu[3].nr_initialise, 0U);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[3].outcome,
			PVSR_VCPU_NOT_INVOLVED);
	for (v = 1; v < 3; v++)
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].outcome,
				PVSR_VCPU_REBUILT);
	sim_expect_finished(test, s);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 3U);
}

/*
 * Who takes part is fixed when the suspend begins: a vCPU the kernel
 * stops calling online halfway (here in a quiesced hook) was parked and
 * taken down with the others, and must come back with them.
 */
static void suspend_members_are_fixed_when_it_begins(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	struct pvsr_fake *f = pvsr_fake();
	int rc;

	s->offline_in_suspend = 2;
	rc = sim_suspend(s);
	sim_expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, 0);
	KUNIT_EXPECT_EQ(test, s->report.nr_vcpus, 4U);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[2].outcome, PVSR_VCPU_REBUILT);
	KUNIT_EXPECT_TRUE(test, sim_settle(s));
	KUNIT_EXPECT_TRUE(test, f->vcpu[2].up);
	KUNIT_EXPECT_EQ(test, f->vcpu[2].nr_initialise, 1U);
	KUNIT_EXPECT_FALSE(test, s->v[2].in_park);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_DONE], 1U);
	sim_expect_vcpu_as_it_was(test, s, 2);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 4U);
	KUNIT_EXPECT_EQ(test, f->violations, 0U);
}

/* The real handler ignores park IPIs on vCPU 0 and outside a suspend. */
static void suspend_spurious_park_ipi_is_ignored(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	unsigned int state = s->slots[2].state;

	KUNIT_EXPECT_EQ(test, sim_poke_and_wait(test, s, 2), PVSR_PARK_IGNORED);
	KUNIT_EXPECT_EQ(test, s->slots[2].state, state);
	KUNIT_EXPECT_EQ(test, pvsr_park_this_vcpu(&s->p, 0), PVSR_PARK_IGNORED);
	KUNIT_EXPECT_FALSE(test, pvsr_busy(&s->p));
	sim_expect_new_domain(test, s, sim_suspend(s));
	/* After the release, a late IPI does not park the vCPU again. */
	state = s->slots[2].state;
	KUNIT_EXPECT_EQ(test, sim_poke_and_wait(test, s, 2), PVSR_PARK_IGNORED);
	KUNIT_EXPECT_EQ(test, s->slots[2].state, state);
	KUNIT_EXPECT_EQ(test, pvsr_barrier_outcome(&s->p, 2),
			PVSR_VCPU_REBUILT);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_IGNORED], 2U);
}

/* ---- cases: refused requests ------------------------------------------- */

static void suspend_off_the_boot_vcpu_is_refused(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	unsigned int calls =
		pvsr_fake_calls(__HYPERVISOR_vcpu_op, PVSR_FAKE_ANY) +
		pvsr_fake_calls(__HYPERVISOR_event_channel_op, PVSR_FAKE_ANY);
	const struct want w = {
		PVSR_E_NOT_BOOT_VCPU, PVSR_STEP_REQUEST, 2, -1, -1, 0
	};
	int rc;

	/* A caller's report may be stack garbage: it is always filled. */
	memset(&s->report, 0xa5, sizeof(s->report));
	pvsr_fake_set_current(2);
	rc = sim_suspend(s);
	pvsr_fake_set_current(0);
	sim_expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, -PVSR_E_NOT_BOOT_VCPU);
	sim_expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_NULL(test, s->report.error.hook);
	KUNIT_EXPECT_EQ(test, s->report.error.port, 0U);
	KUNIT_EXPECT_FALSE(test, s->report.hypercall_called);
	KUNIT_EXPECT_EQ(test, s->report.kind, PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].outcome,
			PVSR_VCPU_NOT_INVOLVED);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].deferred, 0U);
	KUNIT_EXPECT_EQ(test, s->report.phase_ns[PVSR_PHASE_TOTAL], 0ULL);
	KUNIT_EXPECT_FALSE(test, pvsr_busy(&s->p));
	KUNIT_EXPECT_EQ(test, s->p.barrier, (unsigned int)PVSR_BARRIER_IDLE);
	KUNIT_EXPECT_EQ(test, s->nr_log, 0U);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op, PVSR_FAKE_ANY) +
				pvsr_fake_calls(__HYPERVISOR_event_channel_op,
						PVSR_FAKE_ANY),
			calls);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 4U);
}

/* A suspend hook that asks for another suspend: refused, busy. */
static void suspend_while_busy_is_refused(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_BUSY,  PVSR_STEP_REQUEST,
				PVSR_NO_VCPU, -1,
				-1,	      0 };
	int rc;

	s->nested_suspend = true;
	memset(&s->nested_report, 0xa5, sizeof(s->nested_report));
	rc = sim_suspend(s);
	sim_expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test, s->nested_rc, -PVSR_E_BUSY);
	sim_expect_detail(test, &s->nested_report.error, &w);
	KUNIT_EXPECT_NULL(test, s->nested_report.error.hook);
	KUNIT_EXPECT_FALSE(test, s->nested_report.hypercall_called);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->nr_suspends, 1U);
}

/*
 * A hook's events-on phase refuses: nothing was quiesced, so nothing is
 * undone but the hooks that had prepared (completed with BACKOUT), and
 * the next suspend works.
 */
static void suspend_prepare_refusal_parks_nothing(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_HOOK,  PVSR_STEP_PREPARE,
				PVSR_NO_VCPU, -1,
				-1,	      -16 };
	int a[8], b[8];
	unsigned int v;

	s->refuse_in = 'P';
	s->hook_refuses = 2; /* blkfront; netfront prepared before it */
	s->hook_rc = -16;
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_HOOK);
	sim_expect_no_panic(test, s);
	sim_expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_STREQ(test, s->report.error.hook, "blkfront");
	KUNIT_EXPECT_FALSE(test, s->report.hypercall_called);
	KUNIT_EXPECT_EQ(test, s->report.kind, PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_FALSE(test, pvsr_busy(&s->p));
	/* No barrier, no IPI, no vCPU touched. */
	KUNIT_EXPECT_EQ(test, s->p.barrier, (unsigned int)PVSR_BARRIER_IDLE);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_event_channel_op,
					EVTCHNOP_send),
			0U);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_down), 0U);
	KUNIT_EXPECT_FALSE(test, s->v[0].masked);
	for (v = 1; v < 4; v++) {
		KUNIT_EXPECT_EQ(test, s->v[v].park_ipis, 0U);
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].outcome,
				PVSR_VCPU_NOT_INVOLVED);
	}
	/* netfront prepared and completes; xenbus never prepared. */
	KUNIT_EXPECT_EQ(test, sim_log_pick(s, 'P', a, NULL, 8), 2U);
	KUNIT_EXPECT_EQ(test, sim_log_pick(s, 'S', a, NULL, 8), 0U);
	KUNIT_ASSERT_EQ(test, sim_log_pick(s, 'C', a, b, 8), 1U);
	KUNIT_EXPECT_EQ(test, a[0], 2);
	KUNIT_EXPECT_EQ(test, b[0], (int)PVSR_RESUME_BACKOUT);
	sim_expect_hooks_in_context(test, s);
	sim_expect_hooks_balanced(test, s);
	sim_expect_channels_bound(test, s);

	/* It left nothing behind: the next suspend goes through. */
	s->refuse_in = 0;
	s->nr_log = 0;
	sim_expect_new_domain(test, s, sim_suspend(s));
}

static struct kunit_case suspend_cases[] = {
	KUNIT_CASE(suspend_new_domain_rebuilds_every_vcpu),
	KUNIT_CASE(suspend_phases_add_up_to_the_total),
	KUNIT_CASE(suspend_new_domain_above_32_vcpus),
	KUNIT_CASE(suspend_trace_records_the_protocol_in_order),
	KUNIT_CASE(suspend_cancelled_restarts_same_contexts),
	KUNIT_CASE(suspend_twice_new_domain_then_cancel),
	KUNIT_CASE(suspend_back_to_back_with_vcpus_still_leaving),
	KUNIT_CASE(suspend_repokes_a_vcpu_that_missed_the_ipi),
	KUNIT_CASE(suspend_defers_a_park_inside_a_hypercall),
	KUNIT_CASE(suspend_leaves_offline_vcpus_alone),
	KUNIT_CASE(suspend_members_are_fixed_when_it_begins),
	KUNIT_CASE(suspend_spurious_park_ipi_is_ignored),
	KUNIT_CASE(suspend_off_the_boot_vcpu_is_refused),
	KUNIT_CASE(suspend_while_busy_is_refused),
	KUNIT_CASE(suspend_prepare_refusal_parks_nothing),
	{}
};

static struct kunit_suite suspend_suite = {
	.name = "pvsr_suspend",
	.exit = sim_exit,
	.test_cases = suspend_cases,
};

kunit_test_suite(suspend_suite);
