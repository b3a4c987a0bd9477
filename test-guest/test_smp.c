// SPDX-License-Identifier: GPL-2.0
/*
 * SMP checks: every vCPU came up through the context builder, has its own
 * vcpu_info, and runs the workloads (ticks, ping-pong, memory).
 */
#include "test-guest/smp.h"
#include "test-guest/scenario.h"
#include "test-guest/workload.h"
#include "test-guest/time.h"
#include "test-guest/events.h"
#include "hypercall/hypercall.h"

static void smp_all_vcpus_up(struct ktap_ctx *ctx)
{
	unsigned long expected = cmdline_get_ulong("pvsr.vcpus", 0);
	unsigned int cpu;

	KTAP_EXPECT(ctx, !expected || expected == guest_nr_vcpus,
		    "Xen gave %u vCPUs, the harness asked for %lu",
		    guest_nr_vcpus, expected);
	KTAP_EXPECT(ctx, smp_online_count() == guest_nr_online,
		    "%u of %u vCPUs online", smp_online_count(),
		    guest_nr_online);
	for (cpu = 0; cpu < guest_nr_vcpus; cpu++) {
		long up = pvsr_hyp_vcpu_op(VCPUOP_is_up, cpu, NULL);
		long want = cpu < guest_nr_online;

		KTAP_EXPECT(ctx, up == want, "VCPUOP_is_up(%u) = %ld, not %ld",
			    cpu, up, want);
	}
	ktap_diag("%u of %u vCPUs online", smp_online_count(), guest_nr_vcpus);
}

static void vcpu_info_placement(struct ktap_ctx *ctx)
{
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		const struct vcpu_info *vi = guest_cpus[cpu].vcpu_info;

		if (!KTAP_EXPECT(ctx, vi != NULL, "vCPU %u has no vcpu_info",
				 cpu))
			continue;
		/* Xen keeps time in the registered copy: proof it took. */
		KTAP_EXPECT(ctx, vi->time.tsc_to_system_mul != 0,
			    "vCPU %u's registered vcpu_info has no time", cpu);
		KTAP_EXPECT(ctx,
			    cpu < 32 || vi != &guest_shared_info->vcpu_info[0],
			    "vCPU %u uses a shared_info slot", cpu);
	}
}

typedef bool (*progress_fn)(const struct workload_stats *before,
			    const struct workload_stats *now);

/* Waits (bounded) until every vCPU made progress; returns the laggard. */
static int wait_all_progress(progress_fn made_progress, uint64_t timeout_ns,
			     struct workload_stats *before)
{
	uint64_t deadline = time_now_ns() + timeout_ns;
	unsigned int cpu;
	struct workload_stats now;

	for (cpu = 0; cpu < guest_nr_online; cpu++)
		workload_snapshot(cpu, &before[cpu]);
	for (;;) {
		int laggard = -1;

		for (cpu = 0; cpu < guest_nr_online && laggard < 0; cpu++) {
			workload_snapshot(cpu, &now);
			if (!made_progress(&before[cpu], &now))
				laggard = cpu;
		}
		if (laggard < 0 || time_now_ns() > deadline)
			return laggard;
		time_delay_ns(10 * NSEC_PER_MSEC);
	}
}

static bool ticked(const struct workload_stats *b,
		   const struct workload_stats *n)
{
	return n->ticks >= b->ticks + 5;
}

static bool pinged(const struct workload_stats *b,
		   const struct workload_stats *n)
{
	return n->pings_acked >= b->pings_acked + 5 &&
	       n->pings_seen >= b->pings_seen + 5;
}

static bool mem_cycled(const struct workload_stats *b,
		       const struct workload_stats *n)
{
	return n->mem_rounds >= b->mem_rounds + 2;
}

static struct workload_stats before[GUEST_MAX_VCPUS];

