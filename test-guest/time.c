// SPDX-License-Identifier: GPL-2.0
/*
 * Guest time from Xen's per-vCPU vcpu_time_info: system time (ns since
 * the host booted) at the last update plus the TSC ticks since, scaled.
 * Xen bumps the version to odd while it writes; an odd or changed version
 * means retry. A guest-side offset keeps the clock monotonic across a
 * migration, where the new host's system time is unrelated to the old.
 */
#include "test-guest/guest.h"
#include "test-guest/time.h"
#include "test-guest/events.h"
#include "hypercall/hypercall.h"

static int64_t time_offset_ns;
static uint64_t time_last_ns;

static const struct vcpu_time_info *my_time_info(void)
{
	return &this_cpu()->vcpu_info->time;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t time_tsc_now(void)
{
	return rdtsc();
}

/* Xen's scale: ns = ((tsc << shift) * mul) >> 32, shift may be < 0. */
uint64_t time_ns_to_tsc(uint64_t ns)
{
	const struct vcpu_time_info *t = my_time_info();
	uint64_t cycles = (ns << 32) / t->tsc_to_system_mul;

	if (t->tsc_shift >= 0)
		return cycles >> t->tsc_shift;
	return cycles << -t->tsc_shift;
}

static uint64_t time_tsc_behind;

uint64_t time_tsc_behind_count(void)
{
	return __atomic_load_n(&time_tsc_behind, __ATOMIC_RELAXED);
}

static uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
	/*
	 * A TSC behind the stamp (the stamp was taken on another physical
	 * CPU) would wrap into a huge delta and a timer days away.
	 */
	if ((int64_t)delta < 0) {
		__atomic_add_fetch(&time_tsc_behind, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return (uint64_t)(((__uint128_t)delta * mul) >> 32);
}

uint64_t xen_system_time_ns(const struct vcpu_time_info *t)
{
	uint32_t version;
	uint64_t ns;

	do {
		version = __atomic_load_n(&t->version, __ATOMIC_ACQUIRE);
		ns = t->system_time + scale_delta(rdtsc() - t->tsc_timestamp,
						  t->tsc_to_system_mul,
						  t->tsc_shift);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) ||
		 version != __atomic_load_n(&t->version, __ATOMIC_ACQUIRE));
	return ns;
}

uint64_t time_now_ns(void)
{
	uint64_t raw = xen_system_time_ns(my_time_info());
	uint64_t now = raw + time_offset_ns;
	uint64_t last = __atomic_load_n(&time_last_ns, __ATOMIC_RELAXED);

	/* vCPUs' clocks differ by a little; never hand out less than seen. */
	while (now > last &&
	       !__atomic_compare_exchange_n(&time_last_ns, &last, now, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return now > last ? now : last;
}

uint64_t time_raw_ns(void)
{
	return xen_system_time_ns(my_time_info());
}

int64_t time_offset(void)
{
	return __atomic_load_n(&time_offset_ns, __ATOMIC_ACQUIRE);
}

void time_resync_after_resume(void)
{
	uint64_t raw = xen_system_time_ns(my_time_info());
	uint64_t last = __atomic_load_n(&time_last_ns, __ATOMIC_RELAXED);

	/* Continue from the last value handed out, wherever we are now. */
	__atomic_store_n(&time_offset_ns, (int64_t)(last - raw),
			 __ATOMIC_RELEASE);
}

/* Xen's wall clock at system time 0, in ns since the epoch. */
static uint64_t wallclock_base_ns(void)
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
	return sec * NSEC_PER_SEC + nsec;
}

uint64_t time_wallclock_ns(void)
{
	return wallclock_base_ns() + time_raw_ns();
}

uint64_t time_wallclock_sec(void)
{
	return time_wallclock_ns() / NSEC_PER_SEC;
}

long timer_arm_in(uint64_t delta_ns)
{
	return pvsr_hyp_set_timer_op(time_raw_ns() + delta_ns);
}

void time_delay_ns(uint64_t ns)
{
	uint64_t end = time_now_ns() + ns;

	/*
	 * Sleep until an event (our own tick comes every few ms) rather
	 * than spin: under nested TCG a spinning vCPU starves the others,
	 * and Xen refreshes a vCPU's time info when it is scheduled in.
	 */
	while (time_now_ns() < end) {
		events_disable_local();
		pvsr_hyp_sched_block();
	}
}
