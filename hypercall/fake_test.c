// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the fake hypervisor itself. Its ABI rules are what the other
 * suites lean on, so each one must really fire, with Xen's error.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>

#include "hypercall/fake.h"

#define NR_VCPUS 4

static struct vcpu_guest_context *new_ctx(struct kunit *test)
{
	/* 5 KiB: too big for a kernel stack. */
	struct vcpu_guest_context *ctx =
		kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	return ctx;
}

static int fake_init(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, pvsr_fake_reset(NR_VCPUS), 0);
	return 0;
}

static void fake_exit(struct kunit *test)
{
	pvsr_fake_set_hooks(NULL);
}

static long bind_virq(unsigned int virq, unsigned int vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu };
	long rc = pvsr_hyp_event_channel_op(EVTCHNOP_bind_virq, &op);

	if (port)
		*port = op.port;
	return rc;
}

static long bind_ipi(unsigned int vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu };
	long rc = pvsr_hyp_event_channel_op(EVTCHNOP_bind_ipi, &op);

	if (port)
		*port = op.port;
	return rc;
}

static long close_port(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };

	return pvsr_hyp_event_channel_op(EVTCHNOP_close, &op);
}

static long register_info(unsigned int vcpu, uint32_t offset)
{
	struct vcpu_register_vcpu_info info = { .mfn = 0x777,
						.offset = offset };

	return pvsr_hyp_vcpu_op(VCPUOP_register_vcpu_info, vcpu, &info);
}

static void fake_reset_builds_a_fresh_domain(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	unsigned int v;

	KUNIT_EXPECT_EQ(test, f->nr_vcpus, (unsigned int)NR_VCPUS);
	KUNIT_EXPECT_TRUE(test, f->vcpu[0].initialised && f->vcpu[0].up);
	for (v = 1; v < NR_VCPUS; v++)
		KUNIT_EXPECT_FALSE(test,
				   f->vcpu[v].initialised || f->vcpu[v].up);
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_in_use(), 2U);
	KUNIT_EXPECT_TRUE(test, pvsr_fake_port(f->store_port)->from_start_info);
	KUNIT_EXPECT_TRUE(test,
			  pvsr_fake_port(f->console_port)->from_start_info);
	KUNIT_EXPECT_FALSE(test, f->shared_info_mapped);
	KUNIT_EXPECT_EQ(test, f->suspend_result, 0L);
	KUNIT_EXPECT_EQ(test, f->violations, 0U);
	KUNIT_EXPECT_EQ(test, f->current_vcpu, 0U);
}

static void fake_reset_rejects_bad_vcpu_counts(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pvsr_fake_reset(0), -XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, pvsr_fake_reset(PVSR_FAKE_MAX_VCPUS + 1),
			-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, pvsr_fake_reset(PVSR_FAKE_MAX_VCPUS), 0);
}

static void fake_initialise_twice_is_eexist(struct kunit *test)
{
	struct vcpu_guest_context *ctx = new_ctx(test);

	ctx->user_regs.rip = 0xabc;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 1, ctx), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[1].ctx.user_regs.rip, 0xabcUL);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 1, ctx),
			(long)-XEN_EEXIST);
	/* vCPU 0 runs: Xen initialised it. */
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 0, ctx),
			(long)-XEN_EEXIST);
}

static void fake_initialise_above_31_needs_vcpu_info(struct kunit *test)
{
	struct vcpu_guest_context *ctx = new_ctx(test);

	KUNIT_ASSERT_EQ(test, pvsr_fake_reset(40), 0);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 31, ctx), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 32, ctx),
			(long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, register_info(32, 0), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 32, ctx), 0L);
}

static void record_vcpu(unsigned int vcpu, void *data)
{
	*(unsigned int *)data = vcpu + 100;
}

static void fake_up_needs_initialise(struct kunit *test)
{
	struct vcpu_guest_context *ctx = new_ctx(test);
	unsigned int seen = 0;
	struct pvsr_fake_hooks hooks = { .on_vcpu_up = record_vcpu,
					 .data = &seen };

	pvsr_fake_set_hooks(&hooks);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_up, 2, NULL),
			(long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, seen, 0U);
	KUNIT_ASSERT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 2, ctx), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_is_up, 2, NULL), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_up, 2, NULL), 0L);
	KUNIT_EXPECT_EQ(test, seen, 102U);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_is_up, 2, NULL), 1L);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 2U);
}

static void fake_register_vcpu_info_rules(struct kunit *test)
{
	pvsr_fake_bring_up(1);
	/* Not on another vCPU that is running. */
	KUNIT_EXPECT_EQ(test, register_info(1, 0), (long)-XEN_EINVAL);
	/* On yourself, once. */
	KUNIT_EXPECT_EQ(test, register_info(0, 64), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[0].vcpu_info_offset, 64U);
	KUNIT_EXPECT_EQ(test, register_info(0, 128), (long)-XEN_EINVAL);
	/* On a vCPU that is down. */
	KUNIT_EXPECT_EQ(test, register_info(2, 0), 0L);
	/* Not past the end of the page. */
	KUNIT_EXPECT_EQ(test, register_info(3, 4090), (long)-XEN_EINVAL);
	/* The running vCPU 1 may register its own. */
	pvsr_fake_set_current(1);
	KUNIT_EXPECT_EQ(test, register_info(1, 0), 0L);
}