/* Everything that helps explain a stuck vCPU from the console alone. */
static void diag_cpu(unsigned int cpu)
{
	const struct guest_cpu *c = &guest_cpus[cpu];
	const struct vcpu_info *vi = c->vcpu_info;
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

static void expect_progress(struct ktap_ctx *ctx, progress_fn fn,
			    const char *what)
{
	int laggard = wait_all_progress(fn, 20 * NSEC_PER_SEC, before);

	unsigned int cpu;

	if (KTAP_EXPECT(ctx, laggard < 0, "vCPU %d made no %s progress in 20 s",
			laggard, what))
		return;
	for (cpu = 0; cpu < guest_nr_online; cpu++)
		diag_cpu(cpu);
}

static void timer_ticks_all_vcpus(struct ktap_ctx *ctx)
{
	expect_progress(ctx, ticked, "timer");
	ktap_diag("TSC behind the time info stamp %llu times (clamped)",
		  (unsigned long long)time_tsc_behind_count());
}

static void evtchn_ipi_pingpong(struct ktap_ctx *ctx)
{
	struct workload_stats s;
	unsigned int cpu;

	expect_progress(ctx, pinged, "ping-pong");
	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		workload_snapshot(cpu, &s);
		KTAP_EXPECT(ctx, s.seq_errors == 0,
			    "vCPU %u saw %llu bad sequence numbers", cpu,
			    (unsigned long long)s.seq_errors);
	}
}

static void workload_memory_checksums(struct ktap_ctx *ctx)
{
	struct workload_stats s;
	unsigned int cpu;

	expect_progress(ctx, mem_cycled, "memory");
	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		workload_snapshot(cpu, &s);
		KTAP_EXPECT(ctx, s.mem_errors == 0,
			    "vCPU %u: %llu checksum mismatches", cpu,
			    (unsigned long long)s.mem_errors);
		KTAP_EXPECT(ctx, s.identity_errors == 0,
			    "vCPU %u ran on a foreign stack or per-CPU area",
			    cpu);
	}
}

static struct pvsr_jmp_buf roundtrip_jb;
static struct vcpu_guest_context roundtrip_ctx;
static int roundtrip_loaded;

/*
 * Not inlined, with callee-saved values live across the call: a faked
 * return that loses them shows up as wrong values below.
 */
static noinline int roundtrip(unsigned long *sum)
{
	struct pvsr_vcpu_arch_state st;
	unsigned long a = 0x1111, b = 0x2222;
	register unsigned long keep asm("r12") = 0x5a5a5a5aUL;
	int rv;

	/* Keep a, b and keep live across the call, in registers or not. */
	asm volatile("" : "+r"(keep), "+m"(a), "+m"(b));
	rv = pvsr_setjmp(&roundtrip_jb);
	asm volatile("" : "+r"(keep));
	/* Once only: a broken builder (rax = 0) must not loop forever. */
	if (rv == 0 && !roundtrip_loaded++) {
		smp_arch_state(0, &st);
		pvsr_arch_build_context(&roundtrip_ctx, &roundtrip_jb, &st);
		pvsr_arch_load_context_local(&roundtrip_ctx);
	}
	*sum = a + b + keep;
	return rv;
}

static void context_builder_roundtrip(struct ktap_ctx *ctx)
{
	const struct cpu_user_regs *r = &roundtrip_ctx.user_regs;
	unsigned long sum = 0;
	int rv = roundtrip(&sum);

	KTAP_EXPECT(ctx, rv == 1, "pvsr_setjmp returned %d, not 1", rv);
	KTAP_EXPECT(ctx, sum == 0x1111 + 0x2222 + 0x5a5a5a5aUL,
		    "callee-saved state lost: sum %#lx", sum);
	KTAP_EXPECT(ctx, r->rip == roundtrip_jb.rip, "rip");
	KTAP_EXPECT(ctx, r->rsp == roundtrip_jb.rsp + 8, "rsp");
	KTAP_EXPECT(ctx,
		    roundtrip_ctx.ctrlreg[3] ==
			    xen_pfn_to_cr3(virt_to_mfn(
				    (void *)guest_start_info->pt_base)),
		    "cr3 is not the kernel L4's MFN");
	KTAP_EXPECT(ctx,
		    roundtrip_ctx.gs_base_kernel ==
			    (unsigned long)&guest_cpus[0],
		    "gs_base_kernel");
}

const struct ktap_case smp_cases[] = {
	{ "smp_all_vcpus_up", smp_all_vcpus_up },
	{ "vcpu_info_placement", vcpu_info_placement },
	{ "context_builder_roundtrip", context_builder_roundtrip },
	{ "timer_ticks_all_vcpus", timer_ticks_all_vcpus },
	{ "evtchn_ipi_pingpong", evtchn_ipi_pingpong },
	{ "workload_memory_checksums", workload_memory_checksums },
	{ NULL, NULL }
};
