/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time across hosts, checked after every resume (resume_<K>_time_hosts).
 */
#ifndef PVSR_TEST_GUEST_RESUME_TIME_H
#define PVSR_TEST_GUEST_RESUME_TIME_H

#include "test-guest/ktap.h"
#include "test-guest/resume_check.h"

/* Just before the suspend: the guest clock and the wall clock, here. */
void resume_time_prepare(void);
/* After the resume: both again, on every vCPU, against the host's time. */
void check_time_hosts(struct ktap_ctx *ctx, struct resume_context *rc);

#endif /* PVSR_TEST_GUEST_RESUME_TIME_H */
