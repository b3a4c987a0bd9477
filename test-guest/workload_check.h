/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP checks on the always-on workloads, shared by the boot, back-out
 * and after-resume tests: "every online vCPU made progress since a
 * snapshot" and "no vCPU counted an error".
 */
#ifndef PVSR_TEST_GUEST_WORKLOAD_CHECK_H
#define PVSR_TEST_GUEST_WORKLOAD_CHECK_H

#include "test-guest/ktap.h"
#include "test-guest/workload.h"

enum workload_aspect {
	WORKLOAD_TICKS, /* the vCPU's timer fires */
	WORKLOAD_PINGS, /* it sends and answers pings */
	WORKLOAD_MEMORY, /* it rewrites and checks its memory */
};

/* Statistics of every online vCPU, to compare against later. */
void workload_snapshot_all(struct workload_stats *before);

/*
 * Wait (bounded by timeout_ns) until every online vCPU progressed in
 * aspect since before[]; a laggard fails the test, naming it, with what
 * explains a stuck vCPU. Returns whether all progressed.
 */
bool workload_expect_progress(struct ktap_ctx *ctx, enum workload_aspect aspect,
			      const struct workload_stats *before,
			      uint64_t timeout_ns);

/* No online vCPU counted an error of this aspect (or of identity). */
void workload_expect_no_errors(struct ktap_ctx *ctx,
			       enum workload_aspect aspect);
void workload_expect_own_identity(struct ktap_ctx *ctx);
/*
 * One vCPU's counters and event state (upcall mask, pending, selector,
 * timer port) as KTAP diagnostics: what a stuck vCPU looked like.
 */
void workload_diag_cpu(unsigned int cpu);

#endif /* PVSR_TEST_GUEST_WORKLOAD_CHECK_H */
