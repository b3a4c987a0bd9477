// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the hook table on its own. Going down runs last-registered
 * first, coming back first-registered first, and a refusal brings back
 * exactly the hooks that had gone down, in the phase they went down in.
 * The whole suspend around the hooks is in suspend_test.c.
 */
#include <kunit/test.h>

#include "kernel/pvsr.h"
#include "kernel/hooks.h"

#define NR 4

struct calls {
	char log[64];
	unsigned int n;
	int refuse_prepare; /* hook index + 1 */
	int refuse_suspend;
	int kinds[NR];
};

static struct calls calls;
static unsigned int ids[NR];

static void note(char what, unsigned int id)
{
	if (calls.n + 2 < sizeof(calls.log)) {
		calls.log[calls.n++] = what;
		calls.log[calls.n++] = '0' + id;
		calls.log[calls.n] = '\0';
	}
}

static int h_prepare(void *data)
{
	unsigned int id = *(unsigned int *)data;

	note('p', id);
	return calls.refuse_prepare == id + 1 ? -5 : 0;
}

static int h_suspend(void *data)
{
	unsigned int id = *(unsigned int *)data;

	note('s', id);
	return calls.refuse_suspend == id + 1 ? -7 : 0;
}

static void h_resume(void *data, enum pvsr_resume_kind kind)
{
	unsigned int id = *(unsigned int *)data;

	note('r', id);
	calls.kinds[id] = kind;
}

static void h_complete(void *data, enum pvsr_resume_kind kind)
{
	unsigned int id = *(unsigned int *)data;

	note('c', id);
	calls.kinds[id] = kind;
}

static const char *const names[NR] = { "a", "b", "c", "d" };

static struct pvsr *setup(struct kunit *test)
{
	struct pvsr *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	calls = (struct calls){ 0 };
	for (i = 0; i < NR; i++) {
		struct pvsr_hook h = { .name = names[i],
				       .prepare = h_prepare,
				       .suspend = h_suspend,
				       .resume = h_resume,
				       .complete = h_complete,
				       .data = &ids[i] };

		ids[i] = i;
		KUNIT_ASSERT_EQ(test, pvsr_hook_register(p, &h), 0);
	}
	return p;
}

static void hooks_run_in_their_order(struct kunit *test)
{
	struct pvsr *p = setup(test);
	struct pvsr_error_detail d = { 0 };

	KUNIT_EXPECT_EQ(test, pvsr_hooks_prepare(p, &d), 0);
	KUNIT_EXPECT_EQ(test, pvsr_hooks_suspend(p, &d), 0);
	pvsr_hooks_resume_from(p, 0, PVSR_RESUME_CANCELLED);
	pvsr_hooks_complete_from(p, 0, PVSR_RESUME_CANCELLED);
	KUNIT_EXPECT_STREQ(test, calls.log, "p3p2p1p0s3s2s1s0r0r1r2r3c0c1c2c3");
	KUNIT_EXPECT_EQ(test, calls.kinds[2], (int)PVSR_RESUME_CANCELLED);
}

static void hooks_prepare_refusal_completes_those_prepared(struct kunit *test)
{
	struct pvsr *p = setup(test);
	struct pvsr_error_detail d = { 0 };

	calls.refuse_prepare = 2; /* "b" */
	KUNIT_EXPECT_EQ(test, pvsr_hooks_prepare(p, &d), -PVSR_E_HOOK);
	KUNIT_EXPECT_STREQ(test, calls.log, "p3p2p1c2c3");
	KUNIT_EXPECT_EQ(test, d.code, PVSR_E_HOOK);
	KUNIT_EXPECT_EQ(test, d.step, PVSR_STEP_PREPARE);
	KUNIT_EXPECT_EQ(test, d.xen_errno, -5L);
	KUNIT_EXPECT_STREQ(test, d.hook, "b");
	KUNIT_EXPECT_EQ(test, calls.kinds[3], (int)PVSR_RESUME_BACKOUT);
}

static void hooks_suspend_refusal_resumes_those_down(struct kunit *test)
{
	struct pvsr *p = setup(test);
	struct pvsr_error_detail d = { 0 };

	calls.refuse_suspend = 3; /* "c" */
	KUNIT_EXPECT_EQ(test, pvsr_hooks_suspend(p, &d), -PVSR_E_HOOK);
	KUNIT_EXPECT_STREQ(test, calls.log, "s3s2r3");
	KUNIT_EXPECT_EQ(test, d.step, PVSR_STEP_HOOKS);
	KUNIT_EXPECT_EQ(test, d.xen_errno, -7L);
	KUNIT_EXPECT_STREQ(test, d.hook, "c");
	KUNIT_EXPECT_EQ(test, d.vcpu, PVSR_NO_VCPU);
}

static void hooks_are_optional(struct kunit *test)
{
	struct pvsr *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct pvsr_hook h = { .name = "empty" };
	struct pvsr_error_detail d = { 0 };

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_ASSERT_EQ(test, pvsr_hook_register(p, &h), 0);
	KUNIT_EXPECT_EQ(test, pvsr_hooks_prepare(p, &d), 0);
	KUNIT_EXPECT_EQ(test, pvsr_hooks_suspend(p, &d), 0);
	pvsr_hooks_resume_from(p, 0, PVSR_RESUME_NEW_DOMAIN);
	pvsr_hooks_complete_from(p, 0, PVSR_RESUME_NEW_DOMAIN);
}

/* A full hook table says so, not "registry full" (that is channels). */
static void hooks_table_full_has_its_own_code(struct kunit *test)
{
	struct pvsr *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct pvsr_hook h = { .name = "h" };
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	for (i = 0; i < PVSR_MAX_HOOKS; i++)
		KUNIT_ASSERT_EQ(test, pvsr_hook_register(p, &h), 0);
	KUNIT_EXPECT_EQ(test, pvsr_hook_register(p, &h), -PVSR_E_HOOKS_FULL);
	KUNIT_EXPECT_EQ(test, p->nr_hooks, (unsigned int)PVSR_MAX_HOOKS);
	h.name = NULL;
	KUNIT_EXPECT_EQ(test, pvsr_hook_register(p, &h), -PVSR_E_INVAL);
	KUNIT_EXPECT_EQ(test, pvsr_hook_register(p, NULL), -PVSR_E_INVAL);
}

static struct kunit_case hooks_cases[] = {
	KUNIT_CASE(hooks_run_in_their_order),
	KUNIT_CASE(hooks_prepare_refusal_completes_those_prepared),
	KUNIT_CASE(hooks_suspend_refusal_resumes_those_down),
	KUNIT_CASE(hooks_are_optional),
	KUNIT_CASE(hooks_table_full_has_its_own_code),
	{}
};

static struct kunit_suite hooks_suite = {
	.name = "pvsr_hooks",
	.test_cases = hooks_cases,
};
kunit_test_suite(hooks_suite);
