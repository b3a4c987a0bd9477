// SPDX-License-Identifier: GPL-2.0
/*
 * The quick resume checks (see resume_quick.h). The counters they read
 * are cumulative over the run, so an error in any cycle still fails the
 * first cycle that reads it; what a quick cycle does not prove is that
 * every workload ran again before the next suspend, which the power-off
 * check proves once for the whole run.
 */
#include "test-guest/resume_quick.h"
#include "test-guest/resume_check.h"
#include "test-guest/resume_park.h"
#include "test-guest/workload_check.h"
#include "test-guest/smp.h"
#include "test-guest/time.h"

#define FINAL_PROGRESS_TIMEOUT_NS (30 * NSEC_PER_SEC)

static const char *mode_value(size_t *len)
{
	return cmdline_get("pvsr.resume_checks", len);
}

static bool mode_is(const char *v, size_t len, const char *name)
{
	return len == strlen(name) && !strncmp(v, name, len);
}

enum resume_checks_mode resume_checks_mode(void)
{
	size_t len;
	const char *v = mode_value(&len);

	if (!v || mode_is(v, len, "full"))
		return RESUME_CHECKS_FULL;
	if (mode_is(v, len, "quick"))
		return RESUME_CHECKS_QUICK;
	return RESUME_CHECKS_UNKNOWN;
}

void resume_check_mode_known(struct ktap_ctx *ctx, struct resume_context *rc)
{
	size_t len = 0;
	const char *v = mode_value(&len);
	char value[32] = "";

	(void)rc;
	if (v)
		snprintf(value, sizeof(value), "%s", v);
	/* The command line's words are not terminated on their own. */
	if (len < sizeof(value))
		value[len] = '\0';
	KTAP_EXPECT(
		ctx, false,
		"unknown pvsr.resume_checks=%s (full or quick); every check ran",
		value);
}

static void expect_tasks_clean(struct ktap_ctx *ctx)
{
	struct utask_stats s;
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		utask_snapshot(cpu, &s);
		KTAP_EXPECT(
			ctx,
			!s.fpu_errors && !s.segment_errors &&
				!s.kstack_errors && !s.other_faults,
			"vCPU %u task: fpu %llu segment %llu kstack %llu other %llu errors",
			cpu, (unsigned long long)s.fpu_errors,
			(unsigned long long)s.segment_errors,
			(unsigned long long)s.kstack_errors,
			(unsigned long long)s.other_faults);
	}
}

static void expect_batches_clean(struct ktap_ctx *ctx)
{
	struct hcall_batch_stats s;
	unsigned int cpu;

	for (cpu = 1; cpu < guest_nr_online; cpu++) {
		hcall_batch_snapshot(cpu, &s);
		KTAP_EXPECT(
			ctx, s.errors == 0,
			"vCPU %u: %llu of %llu batches failed (last rc %ld)",
			cpu, (unsigned long long)s.errors,
			(unsigned long long)s.batches, s.last_rc);
	}
}

static void expect_no_errors(struct ktap_ctx *ctx)
{
	workload_expect_no_errors(ctx, WORKLOAD_PINGS);
	workload_expect_no_errors(ctx, WORKLOAD_MEMORY);
	workload_expect_own_identity(ctx);
	expect_tasks_clean(ctx);
	expect_batches_clean(ctx);
}

void resume_check_no_errors(struct ktap_ctx *ctx, struct resume_context *rc)
{
	(void)rc;
	expect_no_errors(ctx);
}

void resume_check_final_progress(struct ktap_ctx *ctx)
{
	static struct workload_stats now[GUEST_MAX_VCPUS];

	workload_snapshot_all(now);
	workload_expect_progress(ctx, WORKLOAD_TICKS, now,
				 FINAL_PROGRESS_TIMEOUT_NS);
	workload_expect_progress(ctx, WORKLOAD_PINGS, now,
				 FINAL_PROGRESS_TIMEOUT_NS);
	workload_expect_progress(ctx, WORKLOAD_MEMORY, now,
				 FINAL_PROGRESS_TIMEOUT_NS);
	resume_park_expect_running(ctx);
	expect_no_errors(ctx);
}
