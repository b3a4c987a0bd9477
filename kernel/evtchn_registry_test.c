// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the event-channel registry against the fake hypervisor.
 *
 * The standard domain here has 4 vCPUs; each has VIRQ_TIMER, a park IPI
 * and a reschedule IPI, vCPU 0 also VIRQ_DEBUG, and the toolstack made the
 * xenstore and console channels: 13 channels of ours, 15 in all.
 */
#include <kunit/test.h>

#include "kernel/evtchn_registry.h"
#include "hypercall/fake.h"

#define NR_VCPUS 4
#define IPI_PARK 0
#define IPI_RESCHED 1
#define ID_STORE 0
#define ID_CONSOLE 1
#define ID_SUSPEND 2
#define NR_OURS (NR_VCPUS * 3 + 1)
#define NR_ALL (NR_OURS + 2)

struct hits {
	unsigned int count;
	evtchn_port_t last_port;
};

struct ctx {
	struct pvsr_evtchn_registry reg;
	struct pvsr_error_detail d;
	/* [vcpu][0: timer, 1: park, 2: resched, 3: debug]; store, console */
	struct hits hit[NR_VCPUS][4];
	struct hits store, console;
	unsigned int bind_calls, fail_bind_at;
};

static void handler(evtchn_port_t port, void *data)
{
	struct hits *h = data;

	h->count++;
	h->last_port = port;
}

static void populate(struct kunit *test, struct ctx *c)
{
	struct pvsr_fake *f = pvsr_fake();
	unsigned int v;

	KUNIT_ASSERT_EQ(test, pvsr_fake_reset(NR_VCPUS), 0);
	pvsr_evtchn_init(&c->reg);
	for (v = 0; v < NR_VCPUS; v++) {
		KUNIT_ASSERT_GT(test,
				pvsr_evtchn_bind_virq(&c->reg, VIRQ_TIMER, v,
						      handler, &c->hit[v][0],
						      &c->d),
				0);
		KUNIT_ASSERT_GT(test,
				pvsr_evtchn_bind_ipi(&c->reg, IPI_PARK, v,
						     handler, &c->hit[v][1],
						     &c->d),
				0);
		KUNIT_ASSERT_GT(test,
				pvsr_evtchn_bind_ipi(&c->reg, IPI_RESCHED, v,
						     handler, &c->hit[v][2],
						     &c->d),
				0);
	}
	KUNIT_ASSERT_GT(test,
			pvsr_evtchn_bind_virq(&c->reg, VIRQ_DEBUG, 0, handler,
					      &c->hit[0][3], &c->d),
			0);
	KUNIT_ASSERT_EQ(test,
			pvsr_evtchn_add_start_info(&c->reg, ID_STORE,
						   f->store_port, handler,
						   &c->store, &c->d),
			0);
	KUNIT_ASSERT_EQ(test,
			pvsr_evtchn_add_start_info(&c->reg, ID_CONSOLE,
						   f->console_port, handler,
						   &c->console, &c->d),
			0);
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_count(&c->reg), (unsigned int)NR_ALL);
}

static int evtchn_init(struct kunit *test)
{
	struct ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	test->priv = c;
	populate(test, c);
	return 0;
}

static void evtchn_exit(struct kunit *test)
{
	pvsr_fake_set_hooks(NULL);
}

/* Xen's view of one registry entry agrees with its meaning. */
static void expect_bound_in_xen(struct kunit *test,
				const struct pvsr_evtchn *ch)
{
	const struct pvsr_fake_port *fp = pvsr_fake_port(ch->port);

	KUNIT_ASSERT_NOT_NULL(test, fp);
	KUNIT_EXPECT_FALSE_MSG(test, fp->masked, "port %u masked", ch->port);
	switch (ch->kind) {
	case PVSR_EVTCHN_VIRQ:
		KUNIT_EXPECT_EQ(test, fp->state, (unsigned int)EVTCHNSTAT_virq);
		KUNIT_EXPECT_EQ(test, fp->virq, ch->index);
		KUNIT_EXPECT_EQ(test, fp->vcpu, ch->vcpu);
		break;
	case PVSR_EVTCHN_IPI:
		KUNIT_EXPECT_EQ(test, fp->state, (unsigned int)EVTCHNSTAT_ipi);
		KUNIT_EXPECT_EQ(test, fp->vcpu, ch->vcpu);
		break;
	default:
		KUNIT_EXPECT_TRUE(test, fp->from_start_info);
		break;
	}
}

