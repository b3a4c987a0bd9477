// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: how vCPU 0 brings the parked vCPUs back (enum pvsr_bringup), on
 * the simulated guest of suspend_test_guest.h: batched into a few
 * multicalls, or one call at a time, with a failing entry in the middle
 * of a batch reported as that vCPU's own call; and the P2M frame list
 * sized from the memory the new domain has.
 */
#include "kernel/suspend_test_guest.h"

/* Multicalls and their entries since the last reset of the counters. */
static unsigned int multicalls(void)
{
	return pvsr_fake()->multicalls;
}

/*
 * 36 vCPUs, batched: one multicall registers the 35 vcpu_infos, three
 * initialise 16 + 16 + 3, one starts all 35. Only vCPU 0 registers its
 * own through the ops, before anything else.
 */
static void bringup_batched_new_domain_takes_five_multicalls(struct kunit *test)
{
	struct sim *s = sim_setup(test, 36);
	unsigned int ops_before = s->vcpu_info_ops;

	KUNIT_EXPECT_EQ(test, s->p.bringup, PVSR_BRINGUP_BATCHED);
	sim_expect_new_domain(test, s, sim_suspend(s));
	KUNIT_EXPECT_EQ(test, multicalls(), 5U);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->multicall_entries, 35U * 3);
	KUNIT_EXPECT_EQ(test, s->vcpu_info_ops - ops_before, 1U);
	KUNIT_EXPECT_EQ(
		test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_initialise),
		35U);
}

/* Every vCPU pvsr supports, two member words, all rebuilt. */
static void bringup_batched_new_domain_at_the_maximum(struct kunit *test)
{
	struct sim *s = sim_setup(test, PVSR_MAX_VCPUS);

	sim_expect_new_domain(test, s, sim_suspend(s));
	KUNIT_EXPECT_EQ(test, s->report.nr_vcpus, (unsigned int)PVSR_MAX_VCPUS);
	KUNIT_EXPECT_EQ(
		test, multicalls(),
		1U + DIV_ROUND_UP(PVSR_MAX_VCPUS - 1, PVSR_BRINGUP_BATCH) + 1U);
}

/* A kernel that does not say where vcpu_infos live: the ops do it. */
static void bringup_batched_registers_through_ops(struct kunit *test)
{
	struct sim *s = sim_setup(test, 36);
	unsigned int ops_before;

	s->vcpu_info_by_op = true;
	ops_before = s->vcpu_info_ops;
	sim_expect_new_domain(test, s, sim_suspend(s));
	KUNIT_EXPECT_EQ(test, s->vcpu_info_ops - ops_before, 36U);
	/* Nothing left to batch for the registrations: 3 + 1. */
	KUNIT_EXPECT_EQ(test, multicalls(), 4U);
}

static void bringup_batched_cancel_is_one_multicall(struct kunit *test)
{
	struct sim *s = sim_setup(test, 8);
	unsigned int v;

	pvsr_fake()->suspend_result = 1;
	KUNIT_EXPECT_EQ(test, sim_suspend(s), 1);
	sim_expect_no_panic(test, s);
	sim_expect_finished(test, s);
	KUNIT_EXPECT_EQ(test, multicalls(), 1U);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->multicall_entries, 7U);
	for (v = 1; v < 8; v++)
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].outcome,
				PVSR_VCPU_RESTARTED);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 8U);
}

/* The mode to measure against: no multicall, each step in turn. */
static void bringup_serial_one_call_at_a_time(struct kunit *test)
{
	struct sim *s = sim_setup(test, 36);
	int r[40], i[40], u[40];
	unsigned int n;

	s->p.bringup = PVSR_BRINGUP_SERIAL;
	sim_expect_new_domain(test, s, sim_suspend(s));
	KUNIT_EXPECT_EQ(test, multicalls(), 0U);
	/* vCPU 1 was up before vCPU 2 was registered. */
	KUNIT_ASSERT_GE(test, sim_log_pick(s, 'R', r, NULL, 40), 3U);
	KUNIT_ASSERT_GE(test, sim_log_pick(s, 'I', i, NULL, 40), 2U);
	n = sim_log_pick(s, 'U', u, NULL, 40);
	KUNIT_ASSERT_EQ(test, n, 35U);
	KUNIT_EXPECT_EQ(test, u[0], 1);
	KUNIT_EXPECT_EQ(test, u[1], 2);

	pvsr_fake()->suspend_result = 1;
	KUNIT_EXPECT_EQ(test, sim_suspend(s), 1);
	sim_expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, multicalls(), 0U);
}

/* ---- a failing entry in the middle of a batch ------------------------ */

/*
 * VCPUOP_initialise of vCPU 4 fails inside the batch of 1-7: the panic
 * names vCPU 4 and Xen's errno; Xen still ran 5-7, but nobody is started.
 */
