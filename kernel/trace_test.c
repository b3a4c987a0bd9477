// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the trace buffer itself. Recording must never write past the
 * buffer, must count what it could not keep, and a detached pvsr records
 * nothing.
 */
#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/math64.h>

#include "kernel/pvsr.h"
#include "kernel/trace.h"

static uint64_t fake_clock;

static uint64_t clock_ns(void)
{
	return ++fake_clock;
}

static const struct pvsr_ops clock_only_ops = {
	.now_ns = clock_ns,
};

static struct pvsr_trace buf;
static struct pvsr p = { .ops = &clock_only_ops };

static void trace_detached_records_nothing(struct kunit *test)
{
	pvsr_trace_reset(&buf);
	pvsr_trace_attach(&p, NULL);
	pvsr_trace_event(&p, 0, PVSR_TR_BEGIN, 0);
	KUNIT_EXPECT_EQ(test, pvsr_trace_count(&buf), 0U);
}

static void trace_keeps_events_in_order(struct kunit *test)
{
	pvsr_trace_attach(&p, &buf);
	pvsr_trace_event(&p, 0, PVSR_TR_BEGIN, 0);
	pvsr_trace_event(&p, 3, PVSR_TR_PARKED, 7);
	KUNIT_ASSERT_EQ(test, pvsr_trace_count(&buf), 2U);
	KUNIT_EXPECT_EQ(test, buf.ev[0].kind, (uint16_t)PVSR_TR_BEGIN);
	KUNIT_EXPECT_EQ(test, buf.ev[1].vcpu, (uint16_t)3);
	KUNIT_EXPECT_EQ(test, buf.ev[1].arg, 7);
	KUNIT_EXPECT_LT(test, buf.ev[0].ns, buf.ev[1].ns);
	pvsr_trace_attach(&p, NULL);
}

static void trace_full_buffer_counts_drops(struct kunit *test)
{
	unsigned int i;

	pvsr_trace_attach(&p, &buf);
	for (i = 0; i < PVSR_TRACE_EVENTS + 5; i++)
		pvsr_trace_event(&p, 1, PVSR_TR_PARK_SENT, i);
	KUNIT_EXPECT_EQ(test, pvsr_trace_count(&buf),
			(unsigned int)PVSR_TRACE_EVENTS);
	KUNIT_EXPECT_EQ(test, pvsr_trace_dropped(&buf), 5U);
	KUNIT_EXPECT_EQ(test, buf.ev[PVSR_TRACE_EVENTS - 1].arg,
			PVSR_TRACE_EVENTS - 1);
	pvsr_trace_reset(&buf);
	KUNIT_EXPECT_EQ(test, pvsr_trace_count(&buf), 0U);
	KUNIT_EXPECT_EQ(test, pvsr_trace_dropped(&buf), 0U);
	pvsr_trace_attach(&p, NULL);
}

static void trace_kinds_have_distinct_names(struct kunit *test)
{
	unsigned int a, b;

	for (a = 0; a < PVSR_TR_KIND_COUNT; a++) {
		KUNIT_EXPECT_STRNEQ(test, pvsr_trace_kind_name(a), "unknown");
		for (b = a + 1; b < PVSR_TR_KIND_COUNT; b++)
			KUNIT_EXPECT_STRNEQ(test, pvsr_trace_kind_name(a),
					    pvsr_trace_kind_name(b));
	}
	KUNIT_EXPECT_STREQ(test, pvsr_trace_kind_name(PVSR_TR_KIND_COUNT),
			   "unknown");
}

#define BENCH_EVENTS (1U << 22)

/*
 * The cost of a trace point, for docs/benchmarks.md (a measurement, not
 * a pass/fail threshold): pvsr_trace_event() with no buffer attached, as
 * every suspend runs unless the kernel asks for a trace, and attached.
 * Printed as "# pvsr-bench ..." lines (picoseconds per event).
 */
static void trace_point_cost(struct kunit *test)
{
	unsigned int i;
	u64 t0, off_ns, on_ns;

	pvsr_trace_reset(&buf);
	pvsr_trace_attach(&p, NULL);
	t0 = ktime_get_ns();
	for (i = 0; i < BENCH_EVENTS; i++)
		pvsr_trace_event(&p, 1, PVSR_TR_PARKED, i);
	off_ns = ktime_get_ns() - t0;
	KUNIT_EXPECT_EQ(test, pvsr_trace_count(&buf), 0U);

	pvsr_trace_attach(&p, &buf);
	t0 = ktime_get_ns();
	for (i = 0; i < BENCH_EVENTS; i++) {
		if (!(i % PVSR_TRACE_EVENTS))
			pvsr_trace_reset(&buf);
		pvsr_trace_event(&p, 1, PVSR_TR_PARKED, i);
	}
	on_ns = ktime_get_ns() - t0;
	KUNIT_EXPECT_EQ(test, pvsr_trace_dropped(&buf), 0U);
	pvsr_trace_attach(&p, NULL);

	kunit_info(
		test,
		"# pvsr-bench trace_point disabled_ps=%llu enabled_ps=%llu events=%u\n",
		div_u64(off_ns * 1000, BENCH_EVENTS),
		div_u64(on_ns * 1000, BENCH_EVENTS), BENCH_EVENTS);
}

static struct kunit_case trace_cases[] = {
	KUNIT_CASE(trace_detached_records_nothing),
	KUNIT_CASE(trace_keeps_events_in_order),
	KUNIT_CASE(trace_full_buffer_counts_drops),
	KUNIT_CASE(trace_kinds_have_distinct_names),
	KUNIT_CASE(trace_point_cost),
	{}
};

static struct kunit_suite trace_suite = {
	.name = "pvsr_trace",
	.test_cases = trace_cases,
};
kunit_test_suite(trace_suite);
