/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the guest checks about itself after every resume, as KTAP tests
 * named resume_<cycle>_<check>.
 */
#ifndef PVSR_TEST_GUEST_RESUME_CHECK_H
#define PVSR_TEST_GUEST_RESUME_CHECK_H

#include "kernel/pvsr.h"
#include "test-guest/workload.h"
#include "test-guest/resume_park.h"

struct resume_context {
	unsigned int cycle;
	int rc; /* pvsr_suspend()'s result */
	int expected_return; /* 0 new domain, 1 cancelled, -1 any */
	const struct pvsr_report *report;
	uint64_t time_before_ns;
	int64_t time_offset_before; /* time_offset() then */
	struct workload_stats before[GUEST_MAX_VCPUS];
	struct park_snapshot park;
	unsigned int window_unacked; /* vCPUs not at work when suspending */
	bool was_online[GUEST_MAX_VCPUS]; /* when the suspend began */
};

/* Snapshot what the checks compare against, just before suspending. */
void resume_check_prepare(struct resume_context *rc, unsigned int cycle,
			  int expected_return);
/* How many KTAP results resume_check_run() prints per cycle. */
unsigned int resume_check_count(void);
/* Run and print every check; returns how many failed. */
unsigned int resume_check_run(struct resume_context *rc);

#endif /* PVSR_TEST_GUEST_RESUME_CHECK_H */