static void fake_down_last_vcpu_shuts_domain_down(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();

	pvsr_fake_bring_up(1);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_down, 1, NULL), 0L);
	KUNIT_EXPECT_FALSE(test, f->shut_down);
	KUNIT_EXPECT_EQ(test, f->vcpu[1].nr_down, 1U);
	/* Downing a vCPU that is down is harmless. */
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_down, 1, NULL), 0L);
	KUNIT_EXPECT_FALSE(test, f->shut_down);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_down, 0, NULL), 0L);
	KUNIT_EXPECT_TRUE(test, f->shut_down);
	KUNIT_EXPECT_EQ(test, f->shutdown_reason,
			(unsigned int)SHUTDOWN_poweroff);
	KUNIT_EXPECT_TRUE(test, f->violations & PVSR_FAKE_V_LAST_VCPU_DOWN);
}

static void fake_unknown_vcpu_is_enoent(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_up, NR_VCPUS, NULL),
			(long)-XEN_ENOENT);
	KUNIT_EXPECT_EQ(test, bind_ipi(NR_VCPUS, NULL), (long)-XEN_ENOENT);
	KUNIT_EXPECT_EQ(test, bind_virq(VIRQ_TIMER, NR_VCPUS, NULL),
			(long)-XEN_ENOENT);
}

static void fake_bind_virq_twice_is_eexist(struct kunit *test)
{
	evtchn_port_t p1, p2;

	KUNIT_ASSERT_EQ(test, bind_virq(VIRQ_TIMER, 1, &p1), 0L);
	KUNIT_EXPECT_EQ(test, bind_virq(VIRQ_TIMER, 1, NULL),
			(long)-XEN_EEXIST);
	KUNIT_EXPECT_EQ(test, bind_virq(VIRQ_TIMER, 2, &p2), 0L);
	KUNIT_EXPECT_NE(test, p1, p2);
	KUNIT_EXPECT_EQ(test, pvsr_fake_virq_port(VIRQ_TIMER, 1), p1);
	/* Global VIRQs bind on vCPU 0 only; no VIRQ past NR_VIRQS. */
	KUNIT_EXPECT_EQ(test, bind_virq(VIRQ_CONSOLE, 1, NULL),
			(long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, bind_virq(VIRQ_CONSOLE, 0, NULL), 0L);
	KUNIT_EXPECT_EQ(test, bind_virq(NR_VIRQS, 0, NULL), (long)-XEN_EINVAL);
	/* After a close, the VIRQ is free again. */
	KUNIT_EXPECT_EQ(test, close_port(p1), 0L);
	KUNIT_EXPECT_EQ(test, bind_virq(VIRQ_TIMER, 1, NULL), 0L);
}

static void fake_close_unbound_port_is_einval(struct kunit *test)
{
	evtchn_port_t p;

	KUNIT_ASSERT_EQ(test, bind_ipi(1, &p), 0L);
	KUNIT_EXPECT_EQ(test, close_port(p), 0L);
	KUNIT_EXPECT_EQ(test, close_port(p), (long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, close_port(0), (long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, close_port(500), (long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, close_port(PVSR_FAKE_MAX_PORTS),
			(long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, pvsr_fake_port(p)->state,
			(unsigned int)EVTCHNSTAT_closed);
}

static void fake_ports_start_masked(struct kunit *test)
{
	struct evtchn_unmask op;
	evtchn_port_t p;

	KUNIT_ASSERT_EQ(test, bind_ipi(0, &p), 0L);
	KUNIT_EXPECT_TRUE(test, pvsr_fake_port(p)->masked);
	op.port = p;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_event_channel_op(EVTCHNOP_unmask, &op),
			0L);
	KUNIT_EXPECT_FALSE(test, pvsr_fake_port(p)->masked);
	op.port = 0;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_event_channel_op(EVTCHNOP_unmask, &op),
			(long)-XEN_EINVAL);
}

struct sent {
	evtchn_port_t port;
	unsigned int vcpu;
};

static void record_send(evtchn_port_t port, unsigned int vcpu, void *data)
{
	struct sent *s = data;

	s->port = port;
	s->vcpu = vcpu;
}

static void fake_send_ipi_sets_pending_and_calls_hook(struct kunit *test)
{
	struct sent s = { 0, 0 };
	struct pvsr_fake_hooks hooks = { .on_send = record_send, .data = &s };
	struct evtchn_send op;
	evtchn_port_t ipi, virq;

	KUNIT_ASSERT_EQ(test, bind_ipi(3, &ipi), 0L);
	KUNIT_ASSERT_EQ(test, bind_virq(VIRQ_TIMER, 0, &virq), 0L);
	pvsr_fake_set_hooks(&hooks);
	op.port = ipi;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_event_channel_op(EVTCHNOP_send, &op),
			0L);
	KUNIT_EXPECT_EQ(test, s.port, ipi);
	KUNIT_EXPECT_EQ(test, s.vcpu, 3U);
	KUNIT_EXPECT_TRUE(test, pvsr_fake_port(ipi)->pending);
	KUNIT_EXPECT_EQ(test, pvsr_fake_port(ipi)->sends, 1U);
	/* Nobody sends on a VIRQ port. */
	op.port = virq;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_event_channel_op(EVTCHNOP_send, &op),
			(long)-XEN_EINVAL);
}

static void fake_bind_vcpu_rules(struct kunit *test)
{
	struct evtchn_bind_vcpu op;
	evtchn_port_t ipi, timer, cons;

	KUNIT_ASSERT_EQ(test, bind_ipi(1, &ipi), 0L);
	KUNIT_ASSERT_EQ(test, bind_virq(VIRQ_TIMER, 1, &timer), 0L);
	KUNIT_ASSERT_EQ(test, bind_virq(VIRQ_CONSOLE, 0, &cons), 0L);
	op.vcpu = 2;
	op.port = ipi;
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_event_channel_op(EVTCHNOP_bind_vcpu, &op),
			(long)-XEN_EINVAL);
	op.port = timer;
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_event_channel_op(EVTCHNOP_bind_vcpu, &op),
			(long)-XEN_EINVAL);
	op.port = cons;
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_event_channel_op(EVTCHNOP_bind_vcpu, &op), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_fake_port(cons)->vcpu, 2U);
}