/* Every entry has a port, Xen agrees, and no port leaked. */
static void expect_all_bound(struct kunit *test, struct ctx *c)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count_bound(&c->reg),
			(unsigned int)NR_ALL);
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_in_use(), (unsigned int)NR_ALL);
	for (i = 0; i < PVSR_EVTCHN_MAX; i++) {
		const struct pvsr_evtchn *ch = &c->reg.entry[i];

		if (ch->kind == PVSR_EVTCHN_FREE)
			continue;
		KUNIT_EXPECT_NE(test, ch->port, (evtchn_port_t)0);
		KUNIT_EXPECT_PTR_EQ(test, pvsr_evtchn_lookup(&c->reg, ch->port),
				    ch);
		expect_bound_in_xen(test, ch);
	}
}

static void evtchn_bind_virq_binds_and_unmasks(struct kunit *test)
{
	struct ctx *c = test->priv;
	int port =
		pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_VIRQ, 2, VIRQ_TIMER);

	KUNIT_ASSERT_GT(test, port, 0);
	KUNIT_EXPECT_EQ(test, pvsr_fake_virq_port(VIRQ_TIMER, 2),
			(evtchn_port_t)port);
	KUNIT_EXPECT_FALSE(test, pvsr_fake_port(port)->masked);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_event_channel_op,
					EVTCHNOP_unmask),
			(unsigned int)NR_ALL);
	expect_all_bound(test, c);
}

static void evtchn_bind_ipi_binds_on_its_vcpu(struct kunit *test)
{
	struct ctx *c = test->priv;
	int port = pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_IPI, 3, IPI_PARK);
	const struct pvsr_evtchn *ch;

	KUNIT_ASSERT_GT(test, port, 0);
	KUNIT_EXPECT_EQ(test, pvsr_fake_port(port)->state,
			(unsigned int)EVTCHNSTAT_ipi);
	KUNIT_EXPECT_EQ(test, pvsr_fake_port(port)->vcpu, 3U);
	ch = pvsr_evtchn_lookup(&c->reg, port);
	KUNIT_ASSERT_NOT_NULL(test, ch);
	KUNIT_EXPECT_EQ(test, ch->kind, PVSR_EVTCHN_IPI);
	KUNIT_EXPECT_EQ(test, ch->vcpu, 3U);
	KUNIT_EXPECT_EQ(test, ch->index, (unsigned int)IPI_PARK);
}

static void evtchn_same_meaning_twice_is_refused(struct kunit *test)
{
	struct ctx *c = test->priv;
	unsigned int before =
		pvsr_fake_calls(__HYPERVISOR_event_channel_op, PVSR_FAKE_ANY);

	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_bind_virq(&c->reg, VIRQ_TIMER, 1, handler,
					      NULL, &c->d),
			-PVSR_E_INVAL);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_bind_ipi(&c->reg, IPI_PARK, 1, handler,
					     NULL, &c->d),
			-PVSR_E_INVAL);
	/* Refused before asking Xen. */
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_event_channel_op,
					PVSR_FAKE_ANY),
			before);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count(&c->reg), (unsigned int)NR_ALL);
}

static void evtchn_bind_refused_by_xen_reports_detail(struct kunit *test)
{
	struct ctx *c = test->priv;

	/* VIRQ_CONSOLE is global: Xen binds it on vCPU 0 only. */
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_bind_virq(&c->reg, VIRQ_CONSOLE, 1, handler,
					      NULL, &c->d),
			-PVSR_E_BIND);
	/* A first bind, not a rebind after a resume: its own code. */
	KUNIT_EXPECT_EQ(test, c->d.code, PVSR_E_BIND);
	KUNIT_EXPECT_EQ(test, c->d.step, PVSR_STEP_NONE);
	KUNIT_EXPECT_EQ(test, c->d.vcpu, 1);
	KUNIT_EXPECT_EQ(test, c->d.hypercall, __HYPERVISOR_event_channel_op);
	KUNIT_EXPECT_EQ(test, c->d.subop, EVTCHNOP_bind_virq);
	KUNIT_EXPECT_EQ(test, c->d.xen_errno, (long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count(&c->reg), (unsigned int)NR_ALL);
}

