/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Long preemptible hypercalls on secondary vCPUs: batches of 512
 * MMU_NORMAL_PT_UPDATE requests that rewrite every entry of an L1 of
 * their own. Each request names the entry by machine address and maps a
 * frame by MFN, so a batch that Xen restarts in another domain works on
 * frames that are no longer ours: the park issue's worst case. Requests
 * are built with events masked (a park between building and issuing would
 * be the same mistake), and every entry is checked afterwards against
 * this domain's P2M; each batch also records whether it returned in a
 * later domain than it was built in.
 */
#ifndef PVSR_TEST_GUEST_HCALL_BATCH_H
#define PVSR_TEST_GUEST_HCALL_BATCH_H

#include "test-guest/guest.h"

#define HCALL_BATCH_ENTRIES 512

struct hcall_batch_stats {
	uint64_t batches; /* completed, checked */
	uint64_t errors; /* Xen refused, or entries not what was asked */
	/*
	 * Built in one domain, returned in another: harmless if the vCPU
	 * parked after Xen finished the batch, which it may.
	 */
	uint64_t straddles;
	long last_rc;
	unsigned int last_done;
};

/* On vCPU 0, before the vCPUs use it: an L1 and two frames for cpu. */
long hcall_batch_init(unsigned int cpu);
bool hcall_batch_ready(unsigned int cpu);

/*
 * One batch on the calling vCPU, whose events are masked. With
 * events_in_call, events are let in for the hypercall only (so a park
 * IPI finds the vCPU inside it). Not from event handlers.
 */
void hcall_batch_run(bool events_in_call);

void hcall_batch_snapshot(unsigned int cpu, struct hcall_batch_stats *out);

#endif /* PVSR_TEST_GUEST_HCALL_BATCH_H */