static void fake_ports_run_out(struct kunit *test)
{
	pvsr_fake()->max_ports = 5; /* ports 1-4; 1 and 2 are taken */
	KUNIT_EXPECT_EQ(test, bind_ipi(0, NULL), 0L);
	KUNIT_EXPECT_EQ(test, bind_ipi(0, NULL), 0L);
	KUNIT_EXPECT_EQ(test, bind_ipi(0, NULL), (long)-XEN_ENOSPC);
}

static void fake_suspend_with_other_vcpu_up_is_violation(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	evtchn_port_t p;

	KUNIT_ASSERT_EQ(test, bind_ipi(2, &p), 0L);
	pvsr_fake_bring_up(2);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn),
			(long)-XEN_EBUSY);
	KUNIT_EXPECT_TRUE(test, f->violations & PVSR_FAKE_V_SUSPEND_OTHERS_UP);
	/* Refused: nothing happened to the domain. */
	KUNIT_EXPECT_EQ(test, f->generation, 0U);
	KUNIT_EXPECT_EQ(test, f->nr_suspends, 0U);
	KUNIT_EXPECT_EQ(test, pvsr_fake_port(p)->state,
			(unsigned int)EVTCHNSTAT_ipi);
	KUNIT_EXPECT_TRUE(test, f->vcpu[2].up);
}

static void fake_suspend_off_vcpu0_is_violation(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();

	pvsr_fake_bring_up(1);
	pvsr_fake_set_current(1);
	KUNIT_EXPECT_LT(test, pvsr_hyp_sched_suspend(f->start_info_mfn), 0L);
	KUNIT_EXPECT_TRUE(test, f->violations & PVSR_FAKE_V_SUSPEND_NOT_VCPU0);
	KUNIT_EXPECT_EQ(test, f->generation, 0U);
}

static void fake_suspend_wrong_mfn_is_violation(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();

	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn + 1),
			(long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, f->violations,
			(unsigned int)PVSR_FAKE_V_SUSPEND_BAD_MFN);
	KUNIT_EXPECT_EQ(test, f->generation, 0U);
}

static void fake_shared_info_mapping_is_tracked(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	uint64_t pte = (f->shared_info_mfn << 12) | 3; /* present, RW */

	KUNIT_EXPECT_EQ(test, pvsr_hyp_update_va_mapping(0x5000, pte, 0), 0L);
	KUNIT_EXPECT_TRUE(test, f->shared_info_mapped);
	KUNIT_EXPECT_EQ(test, f->shared_info_va, 0x5000UL);
	/* Suspending with it mapped is recorded, but Xen goes ahead. */
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn), 0L);
	KUNIT_EXPECT_TRUE(test,
			  f->violations & PVSR_FAKE_V_SUSPEND_SHINFO_MAPPED);
	KUNIT_EXPECT_FALSE(test, f->shared_info_mapped);
	/* Unmapping: a non-present entry at the same address. */
	pte = (f->shared_info_mfn << 12) | 3;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_update_va_mapping(0x6000, pte, 0), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_update_va_mapping(0x6000, 0, 0), 0L);
	KUNIT_EXPECT_FALSE(test, f->shared_info_mapped);
}

static void fake_suspend_new_domain_forgets_everything(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	struct vcpu_guest_context *ctx = new_ctx(test);
	uint64_t old_shinfo = f->shared_info_mfn, old_si = f->start_info_mfn;
	evtchn_port_t old_store = f->store_port;

	KUNIT_ASSERT_EQ(test, register_info(0, 0), 0L);
	KUNIT_ASSERT_EQ(test, register_info(2, 0), 0L);
	KUNIT_ASSERT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 2, ctx), 0L);
	KUNIT_ASSERT_EQ(test, bind_virq(VIRQ_TIMER, 0, NULL), 0L);
	KUNIT_ASSERT_EQ(test, bind_ipi(2, NULL), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_suspend(old_si), 0L);
	KUNIT_EXPECT_EQ(test, f->violations, 0U);
	KUNIT_EXPECT_EQ(test, f->generation, 1U);
	/* Only the toolstack's new channels, at new ports. */
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_in_use(), 2U);
	KUNIT_EXPECT_NE(test, f->store_port, old_store);
	KUNIT_EXPECT_EQ(test, pvsr_fake_virq_port(VIRQ_TIMER, 0),
			(evtchn_port_t)0);
	/* vCPU 2 is down and uninitialised; registrations are gone. */
	KUNIT_EXPECT_FALSE(test, f->vcpu[2].initialised);
	KUNIT_EXPECT_FALSE(test, f->vcpu[0].vcpu_info_registered);
	KUNIT_EXPECT_FALSE(test, f->vcpu[2].vcpu_info_registered);
	KUNIT_EXPECT_TRUE(test, f->vcpu[0].up);
	KUNIT_EXPECT_NE(test, f->shared_info_mfn, old_shinfo);
	KUNIT_EXPECT_NE(test, f->start_info_mfn, old_si);
	/* So registering again works, and so does initialising vCPU 2. */
	KUNIT_EXPECT_EQ(test, register_info(0, 0), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 2, ctx), 0L);
	KUNIT_EXPECT_EQ(test, bind_virq(VIRQ_TIMER, 0, NULL), 0L);
}

