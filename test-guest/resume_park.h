/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The park contract, checked after every resume: each vCPU came back
 * exactly as it was where the park IPI found it (see suspend_window.h).
 */
#ifndef PVSR_TEST_GUEST_RESUME_PARK_H
#define PVSR_TEST_GUEST_RESUME_PARK_H

#include "test-guest/ktap.h"
#include "test-guest/user_task.h"
#include "test-guest/hcall_batch.h"

struct resume_context;

struct park_snapshot {
	unsigned long parks_done[GUEST_MAX_VCPUS];
	struct utask_stats task[GUEST_MAX_VCPUS];
	struct hcall_batch_stats batch[GUEST_MAX_VCPUS];
};

/* Just before the suspend. */
void resume_park_prepare(struct park_snapshot *before);

/* Every vCPU runs its ring-3 task again, and every batcher a batch. */
void resume_park_expect_running(struct ktap_ctx *ctx);

void resume_check_fpu_state(struct ktap_ctx *ctx, struct resume_context *rc);
void resume_check_segment_bases(struct ktap_ctx *ctx,
				struct resume_context *rc);
void resume_check_user_all_vcpus(struct ktap_ctx *ctx,
				 struct resume_context *rc);
void resume_check_preempted_hypercall(struct ktap_ctx *ctx,
				      struct resume_context *rc);

#endif /* PVSR_TEST_GUEST_RESUME_PARK_H */
