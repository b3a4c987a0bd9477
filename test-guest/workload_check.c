// SPDX-License-Identifier: GPL-2.0
/*
 * KTAP checks on the workloads (see workload_check.h).
 */
#include "test-guest/workload_check.h"
#include "test-guest/smp.h"
#include "test-guest/time.h"
#include "test-guest/events.h"

static const char *const aspect_names[] = {
	[WORKLOAD_TICKS] = "timer",
	[WORKLOAD_PINGS] = "ping-pong",
	[WORKLOAD_MEMORY] = "memory",
};

static bool progressed(enum workload_aspect aspect,
		       const struct workload_stats *b,
		       const struct workload_stats *n)
{
	switch (aspect) {
	case WORKLOAD_TICKS:
		return n->ticks >= b->ticks + 5;
	case WORKLOAD_PINGS:
		return n->pings_acked >= b->pings_acked + 3 &&
		       n->pings_seen >= b->pings_seen + 3;
	case WORKLOAD_MEMORY:
		return n->mem_rounds >= b->mem_rounds + 2;
	}
	return false;
}

void workload_snapshot_all(struct workload_stats *before)
{
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_online; cpu++)
		workload_snapshot(cpu, &before[cpu]);
}

/* Everything that helps explain a stuck vCPU from the console alone. */
void workload_diag_cpu(unsigned int cpu)
{
	const struct vcpu_info *vi = guest_cpus[cpu].vcpu_info;
	struct workload_stats s;

	workload_snapshot(cpu, &s);
	ktap_diag(
		"vCPU %u: ticks %llu (last at %llu ns, now %llu) acked %llu seen %llu mem rounds %llu",
		cpu, (unsigned long long)s.ticks,
		(unsigned long long)s.last_now,
		(unsigned long long)time_raw_ns(),
		(unsigned long long)s.pings_acked,
		(unsigned long long)s.pings_seen,
		(unsigned long long)s.mem_rounds);
	ktap_diag("vCPU %u: upcall mask %u pending %u sel %#lx timer port %d",
		  cpu, vi->evtchn_upcall_mask, vi->evtchn_upcall_pending,
		  (unsigned long)vi->evtchn_pending_sel,
		  pvsr_evtchn_port_of(&guest_evtchns, PVSR_EVTCHN_VIRQ, cpu,
				      VIRQ_TIMER));
}

static int first_laggard(enum workload_aspect aspect,
			 const struct workload_stats *before)
{
	struct workload_stats now;
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		workload_snapshot(cpu, &now);
		if (!progressed(aspect, &before[cpu], &now))
			return cpu;
	}
	return -1;
}

bool workload_expect_progress(struct ktap_ctx *ctx, enum workload_aspect aspect,
			      const struct workload_stats *before,
			      uint64_t timeout_ns)
{
	uint64_t deadline = time_now_ns() + timeout_ns;
	unsigned int cpu;
	int laggard;

	while ((laggard = first_laggard(aspect, before)) >= 0 &&
	       time_now_ns() < deadline)
		time_delay_ns(10 * NSEC_PER_MSEC);
	if (KTAP_EXPECT(ctx, laggard < 0,
			"vCPU %d made no %s progress in %llu s", laggard,
			aspect_names[aspect],
			(unsigned long long)(timeout_ns / NSEC_PER_SEC)))
		return true;
	for (cpu = 0; cpu < guest_nr_online; cpu++)
		workload_diag_cpu(cpu);
	return false;
}

static uint64_t error_count(enum workload_aspect aspect,
			    const struct workload_stats *s)
{
	switch (aspect) {
	case WORKLOAD_PINGS:
		return s->seq_errors;
	case WORKLOAD_MEMORY:
		return s->mem_errors;
	case WORKLOAD_TICKS:
		break;
	}
	return 0;
}

void workload_expect_no_errors(struct ktap_ctx *ctx,
			       enum workload_aspect aspect)
{
	static const char *const what[] = {
		[WORKLOAD_TICKS] = "timer errors",
		[WORKLOAD_PINGS] =
			"lost, duplicated or backwards sequence numbers",
		[WORKLOAD_MEMORY] = "checksum mismatches",
	};
	struct workload_stats s;
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		workload_snapshot(cpu, &s);
		KTAP_EXPECT(ctx, error_count(aspect, &s) == 0,
			    "vCPU %u: %llu %s", cpu,
			    (unsigned long long)error_count(aspect, &s),
			    what[aspect]);
	}
}

void workload_expect_own_identity(struct ktap_ctx *ctx)
{
	struct workload_stats s;
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		workload_snapshot(cpu, &s);
		KTAP_EXPECT(ctx, s.identity_errors == 0,
			    "vCPU %u ran on a foreign stack or per-CPU area",
			    cpu);
	}
}