static void evtchn_unmask_failure_leaves_no_port(struct kunit *test)
{
	struct ctx *c = test->priv;

	KUNIT_ASSERT_EQ(test,
			pvsr_fake_inject(__HYPERVISOR_event_channel_op,
					 EVTCHNOP_unmask, 1, -XEN_EIO),
			0);
	KUNIT_EXPECT_EQ(
		test, pvsr_evtchn_bind_ipi(&c->reg, 7, 1, handler, NULL, &c->d),
		-PVSR_E_BIND);
	KUNIT_EXPECT_EQ(test, c->d.code, PVSR_E_BIND);
	KUNIT_EXPECT_EQ(test, c->d.subop, EVTCHNOP_unmask);
	KUNIT_EXPECT_EQ(test, c->d.xen_errno, (long)-XEN_EIO);
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_in_use(), (unsigned int)NR_ALL);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count(&c->reg), (unsigned int)NR_ALL);
}

static void evtchn_dispatch_calls_the_right_handler(struct kunit *test)
{
	struct ctx *c = test->priv;
	int timer =
		pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_VIRQ, 1, VIRQ_TIMER);
	struct pvsr_fake *f = pvsr_fake();

	KUNIT_EXPECT_EQ(test, pvsr_evtchn_dispatch(&c->reg, timer), 0);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_dispatch(&c->reg, f->store_port), 0);
	KUNIT_EXPECT_EQ(test, c->hit[1][0].count, 1U);
	KUNIT_EXPECT_EQ(test, c->hit[1][0].last_port, (evtchn_port_t)timer);
	KUNIT_EXPECT_EQ(test, c->store.count, 1U);
	KUNIT_EXPECT_EQ(
		test,
		c->hit[0][0].count + c->hit[1][1].count + c->console.count, 0U);
}

static void evtchn_dispatch_tolerates_unknown_ports(struct kunit *test)
{
	struct ctx *c = test->priv;

	KUNIT_EXPECT_EQ(test, pvsr_evtchn_dispatch(&c->reg, 0),
			-PVSR_E_NOT_FOUND);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_dispatch(&c->reg, 999),
			-PVSR_E_NOT_FOUND);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_dispatch(&c->reg, PVSR_EVTCHN_NR_PORTS),
			-PVSR_E_NOT_FOUND);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_dispatch(&c->reg, 0xffffffffU),
			-PVSR_E_NOT_FOUND);
	KUNIT_EXPECT_NULL(test, pvsr_evtchn_lookup(&c->reg, 999));
}

struct sent {
	evtchn_port_t port;
	unsigned int vcpu;
	unsigned int count;
};

static void record_send(evtchn_port_t port, unsigned int vcpu, void *data)
{
	struct sent *s = data;

	s->port = port;
	s->vcpu = vcpu;
	s->count++;
}

static void evtchn_send_ipi_reaches_its_vcpu(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct sent s = { 0 };
	struct pvsr_fake_hooks hooks = { .on_send = record_send, .data = &s };

	pvsr_fake_set_hooks(&hooks);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_send_ipi(&c->reg, IPI_PARK, 2, &c->d),
			0);
	KUNIT_EXPECT_EQ(test, s.count, 1U);
	KUNIT_EXPECT_EQ(test, s.vcpu, 2U);
	KUNIT_EXPECT_EQ(test, (int)s.port,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_IPI, 2,
					    IPI_PARK));
	KUNIT_EXPECT_TRUE(test, pvsr_fake_port(s.port)->pending);
}

static void evtchn_send_ipi_failures(struct kunit *test)
{
	struct ctx *c = test->priv;

	KUNIT_EXPECT_EQ(test, pvsr_evtchn_send_ipi(&c->reg, 9, 2, &c->d),
			-PVSR_E_NOT_FOUND);
	KUNIT_ASSERT_EQ(test,
			pvsr_fake_inject(__HYPERVISOR_event_channel_op,
					 EVTCHNOP_send, 1, -XEN_EINVAL),
			0);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_send_ipi(&c->reg, IPI_PARK, 3, &c->d),
			-PVSR_E_PARK_IPI);
	KUNIT_EXPECT_EQ(test, c->d.step, PVSR_STEP_PARK);
	KUNIT_EXPECT_EQ(test, c->d.vcpu, 3);
	KUNIT_EXPECT_EQ(test, c->d.subop, EVTCHNOP_send);
	KUNIT_EXPECT_EQ(test, (int)c->d.port,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_IPI, 3,
					    IPI_PARK));
}