static void fake_suspend_cancelled_keeps_everything(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	struct vcpu_guest_context *ctx = new_ctx(test);
	evtchn_port_t timer;

	KUNIT_ASSERT_EQ(test, register_info(2, 0), 0L);
	KUNIT_ASSERT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 2, ctx), 0L);
	KUNIT_ASSERT_EQ(test, bind_virq(VIRQ_TIMER, 0, &timer), 0L);
	f->suspend_result = 1;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn), 1L);
	KUNIT_EXPECT_EQ(test, f->nr_cancelled, 1U);
	KUNIT_EXPECT_EQ(test, f->generation, 0U);
	KUNIT_EXPECT_EQ(test, pvsr_fake_virq_port(VIRQ_TIMER, 0), timer);
	KUNIT_EXPECT_TRUE(test, f->vcpu[2].initialised);
	/* Same domain: VCPUOP_initialise again is the classic mistake. */
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 2, ctx),
			(long)-XEN_EEXIST);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_up, 2, NULL), 0L);
	KUNIT_EXPECT_EQ(test, register_info(2, 0), (long)-XEN_EINVAL);
}

static void fake_suspend_error_result_keeps_state(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();

	f->suspend_result = -XEN_EIO;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn),
			(long)-XEN_EIO);
	KUNIT_EXPECT_EQ(test, f->generation, 0U);
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_in_use(), 2U);
}

static void fake_two_resumes_in_a_row(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	evtchn_port_t first, second;

	KUNIT_ASSERT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn), 0L);
	first = f->store_port;
	KUNIT_ASSERT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn), 0L);
	second = f->store_port;
	KUNIT_EXPECT_EQ(test, f->generation, 2U);
	KUNIT_EXPECT_NE(test, first, second);
	KUNIT_EXPECT_EQ(test, f->nr_suspends, 2U);
	KUNIT_EXPECT_EQ(test, f->violations, 0U);
}

static void count_suspend(long result, void *data)
{
	*(long *)data = result + 10;
}

static void fake_suspend_hook_sees_the_result(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	long seen = 0;
	struct pvsr_fake_hooks hooks = { .on_suspend = count_suspend,
					 .data = &seen };

	pvsr_fake_set_hooks(&hooks);
	f->suspend_result = 1;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn), 1L);
	KUNIT_EXPECT_EQ(test, seen, 11L);
}

static void fake_shutdown_suspend_without_mfn_is_violation(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();

	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_shutdown(SHUTDOWN_suspend),
			(long)-XEN_EINVAL);
	KUNIT_EXPECT_TRUE(test, f->violations & PVSR_FAKE_V_SUSPEND_NO_MFN);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_shutdown(SHUTDOWN_reboot), 0L);
	KUNIT_EXPECT_TRUE(test, f->shut_down);
	KUNIT_EXPECT_EQ(test, f->shutdown_reason,
			(unsigned int)SHUTDOWN_reboot);
	pvsr_hyp_sched_yield();
	KUNIT_EXPECT_TRUE(test,
			  f->violations & PVSR_FAKE_V_CALL_AFTER_SHUTDOWN);
}

static void fake_inject_fails_nth_call_only(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	unsigned int v;

	for (v = 1; v < NR_VCPUS; v++)
		pvsr_fake_bring_up(v);
	/* Calls before arming do not count. */
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_is_up, 1, NULL), 1L);
	KUNIT_ASSERT_EQ(test,
			pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_down, 2,
					 -XEN_EBUSY),
			0);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_down, 1, NULL), 0L);
	/* Other subops are not counted... */
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_is_up, 2, NULL), 1L);
	/* ...the 2nd VCPUOP_down fails and changes nothing... */
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_down, 2, NULL),
			(long)-XEN_EBUSY);
	KUNIT_EXPECT_TRUE(test, f->vcpu[2].up);
	/* ...and only once. */
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_down, 2, NULL), 0L);
	KUNIT_EXPECT_FALSE(test, f->vcpu[2].up);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_down), 3U);
}

static void fake_inject_n_fails_consecutive_calls(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test,
			pvsr_fake_inject_n(__HYPERVISOR_event_channel_op,
					   EVTCHNOP_bind_ipi, 2, 2,
					   -XEN_ENOMEM),
			0);
	KUNIT_EXPECT_EQ(test, bind_ipi(0, NULL), 0L);
	KUNIT_EXPECT_EQ(test, bind_ipi(0, NULL), (long)-XEN_ENOMEM);
	KUNIT_EXPECT_EQ(test, bind_ipi(0, NULL), (long)-XEN_ENOMEM);
	KUNIT_EXPECT_EQ(test, bind_ipi(0, NULL), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_in_use(), 4U);
}

static void fake_inject_any_subop_and_suspend(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();

	KUNIT_ASSERT_EQ(test,
			pvsr_fake_inject(__HYPERVISOR_sched_op, PVSR_FAKE_ANY,
					 2, -XEN_EAGAIN),
			0);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_yield(), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn),
			(long)-XEN_EAGAIN);
	KUNIT_EXPECT_EQ(test, f->generation, 0U);
	KUNIT_EXPECT_EQ(test, f->nr_suspends, 0U);
}

static void fake_inject_slots_run_out(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < PVSR_FAKE_MAX_FAULTS; i++)
		KUNIT_EXPECT_EQ(test,
				pvsr_fake_inject(__HYPERVISOR_vcpu_op,
						 VCPUOP_up, 100, -1),
				0);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_up, 100,
					 -1),
			-XEN_ENOSPC);
	pvsr_fake_inject_clear();
	KUNIT_EXPECT_EQ(
		test,
		pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_up, 100, -1), 0);
}

