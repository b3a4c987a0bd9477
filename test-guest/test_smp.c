// SPDX-License-Identifier: GPL-2.0
/*
 * SMP checks: every vCPU came up through the context builder, has its own
 * vcpu_info, and runs the workloads (ticks, ping-pong, memory).
 */
#include "test-guest/smp.h"
#include "test-guest/scenario.h"
#include "test-guest/workload_check.h"
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

static bool in_shared_info(const void *p)
{
	const char *base = (const char *)guest_shared_info;

	return (const char *)p >= base &&
	       (const char *)p < base + sizeof(*guest_shared_info);
}

/* Every vCPU's vcpu_info is our registered copy, not a shared_info slot. */
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
		KTAP_EXPECT(ctx, !in_shared_info(vi),
			    "vCPU %u still uses its shared_info slot", cpu);
	}
}

#define PROGRESS_TIMEOUT_NS (20 * NSEC_PER_SEC)

static struct workload_stats before[GUEST_MAX_VCPUS];

static void timer_ticks_all_vcpus(struct ktap_ctx *ctx)
{
	workload_snapshot_all(before);
	workload_expect_progress(ctx, WORKLOAD_TICKS, before,
				 PROGRESS_TIMEOUT_NS);
	ktap_diag("TSC behind the time info stamp %llu times (clamped)",
		  (unsigned long long)time_tsc_behind_count());
}

static void evtchn_ipi_pingpong(struct ktap_ctx *ctx)
{
	workload_snapshot_all(before);
	workload_expect_progress(ctx, WORKLOAD_PINGS, before,
				 PROGRESS_TIMEOUT_NS);
	workload_expect_no_errors(ctx, WORKLOAD_PINGS);
}

static void workload_memory_checksums(struct ktap_ctx *ctx)
{
	workload_snapshot_all(before);
	workload_expect_progress(ctx, WORKLOAD_MEMORY, before,
				 PROGRESS_TIMEOUT_NS);
	workload_expect_no_errors(ctx, WORKLOAD_MEMORY);
	workload_expect_own_identity(ctx);
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