static void evtchn_close_vcpu_closes_only_that_vcpu(struct kunit *test)
{
	struct ctx *c = test->priv;
	int other =
		pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_VIRQ, 1, VIRQ_TIMER);

	KUNIT_EXPECT_EQ(test, pvsr_evtchn_close_vcpu(&c->reg, 2, &c->d), 0);
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_of_vcpu(2), 0U);
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_of_vcpu(1), 3U);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count_bound(&c->reg),
			(unsigned int)NR_ALL - 3);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_IPI, 2,
					    IPI_PARK),
			-PVSR_E_NOT_FOUND);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_VIRQ, 1,
					    VIRQ_TIMER),
			other);
	/* Meaning kept: rebinding vCPU 2 restores everything. */
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_rebind_vcpu(&c->reg, 2, &c->d), 0);
	expect_all_bound(test, c);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_VIRQ, 1,
					    VIRQ_TIMER),
			other);
}

static void evtchn_close_all_keeps_start_info_channels(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct pvsr_fake *f = pvsr_fake();

	KUNIT_EXPECT_EQ(test, pvsr_evtchn_close_all(&c->reg, &c->d), 0);
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_in_use(), 2U);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count_bound(&c->reg), 2U);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count(&c->reg), (unsigned int)NR_ALL);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_START_INFO, 0,
					    ID_STORE),
			(int)f->store_port);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_event_channel_op,
					EVTCHNOP_close),
			(unsigned int)NR_OURS);
}

static void evtchn_rebind_gives_new_ports_same_meaning(struct kunit *test)
{
	struct ctx *c = test->priv;
	int old[NR_VCPUS];
	unsigned int v;

	for (v = 0; v < NR_VCPUS; v++)
		old[v] = pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_VIRQ, v,
					     VIRQ_TIMER);
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_close_all(&c->reg, &c->d), 0);
	pvsr_fake()->port_base = 200; /* Xen hands out other numbers */
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_rebind_all(&c->reg, &c->d), 0);
	expect_all_bound(test, c);
	for (v = 0; v < NR_VCPUS; v++) {
		int now = pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_VIRQ, v,
					      VIRQ_TIMER);

		KUNIT_EXPECT_GE(test, now, 200);
		KUNIT_EXPECT_EQ(test, pvsr_fake_virq_port(VIRQ_TIMER, v),
				(evtchn_port_t)now);
		KUNIT_EXPECT_EQ(test, pvsr_evtchn_dispatch(&c->reg, old[v]),
				-PVSR_E_NOT_FOUND);
		KUNIT_EXPECT_EQ(test, pvsr_evtchn_dispatch(&c->reg, now), 0);
		KUNIT_EXPECT_EQ(test, c->hit[v][0].count, 1U);
		KUNIT_EXPECT_EQ(test, c->hit[v][0].last_port,
				(evtchn_port_t)now);
	}
}

static void evtchn_real_resume_flow(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct pvsr_fake *f = pvsr_fake();
	int park3 = pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_IPI, 3, IPI_PARK);
	evtchn_port_t old_store = f->store_port;

	KUNIT_ASSERT_EQ(test, pvsr_evtchn_close_all(&c->reg, &c->d), 0);
	KUNIT_ASSERT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn), 0L);
	KUNIT_ASSERT_EQ(test, f->violations, 0U);
	/* New domain: only the toolstack's new channels exist. */
	pvsr_evtchn_forget_ports(&c->reg);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count_bound(&c->reg), 0U);
	KUNIT_EXPECT_NE(test, f->store_port, old_store);
	KUNIT_ASSERT_EQ(test,
			pvsr_evtchn_add_start_info(&c->reg, ID_STORE,
						   f->store_port, handler,
						   &c->store, &c->d),
			0);
	KUNIT_ASSERT_EQ(test,
			pvsr_evtchn_add_start_info(&c->reg, ID_CONSOLE,
						   f->console_port, handler,
						   &c->console, &c->d),
			0);
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_rebind_all(&c->reg, &c->d), 0);
	expect_all_bound(test, c);
	KUNIT_EXPECT_NE(test,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_IPI, 3,
					    IPI_PARK),
			park3);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_dispatch(&c->reg, f->store_port), 0);
	KUNIT_EXPECT_EQ(test, c->store.count, 1U);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count(&c->reg), (unsigned int)NR_ALL);
}