static void bringup_initialise_fails_mid_batch(struct kunit *test)
{
	struct sim *s = sim_setup(test, 8);
	const struct want w = {
		PVSR_E_VCPU_INIT,     PVSR_STEP_REBUILD, 4,
		__HYPERVISOR_vcpu_op, VCPUOP_initialise, -XEN_EFAULT
	};
	unsigned int v;

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 4,
			 -XEN_EFAULT);
	sim_expect_panic(test, s, sim_suspend(s), &w);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[4].nr_initialise, 0U);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[5].nr_initialise, 1U);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 1U);
	for (v = 1; v < 8; v++)
		KUNIT_EXPECT_EQ(test, s->v[v].ctx_starts, 0U);
}

/*
 * The registration of vCPU 20 fails in the middle of the one that
 * registers 1-35 (vCPU 0's own came first): no vCPU is initialised.
 */
static void bringup_registration_fails_mid_batch(struct kunit *test)
{
	struct sim *s = sim_setup(test, 36);
	const struct want w = {
		PVSR_E_VCPU_INFO,     PVSR_STEP_REBUILD,	 20,
		__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, -XEN_ENOMEM
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 21,
			 -XEN_ENOMEM);
	sim_expect_panic(test, s, sim_suspend(s), &w);
	KUNIT_EXPECT_TRUE(test, pvsr_fake()->vcpu[21].vcpu_info_registered);
	KUNIT_EXPECT_EQ(
		test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_initialise),
		0U);
}

/* VCPUOP_up of vCPU 5 fails in the batch that starts 1-7. */
static void bringup_up_fails_mid_batch(struct kunit *test)
{
	struct sim *s = sim_setup(test, 8);
	const struct want w = {
		PVSR_E_VCPU_UP,	      PVSR_STEP_REBUILD, 5,
		__HYPERVISOR_vcpu_op, VCPUOP_up,	 -XEN_EINVAL
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_up, 5, -XEN_EINVAL);
	sim_expect_panic(test, s, sim_suspend(s), &w);
	KUNIT_EXPECT_FALSE(test, pvsr_fake()->vcpu[5].up);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[6].nr_up, 1U);
}

/* Xen refuses the first batch of contexts as a whole. */
static void bringup_multicall_refused_names_the_batch(struct kunit *test)
{
	struct sim *s = sim_setup(test, 8);
	const struct want w = { PVSR_E_MULTICALL,
				PVSR_STEP_REBUILD,
				1,
				__HYPERVISOR_multicall,
				-1,
				-XEN_EFAULT };

	/* The registrations are the first multicall, the contexts next. */
	pvsr_fake_inject(__HYPERVISOR_multicall, PVSR_FAKE_ANY, 2, -XEN_EFAULT);
	sim_expect_panic(test, s, sim_suspend(s), &w);
	KUNIT_EXPECT_EQ(
		test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_initialise),
		0U);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 1U);
}

/* ---- the P2M frame list, sized from the domain's memory -------------- */

/*
 * The new domain has more memory than the frame-list space the kernel
 * gave (2 pages: up to 512 * 512 PFNs): a panic that says how much.
 */
static void bringup_p2m_larger_than_its_space_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_P2M_SPACE,
				PVSR_STEP_POST_SUSPEND,
				PVSR_NO_VCPU,
				-1,
				-1,
				0 };

	s->restore_nr_pages = 512UL * 512 + 1;
	sim_expect_panic(test, s, sim_suspend(s), &w);
	KUNIT_EXPECT_EQ(test, s->panic_detail.needed, 3UL);
	KUNIT_EXPECT_EQ(test, s->panic_detail.available,
			(unsigned long)P2M_LIST_PAGES);
}

static struct kunit_case bringup_cases[] = {
	KUNIT_CASE(bringup_batched_new_domain_takes_five_multicalls),
	KUNIT_CASE(bringup_batched_new_domain_at_the_maximum),
	KUNIT_CASE(bringup_batched_registers_through_ops),
	KUNIT_CASE(bringup_batched_cancel_is_one_multicall),
	KUNIT_CASE(bringup_serial_one_call_at_a_time),
	KUNIT_CASE(bringup_initialise_fails_mid_batch),
	KUNIT_CASE(bringup_registration_fails_mid_batch),
	KUNIT_CASE(bringup_up_fails_mid_batch),
	KUNIT_CASE(bringup_multicall_refused_names_the_batch),
	KUNIT_CASE(bringup_p2m_larger_than_its_space_panics),
	{}
};

static struct kunit_suite bringup_suite = {
	.name = "pvsr_bringup",
	.exit = sim_exit,
	.test_cases = bringup_cases,
};

kunit_test_suite(bringup_suite);