static long refuse_vcpu_op_on_3(int hypercall, int subop, unsigned int vcpu,
				void *data)
{
	unsigned int *calls = data;

	(*calls)++;
	if (hypercall == __HYPERVISOR_vcpu_op && vcpu == 3)
		return -XEN_EPERM;
	return 0;
}

static void fake_on_call_hook_can_fail_calls(struct kunit *test)
{
	unsigned int calls = 0;
	struct pvsr_fake_hooks hooks = { .on_call = refuse_vcpu_op_on_3,
					 .data = &calls };

	pvsr_fake_set_hooks(&hooks);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_is_up, 0, NULL), 1L);
	pvsr_fake_set_current(3);
	pvsr_fake_bring_up(3);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_is_up, 1, NULL),
			(long)-XEN_EPERM);
	KUNIT_EXPECT_EQ(test, calls, 2U);
}

static void fake_singleshot_timer_only_on_current_vcpu(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	struct vcpu_set_singleshot_timer t = {
		.timeout_abs_ns = f->now_ns + 1000,
		.flags = 0,
	};

	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_vcpu_op(VCPUOP_set_singleshot_timer, 1, &t),
			(long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(
		test, pvsr_hyp_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t), 0L);
	KUNIT_EXPECT_TRUE(test, f->vcpu[0].singleshot_armed);
	t.timeout_abs_ns = f->now_ns - 1;
	t.flags = VCPU_SSHOTTMR_future;
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t),
			(long)-XEN_ETIME);
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL),
			0L);
	KUNIT_EXPECT_FALSE(test, f->vcpu[0].singleshot_armed);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_set_timer_op(f->now_ns + 5), 0L);
	KUNIT_EXPECT_TRUE(test, f->vcpu[0].singleshot_armed);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_set_timer_op(0), 0L);
	KUNIT_EXPECT_FALSE(test, f->vcpu[0].singleshot_armed);
}

static void fake_periodic_timer_minimum(struct kunit *test)
{
	struct vcpu_set_periodic_timer p = { .period_ns = 999999 };

	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_vcpu_op(VCPUOP_set_periodic_timer, 1, &p),
			(long)-XEN_EINVAL);
	p.period_ns = 10000000;
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_vcpu_op(VCPUOP_set_periodic_timer, 1, &p), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[1].periodic_ns, 10000000ULL);
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL),
			0L);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[1].periodic_ns, 0ULL);
}

static void fake_call_from_down_vcpu_is_recorded(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();

	pvsr_fake_set_current(2); /* never brought up */
	pvsr_hyp_sched_yield();
	KUNIT_EXPECT_TRUE(test,
			  f->violations & PVSR_FAKE_V_CALL_FROM_DOWN_VCPU);
}

static void count_yield(unsigned int vcpu, void *data)
{
	*(unsigned int *)data += 1 + vcpu;
}

static void fake_yield_block_poll_call_the_hook(struct kunit *test)
{
	unsigned int n = 0;
	struct pvsr_fake_hooks hooks = { .on_yield = count_yield, .data = &n };
	evtchn_port_t port = pvsr_fake()->store_port;

	pvsr_fake_set_hooks(&hooks);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_yield(), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_block(), 0L);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_poll(&port, 1, 0), 0L);
	KUNIT_EXPECT_EQ(test, n, 3U);
	port = 0;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_sched_poll(&port, 1, 0),
			(long)-XEN_EINVAL);
}

struct as_vcpu {
	unsigned int seen;
	long rc;
};

/* As vCPU 2: only it may arm its own single-shot timer. */
static void arm_own_timer(void *data)
{
	struct as_vcpu *a = data;
	struct vcpu_set_singleshot_timer t = {
		.timeout_abs_ns = pvsr_fake()->now_ns + 1,
	};

	a->seen = pvsr_fake()->current_vcpu;
	a->rc = pvsr_hyp_vcpu_op(VCPUOP_set_singleshot_timer, 2, &t);
}

static void fake_run_as_switches_and_restores(struct kunit *test)
{
	struct as_vcpu a = { 0, -1 };

	pvsr_fake_bring_up(2);
	pvsr_fake_run_as(2, arm_own_timer, &a);
	KUNIT_EXPECT_EQ(test, a.seen, 2U);
	KUNIT_EXPECT_EQ(test, a.rc, 0L);
	KUNIT_EXPECT_TRUE(test, pvsr_fake()->vcpu[2].singleshot_armed);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->current_vcpu, 0U);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->violations, 0U);
}

/* A kernel thread standing for vCPU 3: its calls are vCPU 3's. */
struct bound {
	struct completion done;
	unsigned int bound_rc_ok, seen;
	long rc;
};

static int bound_thread(void *data)
{
	struct bound *b = data;

	b->bound_rc_ok = pvsr_fake_bind_task(3) == 0;
	b->seen = pvsr_fake_current();
	b->rc = pvsr_hyp_set_segment_base(SEGBASE_FS, 0x3000);
	pvsr_fake_unbind_task();
	complete(&b->done);
	return 0;
}