static void evtchn_cancelled_suspend_flow(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct pvsr_fake *f = pvsr_fake();
	evtchn_port_t store = f->store_port;

	KUNIT_ASSERT_EQ(test, pvsr_evtchn_close_all(&c->reg, &c->d), 0);
	f->suspend_result = 1;
	KUNIT_ASSERT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn), 1L);
	/* Same domain: what we did not close is still there. */
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_in_use(), 2U);
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_rebind_all(&c->reg, &c->d), 0);
	expect_all_bound(test, c);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_START_INFO, 0,
					    ID_STORE),
			(int)store);
}

/*
 * Fail the k-th EVTCHNOP_close for every k: the call reports it and
 * rebinds what it had closed, so every channel works again.
 */
static void evtchn_close_failure_at_each_port_backs_out(struct kunit *test)
{
	struct ctx *c = test->priv;
	unsigned int k;

	for (k = 1; k <= NR_OURS; k++) {
		const struct pvsr_evtchn *ch;
		evtchn_port_t failing;

		populate(test, c);
		KUNIT_ASSERT_EQ(test,
				pvsr_fake_inject(__HYPERVISOR_event_channel_op,
						 EVTCHNOP_close, k, -XEN_EBUSY),
				0);
		KUNIT_EXPECT_EQ_MSG(test, pvsr_evtchn_close_all(&c->reg, &c->d),
				    -PVSR_E_EVTCHN_CLOSE, "k=%u", k);
		KUNIT_EXPECT_EQ(test, c->d.code, PVSR_E_EVTCHN_CLOSE);
		KUNIT_EXPECT_EQ(test, c->d.step, PVSR_STEP_TEARDOWN);
		KUNIT_EXPECT_EQ(test, c->d.hypercall,
				__HYPERVISOR_event_channel_op);
		KUNIT_EXPECT_EQ(test, c->d.subop, EVTCHNOP_close);
		KUNIT_EXPECT_EQ(test, c->d.xen_errno, (long)-XEN_EBUSY);
		/* The failed close changed nothing: the port is still bound. */
		failing = c->d.port;
		ch = pvsr_evtchn_lookup(&c->reg, failing);
		KUNIT_ASSERT_NOT_NULL_MSG(test, ch, "k=%u port %u", k, failing);
		KUNIT_EXPECT_EQ(test, c->d.vcpu, (int)ch->vcpu);
		expect_all_bound(test, c);
	}
}

static long fail_kth_bind(int hypercall, int subop, unsigned int vcpu,
			  void *data)
{
	struct ctx *c = data;

	if (hypercall != __HYPERVISOR_event_channel_op ||
	    (subop != EVTCHNOP_bind_virq && subop != EVTCHNOP_bind_ipi))
		return 0;
	return ++c->bind_calls == c->fail_bind_at ? -XEN_ENOSPC : 0;
}

/*
 * Fail the k-th bind of a rebind for every k: the call reports it and
 * closes what it had bound, leaving every channel of ours closed (and
 * registered) and no port leaked in Xen.
 */
static void evtchn_rebind_failure_at_each_port_backs_out(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct pvsr_fake_hooks hooks = { .on_call = fail_kth_bind, .data = c };
	unsigned int k;

	for (k = 1; k <= NR_OURS; k++) {
		populate(test, c);
		KUNIT_ASSERT_EQ(test, pvsr_evtchn_close_all(&c->reg, &c->d), 0);
		c->bind_calls = 0;
		c->fail_bind_at = k;
		pvsr_fake_set_hooks(&hooks);
		KUNIT_EXPECT_EQ_MSG(test,
				    pvsr_evtchn_rebind_all(&c->reg, &c->d),
				    -PVSR_E_REBIND, "k=%u", k);
		pvsr_fake_set_hooks(NULL);
		KUNIT_EXPECT_EQ(test, c->d.code, PVSR_E_REBIND);
		KUNIT_EXPECT_EQ(test, c->d.step, PVSR_STEP_REBIND);
		KUNIT_EXPECT_TRUE(test,
				  c->d.subop == EVTCHNOP_bind_virq ||
					  c->d.subop == EVTCHNOP_bind_ipi);
		KUNIT_EXPECT_EQ(test, c->d.xen_errno, (long)-XEN_ENOSPC);
		KUNIT_EXPECT_GE(test, c->d.vcpu, 0);
		KUNIT_EXPECT_LT(test, c->d.vcpu, NR_VCPUS);
		KUNIT_EXPECT_EQ(test, pvsr_evtchn_count_bound(&c->reg), 2U);
		KUNIT_EXPECT_EQ(test, pvsr_fake_ports_in_use(), 2U);
		KUNIT_EXPECT_EQ(test, pvsr_evtchn_count(&c->reg),
				(unsigned int)NR_ALL);
		/* And it can be retried once Xen stops refusing. */
		KUNIT_EXPECT_EQ(test, pvsr_evtchn_rebind_all(&c->reg, &c->d),
				0);
		expect_all_bound(test, c);
	}
}

