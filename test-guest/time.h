/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PVSR_TEST_GUEST_TIME_H
#define PVSR_TEST_GUEST_TIME_H

#include "hypercall/xen_abi.h"

#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL

/* Xen system time (ns) from one vcpu_time_info, version loop included. */
uint64_t xen_system_time_ns(const struct vcpu_time_info *t);
/* Monotonic guest time: never goes backwards, not even across migration. */
uint64_t time_now_ns(void);
/* This host's Xen system time as seen by the calling vCPU. */
uint64_t time_raw_ns(void);
/* Seconds (ns) since the epoch, from shared_info's wall clock. */
uint64_t time_wallclock_sec(void);
uint64_t time_wallclock_ns(void);
/* After a resume: keep time_now_ns() continuous on the new host. */
void time_resync_after_resume(void);
/* One-shot timer on the calling vCPU (VIRQ_TIMER fires). */
long timer_arm_in(uint64_t delta_ns);
void time_delay_ns(uint64_t ns);
/* The TSC, and a span of ns in TSC ticks on the calling vCPU. */
uint64_t time_tsc_now(void);
uint64_t time_ns_to_tsc(uint64_t ns);
/*
 * The offset time_now_ns() adds to this host's system time (set after a
 * resume): raw + offset is guest time without time_now_ns()'s clamp.
 */
int64_t time_offset(void);
/* How often a vCPU's TSC was behind its time info's stamp (clamped). */
uint64_t time_tsc_behind_count(void);

#endif /* PVSR_TEST_GUEST_TIME_H */