static void fake_current_vcpu_is_per_task(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	struct task_struct *t;
	struct bound b = { .rc = -1 };

	init_completion(&b.done);
	pvsr_fake_bring_up(3);
	t = kthread_run(bound_thread, &b, "pvsr-fake-v3");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	wait_for_completion(&b.done);
	KUNIT_EXPECT_TRUE(test, b.bound_rc_ok);
	KUNIT_EXPECT_EQ(test, b.seen, 3U);
	KUNIT_EXPECT_EQ(test, b.rc, 0L);
	/* Its call went to vCPU 3; this task stayed vCPU 0. */
	KUNIT_EXPECT_EQ(test, f->vcpu[3].fs_base, 0x3000UL);
	KUNIT_EXPECT_EQ(test, f->vcpu[0].fs_base, 0UL);
	KUNIT_EXPECT_EQ(test, pvsr_fake_current(), 0U);
	KUNIT_EXPECT_EQ(test, pvsr_fake_bind_task(NR_VCPUS), -XEN_EINVAL);
}

/* rdmsr reads what the vCPU loaded; the test knob makes it fail. */
static void fake_segment_bases_read_back_and_fail(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	unsigned long base = 0;

	KUNIT_ASSERT_EQ(test, pvsr_hyp_set_segment_base(SEGBASE_GS_USER, 0x77),
			0L);
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_read_segment_base(SEGBASE_GS_USER, &base), 0L);
	KUNIT_EXPECT_EQ(test, base, 0x77UL);
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_read_segment_base(SEGBASE_GS_USER_SEL, &base),
			(long)-XEN_EINVAL);
	f->vcpu[0].read_segment_base_err = -XEN_EFAULT;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_read_segment_base(SEGBASE_FS, &base),
			(long)-XEN_EFAULT);
}

/*
 * A new domain starts vCPUs other than 0 with blank bases and debug
 * registers; VCPUOP_initialise loads those of the context.
 */
static void fake_initialise_loads_bases_new_domain_clears(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	struct vcpu_guest_context *ctx = new_ctx(test);

	pvsr_fake_bring_up(2);
	f->vcpu[2].fs_base = 0x1111;
	f->vcpu[2].debugreg[7] = 0x401;
	f->vcpu[0].fs_base = 0x2222;
	KUNIT_ASSERT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_down, 2, NULL), 0L);
	KUNIT_ASSERT_EQ(test, pvsr_hyp_sched_suspend(f->start_info_mfn), 0L);
	KUNIT_EXPECT_EQ(test, f->vcpu[2].fs_base, 0UL);
	KUNIT_EXPECT_EQ(test, f->vcpu[2].debugreg[7], 0UL);
	KUNIT_EXPECT_EQ(test, f->vcpu[0].fs_base, 0x2222UL);
	ctx->fs_base = 0x5000;
	ctx->gs_base_user = 0x6000;
	ctx->gs_base_kernel = 0x7000;
	ctx->debugreg[7] = 0x402;
	KUNIT_ASSERT_EQ(test, pvsr_hyp_vcpu_op(VCPUOP_initialise, 2, ctx), 0L);
	KUNIT_EXPECT_EQ(test, f->vcpu[2].fs_base, 0x5000UL);
	KUNIT_EXPECT_EQ(test, f->vcpu[2].gs_base_user, 0x6000UL);
	KUNIT_EXPECT_EQ(test, f->vcpu[2].gs_base_kernel, 0x7000UL);
	KUNIT_EXPECT_EQ(test, f->vcpu[2].debugreg[7], 0x402UL);
}

static void fake_raise_sets_pending(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();

	KUNIT_EXPECT_EQ(test, pvsr_fake_raise(f->store_port), 0);
	KUNIT_EXPECT_TRUE(test, pvsr_fake_port(f->store_port)->pending);
	KUNIT_EXPECT_EQ(test, pvsr_fake_raise(100), -XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, pvsr_fake_raise(0), -XEN_EINVAL);
}

static void fake_calls_are_counted(struct kunit *test)
{
	KUNIT_EXPECT_EQ(
		test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, PVSR_FAKE_ANY), 0U);
	pvsr_hyp_vcpu_op(VCPUOP_is_up, 0, NULL);
	pvsr_hyp_vcpu_op(VCPUOP_is_up, 1, NULL);
	pvsr_hyp_vcpu_op(VCPUOP_down, 1, NULL);
	KUNIT_EXPECT_EQ(
		test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_is_up), 2U);
	KUNIT_EXPECT_EQ(
		test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, PVSR_FAKE_ANY), 3U);
	KUNIT_EXPECT_EQ(test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, 999), 0U);
	KUNIT_EXPECT_EQ(test, pvsr_fake_calls(-1, PVSR_FAKE_ANY), 0U);
}

static void fake_other_calls_follow_xen(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	struct callback_register cb = { .type = CALLBACKTYPE_event };
	domid_t self = DOMID_SELF;

	KUNIT_EXPECT_EQ(test, pvsr_hyp_callback_register(&cb), 0L);
	cb.type = 99;
	KUNIT_EXPECT_EQ(test, pvsr_hyp_callback_register(&cb),
			(long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_set_gdt(NULL, 0), 0L);
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_set_gdt(NULL, FIRST_RESERVED_GDT_ENTRY + 1),
			(long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(
		test, pvsr_hyp_set_segment_base(SEGBASE_GS_KERNEL, 0x1234), 0L);
	KUNIT_EXPECT_EQ(test, f->vcpu[0].gs_base_kernel, 0x1234UL);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_set_segment_base(9, 0),
			(long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_stack_switch(0xe02b, 0x8000), 0L);
	KUNIT_EXPECT_EQ(test, f->vcpu[0].kernel_sp, 0x8000UL);
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_memory_op(XENMEM_current_reservation, &self),
			(long)f->nr_pages);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_xen_version(XENVER_version, NULL),
			(long)((4 << 16) | 17));
	KUNIT_EXPECT_EQ(test,
			pvsr_hyp_vm_assist(VMASST_CMD_enable,
					   VMASST_TYPE_writable_pagetables),
			0L);
	KUNIT_EXPECT_TRUE(
		test, f->vm_assists & (1U << VMASST_TYPE_writable_pagetables));
	KUNIT_EXPECT_EQ(test, pvsr_hyp_mmu_update(NULL, 0, NULL, 1),
			(long)-XEN_EPERM);
}