static void evtchn_rebind_unmask_failure_backs_out(struct kunit *test)
{
	struct ctx *c = test->priv;

	KUNIT_ASSERT_EQ(test, pvsr_evtchn_close_all(&c->reg, &c->d), 0);
	KUNIT_ASSERT_EQ(test,
			pvsr_fake_inject(__HYPERVISOR_event_channel_op,
					 EVTCHNOP_unmask, 5, -XEN_EIO),
			0);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_rebind_all(&c->reg, &c->d),
			-PVSR_E_REBIND);
	KUNIT_EXPECT_EQ(test, c->d.subop, EVTCHNOP_unmask);
	KUNIT_EXPECT_EQ(test, c->d.xen_errno, (long)-XEN_EIO);
	KUNIT_EXPECT_NE(test, c->d.port, (evtchn_port_t)0);
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_in_use(), 2U);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count_bound(&c->reg), 2U);
}

/*
 * The suspend event channel: a port left unbound for dom0. It stays open
 * across a cancelled suspend (the toolstack may be bound to it), and
 * after a real resume vCPU 0's rebind allocates it again, for dom0 again.
 */
static void evtchn_unbound_port_across_suspends(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct pvsr_fake *f = pvsr_fake();
	struct hits suspend = { 0 };
	int port, again;

	port = pvsr_evtchn_alloc_unbound(&c->reg, ID_SUSPEND, 0, handler,
					 &suspend, &c->d);
	KUNIT_ASSERT_GT(test, port, 0);
	KUNIT_EXPECT_EQ(test, f->port[port].state,
			(unsigned int)EVTCHNSTAT_unbound);
	KUNIT_EXPECT_EQ(test, f->port[port].remote_dom, (domid_t)0);
	KUNIT_EXPECT_FALSE(test, f->port[port].masked);
	/* Cancelled: still the same open port, nothing to tell dom0. */
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_close_all(&c->reg, &c->d), 0);
	KUNIT_EXPECT_EQ(test, f->port[port].state,
			(unsigned int)EVTCHNSTAT_unbound);
	f->suspend_result = 1;
	KUNIT_ASSERT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn), 1L);
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_rebind_all(&c->reg, &c->d), 0);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_UNBOUND, 0,
					    ID_SUSPEND),
			port);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_dispatch(&c->reg, port), 0);
	KUNIT_EXPECT_EQ(test, suspend.count, 1U);
	/* Real resume: gone with the old domain, allocated again by vCPU 0. */
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_close_all(&c->reg, &c->d), 0);
	f->suspend_result = 0;
	KUNIT_ASSERT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn), 0L);
	pvsr_evtchn_forget_ports(&c->reg);
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_rebind_vcpu(&c->reg, 1, &c->d), 0);
	KUNIT_EXPECT_LT(test,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_UNBOUND, 0,
					    ID_SUSPEND),
			0);
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_rebind_vcpu(&c->reg, 0, &c->d), 0);
	again = pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_UNBOUND, 0,
				    ID_SUSPEND);
	KUNIT_ASSERT_GT(test, again, 0);
	KUNIT_EXPECT_EQ(test, f->port[again].state,
			(unsigned int)EVTCHNSTAT_unbound);
	KUNIT_EXPECT_EQ(test, f->port[again].remote_dom, (domid_t)0);
	/* Unbinding it closes it in Xen. */
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_unbind(&c->reg, again, &c->d), 0);
	KUNIT_EXPECT_EQ(test, f->port[again].state,
			(unsigned int)EVTCHNSTAT_closed);
}

