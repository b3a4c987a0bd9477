// SPDX-License-Identifier: GPL-2.0
/*
 * Time across hosts. After a move the guest runs on another Xen: another
 * boot, so another system-time base (the harness boots host B tens of
 * seconds after A), maybe another TSC rate and another Xen build. Two
 * things must hold on every vCPU, and this check can see both fail:
 *
 * 1. The guest clock (each vCPU's own vcpu_time_info, plus the guest's
 *    offset) continues: no step back from where it was at the suspend, and
 *    no jump forward larger than the time the guest was really away. The
 *    real time away comes from the wall clocks of the two hosts
 *    (shared_info's wc plus system time). Both Xens took their wall clock
 *    from the same source, QEMU's RTC, which follows this machine's clock,
 *    so their difference is real time give or take the RTC's one-second
 *    resolution on each host. A clock rebased on the new host's raw
 *    system time would step by the hosts' boot-time difference.
 *
 * 2. The wall clock is right on the new host. With pvsr.host_time=1 the
 *    harness writes the machine's own time, "K NANOSECONDS", into
 *    pvsr/host-time once the guest has arrived for cycle K; the guest
 *    waits for it (bounded) and compares. A wall clock left over from the
 *    old host (its wc with the new system time) would be off by the
 *    boot-time difference. One-host runs have no such reference: there the
 *    wall clock is checked against the old host's only (1.).
 */
#include "test-guest/resume_time.h"
#include "test-guest/guest.h"
#include "test-guest/smp.h"
#include "test-guest/time.h"
#include "test-guest/xenstore.h"

/* Each host's wall clock is good to the RTC's second: two hosts, two. */
#define WALL_SLACK_NS (3 * NSEC_PER_SEC)
/* vCPUs' time infos are stamped at slightly different moments. */
#define VCPU_SKEW_NS (10 * NSEC_PER_MSEC)
/* From the harness writing pvsr/host-time to this check reading it. */
#define HOST_REF_SLACK_NS (10 * NSEC_PER_SEC)
#define HOST_REF_WAIT_NS (60 * NSEC_PER_SEC)

static uint64_t mono_before_ns;
static int64_t wall_before_ns;

/* shared_info's wall clock at system time 0, plus this vCPU's system time. */
static int64_t wallclock_ns(void)
{
	const struct shared_info *s = guest_shared_info;
	uint32_t version;
	uint64_t sec, nsec;

	do {
		version = __atomic_load_n(&s->wc_version, __ATOMIC_ACQUIRE);
		sec = s->wc_sec | ((uint64_t)s->xen_wc_sec_hi << 32);
		nsec = s->wc_nsec;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) ||
		 version != __atomic_load_n(&s->wc_version, __ATOMIC_ACQUIRE));
	return (int64_t)(sec * NSEC_PER_SEC + nsec + time_raw_ns());
}

void resume_time_prepare(void)
{
	mono_before_ns = time_now_ns();
	wall_before_ns = wallclock_ns();
}

/* The guest clock as vCPU cpu sees it: its own time info, our offset. */
static uint64_t vcpu_guest_time(unsigned int cpu, int64_t offset)
{
#ifdef PVSR_SELFTEST_TIME_RAW
	/* Break flag: forget the offset, as a guest that rebases would. */
	offset = 0;
#endif
	return xen_system_time_ns(&guest_cpus[cpu].vcpu_info->time) + offset;
}

static long long ms(int64_t ns)
{
	return ns / (int64_t)NSEC_PER_MSEC;
}

static void check_vcpus(struct ktap_ctx *ctx, int64_t away_ns)
{
	int64_t offset = (int64_t)(time_now_ns() - time_raw_ns());
	int64_t bound = away_ns + WALL_SLACK_NS + away_ns / 50;
	unsigned int cpu;

	for (cpu = 0; cpu < guest_nr_online; cpu++) {
		int64_t d = (int64_t)(vcpu_guest_time(cpu, offset) -
				      mono_before_ns);

		ktap_diag(
			"vCPU %u: guest clock +%lld ms since the suspend, hosts' wall clocks +%lld ms",
			cpu, ms(d), ms(away_ns));
		KTAP_EXPECT(ctx, d >= -(int64_t)VCPU_SKEW_NS,
			    "vCPU %u: guest clock stepped back %lld ms", cpu,
			    ms(-d));
		KTAP_EXPECT(
			ctx, d <= bound,
			"vCPU %u: guest clock jumped %lld ms, the guest was away at most %lld ms",
			cpu, ms(d), ms(bound));
	}
}

/* "K NANOSECONDS" from pvsr/host-time for this cycle, bounded wait. */
static bool host_reference(unsigned int cycle, int64_t *ref_ns,
			   uint64_t *waited_ns)
{
	uint64_t t0 = time_now_ns();
	char buf[64];

	do {
		int n = xs_read("pvsr/host-time", buf, sizeof(buf));
		size_t sp = 0;
		unsigned long k, ns;

		while (n > 0 && sp < (size_t)n && buf[sp] != ' ')
			sp++;
		if (n > 0 && sp < (size_t)n && parse_ulong(buf, sp, &k) &&
		    k == cycle &&
		    parse_ulong(buf + sp + 1, (size_t)n - sp - 1, &ns)) {
			*ref_ns = (int64_t)ns;
			*waited_ns = time_now_ns() - t0;
			return true;
		}
		/* Each miss prints a xenstore diagnostic: poll gently. */
		time_delay_ns(500 * NSEC_PER_MSEC);
	} while (time_now_ns() - t0 < HOST_REF_WAIT_NS);
	*waited_ns = time_now_ns() - t0;
	return false;
}

void check_time_hosts(struct ktap_ctx *ctx, struct resume_context *rc)
{
	int64_t away_ns = wallclock_ns() - wall_before_ns;
	int64_t ref_ns, wall_ns;
	uint64_t waited_ns;

	KTAP_EXPECT(ctx, away_ns >= -(int64_t)WALL_SLACK_NS,
		    "the wall clock went back %lld ms over the suspend",
		    ms(-away_ns));
	check_vcpus(ctx, away_ns);
	if (!cmdline_get_ulong("pvsr.host_time", 0)) {
		ktap_diag(
			"no host reference (pvsr.host_time=0): wall clock checked against the old host's only");
		return;
	}
	if (!host_reference(rc->cycle, &ref_ns, &waited_ns)) {
		KTAP_EXPECT(ctx, false,
			    "no pvsr/host-time for cycle %u within %llu ms",
			    rc->cycle, (unsigned long long)ms(waited_ns));
		return;
	}
	wall_ns = wallclock_ns();
	ktap_diag(
		"wall clock %lld ms from the host's time (waited %lld ms for it)",
		ms(wall_ns - ref_ns), ms(waited_ns));
	KTAP_EXPECT(ctx, wall_ns - ref_ns >= -(int64_t)WALL_SLACK_NS,
		    "wall clock %lld ms behind the host's time",
		    ms(ref_ns - wall_ns));
	KTAP_EXPECT(ctx,
		    wall_ns - ref_ns <=
			    (int64_t)(waited_ns + HOST_REF_SLACK_NS),
		    "wall clock %lld ms ahead of the host's time",
		    ms(wall_ns - ref_ns));
}
