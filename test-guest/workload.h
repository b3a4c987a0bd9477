/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workloads that run on every vCPU all the time, suspends included:
 * a timer tick, an IPI ping-pong around the ring of vCPUs with sequence
 * numbers, and a memory region per vCPU rewritten and checksummed.
 * Mailboxes in memory are the truth and event channels only doorbells,
 * so a doorbell lost across a suspend delays a ping but never loses or
 * duplicates a sequence number; a wrong number is counted as an error.
 */
#ifndef PVSR_TEST_GUEST_WORKLOAD_H
#define PVSR_TEST_GUEST_WORKLOAD_H

#include "test-guest/guest.h"

#define WORKLOAD_TICK_NS (10 * 1000 * 1000ULL)

struct workload_stats {
	uint64_t ticks;
	uint64_t pings_acked; /* as initiator, to the right neighbour */
	uint64_t pings_seen; /* as responder, from the left neighbour */
	uint64_t seq_errors; /* lost, duplicated or backwards numbers */
	uint64_t mem_rounds;
	uint64_t mem_errors;
	/* Stack and per-CPU identity, as seen by the vCPU itself. */
	uint64_t identity_errors;
	uint64_t last_now;
};

void workload_cpu_start(void);
void workload_snapshot(unsigned int cpu, struct workload_stats *out);
/* The handlers of this vCPU's timer and IPI channels. */
void workload_timer_event(void);
void workload_ping_event(void);
void workload_pong_event(void);

#endif /* PVSR_TEST_GUEST_WORKLOAD_H */