static void evtchn_rebind_vcpu_binds_only_that_vcpu(struct kunit *test)
{
	struct ctx *c = test->priv;

	KUNIT_ASSERT_EQ(test, pvsr_evtchn_close_all(&c->reg, &c->d), 0);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_rebind_vcpu(&c->reg, 1, &c->d), 0);
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_of_vcpu(1), 3U);
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_of_vcpu(3), 0U);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count_bound(&c->reg), 2U + 3U);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_rebind_vcpu(&c->reg, 64, &c->d),
			-PVSR_E_INVAL);
}

static void evtchn_unbind_forgets_the_channel(struct kunit *test)
{
	struct ctx *c = test->priv;
	int port =
		pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_IPI, 1, IPI_RESCHED);

	KUNIT_EXPECT_EQ(test, pvsr_evtchn_unbind(&c->reg, port, &c->d), 0);
	KUNIT_EXPECT_EQ(test, pvsr_fake_port(port)->state,
			(unsigned int)EVTCHNSTAT_closed);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count(&c->reg),
			(unsigned int)NR_ALL - 1);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_IPI, 1,
					    IPI_RESCHED),
			-PVSR_E_NOT_FOUND);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_unbind(&c->reg, port, &c->d),
			-PVSR_E_NOT_FOUND);
	/* A rebind does not bring it back. */
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_close_all(&c->reg, &c->d), 0);
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_rebind_all(&c->reg, &c->d), 0);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count_bound(&c->reg),
			(unsigned int)NR_ALL - 1);
}

static void evtchn_start_info_moves_and_conflicts(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct pvsr_fake *f = pvsr_fake();
	int timer0 =
		pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_VIRQ, 0, VIRQ_TIMER);
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = 0 };

	/* Another channel's port cannot become the console's. */
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_add_start_info(&c->reg, ID_CONSOLE, timer0,
						   handler, &c->console, &c->d),
			-PVSR_E_INVAL);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_add_start_info(&c->reg, ID_CONSOLE, 0,
						   handler, &c->console, &c->d),
			-PVSR_E_INVAL);
	/* Moving to a fresh port works and frees the old number. */
	KUNIT_ASSERT_EQ(test,
			pvsr_hyp_event_channel_op(EVTCHNOP_alloc_unbound, &op),
			0L);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_add_start_info(&c->reg, ID_CONSOLE, op.port,
						   handler, &c->console, &c->d),
			0);
	KUNIT_EXPECT_NULL(test, pvsr_evtchn_lookup(&c->reg, f->console_port));
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_START_INFO, 0,
					    ID_CONSOLE),
			(int)op.port);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count(&c->reg), (unsigned int)NR_ALL);
}

/*
 * Xen refusing the unmask of a toolstack channel: -PVSR_E_BIND when it is
 * new (nothing recorded), -PVSR_E_REBIND when a resume moves it.
 */
static void evtchn_start_info_first_add_vs_move(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = 0 };
	const unsigned int id_new = 5;

	KUNIT_ASSERT_EQ(test,
			pvsr_hyp_event_channel_op(EVTCHNOP_alloc_unbound, &op),
			0L);
	KUNIT_ASSERT_EQ(test,
			pvsr_fake_inject(__HYPERVISOR_event_channel_op,
					 EVTCHNOP_unmask, 1, -XEN_EIO),
			0);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_add_start_info(&c->reg, id_new, op.port,
						   handler, NULL, &c->d),
			-PVSR_E_BIND);
	KUNIT_EXPECT_EQ(test, c->d.code, PVSR_E_BIND);
	KUNIT_EXPECT_EQ(test, c->d.step, PVSR_STEP_NONE);
	KUNIT_EXPECT_EQ(test, c->d.port, (unsigned int)op.port);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count(&c->reg), (unsigned int)NR_ALL);

	/* The console moving to that port after a resume: a rebind. */
	KUNIT_ASSERT_EQ(test,
			pvsr_fake_inject(__HYPERVISOR_event_channel_op,
					 EVTCHNOP_unmask, 1, -XEN_EIO),
			0);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_add_start_info(&c->reg, ID_CONSOLE, op.port,
						   handler, &c->console, &c->d),
			-PVSR_E_REBIND);
	KUNIT_EXPECT_EQ(test, c->d.code, PVSR_E_REBIND);
	KUNIT_EXPECT_EQ(test, c->d.step, PVSR_STEP_REBIND);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count(&c->reg), (unsigned int)NR_ALL);
}

