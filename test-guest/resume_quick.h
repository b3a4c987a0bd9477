/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvsr.resume_checks=quick: after each resume only the checks that wait
 * for nothing, so that a benchmark of back-to-back checkpoints measures
 * pvsr and the toolstack rather than the guest's own checking; every
 * error counter is still read after each cycle, and every workload's
 * progress is checked once, at power-off.
 */
#ifndef PVSR_TEST_GUEST_RESUME_QUICK_H
#define PVSR_TEST_GUEST_RESUME_QUICK_H

#include "test-guest/ktap.h"

struct resume_context;

enum resume_checks_mode {
	RESUME_CHECKS_FULL, /* the default: every check after every resume */
	RESUME_CHECKS_QUICK,
	RESUME_CHECKS_UNKNOWN, /* a value we do not know: a failing check */
};

enum resume_checks_mode resume_checks_mode(void);

/* Every workload's error counter is still 0 (none waits for progress). */
void resume_check_no_errors(struct ktap_ctx *ctx, struct resume_context *rc);
/* Fails, naming the pvsr.resume_checks value it does not know. */
void resume_check_mode_known(struct ktap_ctx *ctx, struct resume_context *rc);
/* At power-off in quick mode: every workload still runs, error-free. */
void resume_check_final_progress(struct ktap_ctx *ctx);

#endif /* PVSR_TEST_GUEST_RESUME_QUICK_H */