static void fake_mmu_update_is_logged(struct kunit *test)
{
	struct pvsr_fake *f = pvsr_fake();
	struct mmu_update req[2] = {
		{ .ptr = 0x1000 | MMU_NORMAL_PT_UPDATE, .val = 0x2003 },
		{ .ptr = 0x3000 | MMU_MACHPHYS_UPDATE, .val = 7 },
	};
	unsigned int done = 0;

	KUNIT_EXPECT_EQ(test, pvsr_hyp_mmu_update(req, 2, &done, DOMID_SELF),
			0L);
	KUNIT_EXPECT_EQ(test, done, 2U);
	KUNIT_EXPECT_EQ(test, f->mmu_updates, 2U);
	KUNIT_EXPECT_EQ(test, f->mmu_log[0].val, 0x2003ULL);
	KUNIT_EXPECT_EQ(test, f->mmu_log[1].ptr, 0x3001ULL);
}

static void fake_xen_pte_model(struct kunit *test)
{
	const uint64_t leaf = 0x12345000ULL | 1; /* present */

	KUNIT_EXPECT_EQ(test, pvsr_fake_xen_adjust_pte(leaf, 1),
			leaf | (1ULL << 2) | (1ULL << 52));
	KUNIT_EXPECT_EQ(test, pvsr_fake_xen_adjust_pte(leaf | 4, 1),
			leaf | 4 | (1ULL << 8));
	KUNIT_EXPECT_EQ(test, pvsr_fake_xen_adjust_pte(leaf, 3),
			leaf | (1ULL << 2));
	KUNIT_EXPECT_EQ(test, pvsr_fake_xen_adjust_pte(leaf & ~1ULL, 1),
			leaf & ~1ULL);
}

static void vcpu_op_entry(struct multicall_entry *e, int cmd, unsigned int v,
			  void *arg)
{
	*e = (struct multicall_entry){
		.op = __HYPERVISOR_vcpu_op,
		.args = { (xen_ulong_t)cmd, v, (xen_ulong_t)arg },
	};
}

/*
 * Xen runs every entry, in order, each as its own call: one that fails
 * (here an injected failure in the middle) does not stop the next, and
 * each entry's result is its own. Only `result` is kept.
 */
static void fake_multicall_runs_every_entry(struct kunit *test)
{
	struct vcpu_guest_context *ctx = new_ctx(test);
	struct multicall_entry mc[6];
	unsigned int v, k;

	for (v = 1; v < NR_VCPUS; v++)
		vcpu_op_entry(&mc[v - 1], VCPUOP_initialise, v, ctx);
	for (v = 1; v < NR_VCPUS; v++)
		vcpu_op_entry(&mc[NR_VCPUS - 1 + v - 1], VCPUOP_up, v, NULL);
	KUNIT_ASSERT_EQ(test,
			pvsr_fake_inject(__HYPERVISOR_vcpu_op,
					 VCPUOP_initialise, 2, -XEN_EFAULT),
			0);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_multicall(mc, 6), 0L);
	/* initialise 1, 2 (fails), 3; up 1, 2 (not initialised), 3. */
	KUNIT_EXPECT_EQ(test, (long)mc[0].result, 0L);
	KUNIT_EXPECT_EQ(test, (long)mc[1].result, (long)-XEN_EFAULT);
	KUNIT_EXPECT_EQ(test, (long)mc[2].result, 0L);
	KUNIT_EXPECT_EQ(test, (long)mc[3].result, 0L);
	KUNIT_EXPECT_EQ(test, (long)mc[4].result, (long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, (long)mc[5].result, 0L);
	KUNIT_EXPECT_TRUE(test, pvsr_fake()->vcpu[1].up);
	KUNIT_EXPECT_FALSE(test, pvsr_fake()->vcpu[2].up);
	KUNIT_EXPECT_TRUE(test, pvsr_fake()->vcpu[3].up);
	/* Each entry counted as the call it is; one batch. */
	KUNIT_EXPECT_EQ(
		test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_initialise),
		3U);
	KUNIT_EXPECT_EQ(test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_up),
			3U);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_multicall, PVSR_FAKE_ANY),
			1U);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->multicalls, 1U);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->multicall_entries, 6U);
	/* As a debug Xen does: nothing but the result can be read back. */
	for (k = 0; k < 6; k++)
		KUNIT_EXPECT_NE(test, mc[k].args[1], (xen_ulong_t)(k % 3 + 1));
}

static void fake_multicall_refused_as_a_whole(struct kunit *test)
{
	struct multicall_entry mc[1];

	vcpu_op_entry(&mc[0], VCPUOP_is_up, 0, NULL);
	KUNIT_ASSERT_EQ(test,
			pvsr_fake_inject(__HYPERVISOR_multicall, PVSR_FAKE_ANY,
					 1, -XEN_EFAULT),
			0);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_multicall(mc, 1), (long)-XEN_EFAULT);
	KUNIT_EXPECT_EQ(
		test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, PVSR_FAKE_ANY), 0U);
	/* Unbatched operations are a test's mistake, not a pass. */
	mc[0] = (struct multicall_entry){ .op = __HYPERVISOR_mmu_update };
	KUNIT_EXPECT_EQ(test, pvsr_hyp_multicall(mc, 1), 0L);
	KUNIT_EXPECT_EQ(test, (long)mc[0].result, (long)-XEN_ENOSYS);
}

