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

struct pvsr_regs;

#define HCALL_BATCH_ENTRIES 512

struct hcall_batch_stats {
	uint64_t batches; /* completed, checked */
	uint64_t errors; /* Xen refused, or entries not what was asked */
	/*
	 * Built in one domain, returned in another: harmless if the vCPU
	 * parked after Xen finished the batch, which it may.
	 */
	uint64_t straddles;
	/* Upcalls that came between the unmask and the syscall, held off. */
	uint64_t held_off;
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

/*
 * From the upcall, before anything else: if the vCPU was between letting
 * events in and Xen's syscall, it sends the upcall back with events
 * masked and the event still pending, taken once the batch is done,
 * and says so. Parking there would issue the batch, built
 * with this domain's MFNs, in the next one.
 */
bool hcall_batch_hold_off(struct pvsr_regs *regs);

void hcall_batch_snapshot(unsigned int cpu, struct hcall_batch_stats *out);

#endif /* PVSR_TEST_GUEST_HCALL_BATCH_H */
