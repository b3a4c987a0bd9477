// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: pvsr error codes and step names. A report that says "unknown
 * error" or names two failures alike sends the reader the wrong way.
 */
#include <kunit/test.h>

#include "hypercall/pvsr_error.h"

static bool same_string(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static void error_every_code_has_a_name(struct kunit *test)
{
	int code;

	for (code = 0; code < PVSR_E_COUNT; code++) {
		const char *name = pvsr_strerror(code);

		KUNIT_ASSERT_NOT_NULL(test, name);
		KUNIT_EXPECT_NE_MSG(test, name[0], '\0', "code %d", code);
		KUNIT_EXPECT_FALSE_MSG(test,
				       same_string(name, "unknown pvsr error"),
				       "code %d has no name", code);
	}
}

static void error_names_are_distinct(struct kunit *test)
{
	int a, b;

	for (a = 0; a < PVSR_E_COUNT; a++)
		for (b = a + 1; b < PVSR_E_COUNT; b++)
			KUNIT_EXPECT_FALSE_MSG(
				test,
				same_string(pvsr_strerror(a), pvsr_strerror(b)),
				"codes %d and %d share the name \"%s\"", a, b,
				pvsr_strerror(a));
}

static void error_out_of_range_is_unknown(struct kunit *test)
{
	int below_zero = -1;

	KUNIT_EXPECT_STREQ(test, pvsr_strerror(PVSR_E_COUNT),
			   "unknown pvsr error");
	KUNIT_EXPECT_STREQ(test, pvsr_strerror((enum pvsr_error)below_zero),
			   "unknown pvsr error");
}

static void error_every_step_has_a_distinct_name(struct kunit *test)
{
	int a, b;

	for (a = 0; a < PVSR_STEP_COUNT; a++) {
		KUNIT_EXPECT_FALSE_MSG(
			test, same_string(pvsr_step_name(a), "unknown step"),
			"step %d has no name", a);
		for (b = a + 1; b < PVSR_STEP_COUNT; b++)
			KUNIT_EXPECT_FALSE_MSG(test,
					       same_string(pvsr_step_name(a),
							   pvsr_step_name(b)),
					       "steps %d and %d share a name",
					       a, b);
	}
	KUNIT_EXPECT_STREQ(test, pvsr_step_name(PVSR_STEP_COUNT),
			   "unknown step");
}

static void error_fail_fills_detail_and_negates(struct kunit *test)
{
	struct pvsr_error_detail d = {
		.port = 7, .hook = "stale", .needed = 9, .available = 2
	};

	KUNIT_EXPECT_EQ(test,
			pvsr_fail(&d, PVSR_E_VCPU_DOWN, PVSR_STEP_DOWN, 3,
				  __HYPERVISOR_vcpu_op, VCPUOP_down, -22),
			-(int)PVSR_E_VCPU_DOWN);
	KUNIT_EXPECT_EQ(test, d.code, PVSR_E_VCPU_DOWN);
	KUNIT_EXPECT_EQ(test, d.step, PVSR_STEP_DOWN);
	KUNIT_EXPECT_EQ(test, d.vcpu, 3);
	KUNIT_EXPECT_EQ(test, d.hypercall, __HYPERVISOR_vcpu_op);
	KUNIT_EXPECT_EQ(test, d.subop, VCPUOP_down);
	KUNIT_EXPECT_EQ(test, d.xen_errno, -22L);
	/* Nothing left over from an earlier failure. */
	KUNIT_EXPECT_EQ(test, d.port, 0U);
	KUNIT_EXPECT_NULL(test, d.hook);
	KUNIT_EXPECT_EQ(test, d.needed, 0UL);
	KUNIT_EXPECT_EQ(test, d.available, 0UL);
}

static void error_fail_accepts_null_detail(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test,
			pvsr_fail(NULL, PVSR_E_BUSY, PVSR_STEP_REQUEST,
				  PVSR_NO_VCPU, -1, -1, 0),
			-(int)PVSR_E_BUSY);
}

static struct kunit_case error_cases[] = {
	KUNIT_CASE(error_every_code_has_a_name),
	KUNIT_CASE(error_names_are_distinct),
	KUNIT_CASE(error_out_of_range_is_unknown),
	KUNIT_CASE(error_every_step_has_a_distinct_name),
	KUNIT_CASE(error_fail_fills_detail_and_negates),
	KUNIT_CASE(error_fail_accepts_null_detail),
	{}
};

static struct kunit_suite error_suite = {
	.name = "pvsr_error",
	.test_cases = error_cases,
};
kunit_test_suite(error_suite);