static void record_vcpu_op(int cmd, unsigned int vcpu, void *data)
{
	unsigned int *seen = data;

	if (cmd == VCPUOP_register_vcpu_info)
		seen[vcpu]++;
}

/* on_vcpu_op names the target vCPU of each successful call. */
static void fake_on_vcpu_op_names_the_target(struct kunit *test)
{
	struct vcpu_register_vcpu_info info = { .mfn = 7, .offset = 64 };
	unsigned int seen[NR_VCPUS] = { 0 };
	struct pvsr_fake_hooks hooks = { .on_vcpu_op = record_vcpu_op,
					 .data = seen };
	struct multicall_entry mc[2];

	pvsr_fake_set_hooks(&hooks);
	vcpu_op_entry(&mc[0], VCPUOP_register_vcpu_info, 2, &info);
	vcpu_op_entry(&mc[1], VCPUOP_register_vcpu_info, 2, &info);
	KUNIT_EXPECT_EQ(test, pvsr_hyp_multicall(mc, 2), 0L);
	KUNIT_EXPECT_EQ(test, (long)mc[1].result, (long)-XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, seen[2], 1U);
	KUNIT_EXPECT_EQ(test, seen[1] + seen[3], 0U);
}

static void fake_violation_names_are_distinct(struct kunit *test)
{
	unsigned int a, b;

	for (a = 0; a < 8; a++) {
		KUNIT_EXPECT_STRNEQ(test, pvsr_fake_violation_name(1U << a),
				    "unknown violation");
		for (b = a + 1; b < 8; b++)
			KUNIT_EXPECT_STRNEQ(test,
					    pvsr_fake_violation_name(1U << a),
					    pvsr_fake_violation_name(1U << b));
	}
}

static struct kunit_case fake_cases[] = {
	KUNIT_CASE(fake_reset_builds_a_fresh_domain),
	KUNIT_CASE(fake_current_vcpu_is_per_task),
	KUNIT_CASE(fake_segment_bases_read_back_and_fail),
	KUNIT_CASE(fake_initialise_loads_bases_new_domain_clears),
	KUNIT_CASE(fake_reset_rejects_bad_vcpu_counts),
	KUNIT_CASE(fake_initialise_twice_is_eexist),
	KUNIT_CASE(fake_initialise_above_31_needs_vcpu_info),
	KUNIT_CASE(fake_up_needs_initialise),
	KUNIT_CASE(fake_register_vcpu_info_rules),
	KUNIT_CASE(fake_down_last_vcpu_shuts_domain_down),
	KUNIT_CASE(fake_unknown_vcpu_is_enoent),
	KUNIT_CASE(fake_bind_virq_twice_is_eexist),
	KUNIT_CASE(fake_close_unbound_port_is_einval),
	KUNIT_CASE(fake_ports_start_masked),
	KUNIT_CASE(fake_send_ipi_sets_pending_and_calls_hook),
	KUNIT_CASE(fake_bind_vcpu_rules),
	KUNIT_CASE(fake_ports_run_out),
	KUNIT_CASE(fake_suspend_with_other_vcpu_up_is_violation),
	KUNIT_CASE(fake_suspend_off_vcpu0_is_violation),
	KUNIT_CASE(fake_suspend_wrong_mfn_is_violation),
	KUNIT_CASE(fake_shared_info_mapping_is_tracked),
	KUNIT_CASE(fake_suspend_new_domain_forgets_everything),
	KUNIT_CASE(fake_suspend_cancelled_keeps_everything),
	KUNIT_CASE(fake_suspend_error_result_keeps_state),
	KUNIT_CASE(fake_two_resumes_in_a_row),
	KUNIT_CASE(fake_suspend_hook_sees_the_result),
	KUNIT_CASE(fake_shutdown_suspend_without_mfn_is_violation),
	KUNIT_CASE(fake_inject_fails_nth_call_only),
	KUNIT_CASE(fake_inject_n_fails_consecutive_calls),
	KUNIT_CASE(fake_inject_any_subop_and_suspend),
	KUNIT_CASE(fake_inject_slots_run_out),
	KUNIT_CASE(fake_multicall_runs_every_entry),
	KUNIT_CASE(fake_multicall_refused_as_a_whole),
	KUNIT_CASE(fake_on_vcpu_op_names_the_target),
	KUNIT_CASE(fake_on_call_hook_can_fail_calls),
	KUNIT_CASE(fake_singleshot_timer_only_on_current_vcpu),
	KUNIT_CASE(fake_periodic_timer_minimum),
	KUNIT_CASE(fake_call_from_down_vcpu_is_recorded),
	KUNIT_CASE(fake_yield_block_poll_call_the_hook),
	KUNIT_CASE(fake_run_as_switches_and_restores),
	KUNIT_CASE(fake_raise_sets_pending),
	KUNIT_CASE(fake_calls_are_counted),
	KUNIT_CASE(fake_other_calls_follow_xen),
	KUNIT_CASE(fake_mmu_update_is_logged),
	KUNIT_CASE(fake_xen_pte_model),
	KUNIT_CASE(fake_violation_names_are_distinct),
	{}
};

static struct kunit_suite fake_suite = {
	.name = "pvsr_fake",
	.init = fake_init,
	.exit = fake_exit,
	.test_cases = fake_cases,
};
kunit_test_suite(fake_suite);