static void evtchn_rejects_bad_arguments(struct kunit *test)
{
	struct ctx *c = test->priv;

	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_bind_virq(&c->reg, NR_VIRQS, 0, handler,
					      NULL, &c->d),
			-PVSR_E_INVAL);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_bind_ipi(&c->reg, 0, PVSR_EVTCHN_MAX_VCPUS,
					     handler, NULL, &c->d),
			-PVSR_E_INVAL);
	KUNIT_EXPECT_EQ(test, c->d.code, PVSR_E_INVAL);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_port_of(&c->reg, PVSR_EVTCHN_FREE, 0, 0),
			-PVSR_E_NOT_FOUND);
}

static void evtchn_registry_full(struct kunit *test)
{
	struct ctx *c = test->priv;
	unsigned int n;

	/* A 64-vCPU domain, IPIs on every vCPU until the table is full. */
	KUNIT_ASSERT_EQ(test, pvsr_fake_reset(PVSR_FAKE_MAX_VCPUS), 0);
	pvsr_evtchn_init(&c->reg);
	for (n = 0; n < PVSR_EVTCHN_MAX; n++)
		KUNIT_ASSERT_GT_MSG(test,
				    pvsr_evtchn_bind_ipi(&c->reg, n / 64,
							 n % 64, handler, NULL,
							 &c->d),
				    0, "entry %u", n);
	KUNIT_EXPECT_EQ(test,
			pvsr_evtchn_bind_ipi(&c->reg, 999, 0, handler, NULL,
					     &c->d),
			-PVSR_E_REGISTRY_FULL);
	KUNIT_EXPECT_EQ(test, c->d.code, PVSR_E_REGISTRY_FULL);
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count(&c->reg),
			(unsigned int)PVSR_EVTCHN_MAX);
}

static struct kunit_case evtchn_cases[] = {
	KUNIT_CASE(evtchn_bind_virq_binds_and_unmasks),
	KUNIT_CASE(evtchn_bind_ipi_binds_on_its_vcpu),
	KUNIT_CASE(evtchn_same_meaning_twice_is_refused),
	KUNIT_CASE(evtchn_bind_refused_by_xen_reports_detail),
	KUNIT_CASE(evtchn_unmask_failure_leaves_no_port),
	KUNIT_CASE(evtchn_dispatch_calls_the_right_handler),
	KUNIT_CASE(evtchn_dispatch_tolerates_unknown_ports),
	KUNIT_CASE(evtchn_send_ipi_reaches_its_vcpu),
	KUNIT_CASE(evtchn_send_ipi_failures),
	KUNIT_CASE(evtchn_close_vcpu_closes_only_that_vcpu),
	KUNIT_CASE(evtchn_close_all_keeps_start_info_channels),
	KUNIT_CASE(evtchn_rebind_gives_new_ports_same_meaning),
	KUNIT_CASE(evtchn_real_resume_flow),
	KUNIT_CASE(evtchn_cancelled_suspend_flow),
	KUNIT_CASE(evtchn_close_failure_at_each_port_backs_out),
	KUNIT_CASE(evtchn_rebind_failure_at_each_port_backs_out),
	KUNIT_CASE(evtchn_rebind_unmask_failure_backs_out),
	KUNIT_CASE(evtchn_rebind_vcpu_binds_only_that_vcpu),
	KUNIT_CASE(evtchn_unbound_port_across_suspends),
	KUNIT_CASE(evtchn_unbind_forgets_the_channel),
	KUNIT_CASE(evtchn_start_info_moves_and_conflicts),
	KUNIT_CASE(evtchn_start_info_first_add_vs_move),
	KUNIT_CASE(evtchn_rejects_bad_arguments),
	KUNIT_CASE(evtchn_registry_full),
	{}
};

static struct kunit_suite evtchn_suite = {
	.name = "pvsr_evtchn",
	.init = evtchn_init,
	.exit = evtchn_exit,
	.test_cases = evtchn_cases,
};
kunit_test_suite(evtchn_suite);
