/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The downtime the guest's own work saw in one suspend: wall-clock stamps
 * (shared_info's wall clock, ns since the epoch) taken by a pvsr hook just
 * before the pause barrier and just after every vCPU is released.
 */
#ifndef PVSR_TEST_GUEST_DOWNTIME_H
#define PVSR_TEST_GUEST_DOWNTIME_H

#include "kernel/pvsr.h"

/*
 * Register it before every other hook: prepare() runs in reverse
 * registration order and complete() in order, so its stamps are the last
 * thing before the park and the first thing after the release.
 */
extern const struct pvsr_hook downtime_hook;

/* "# pvsr-downtime cycle=K wall_park_ns=.. wall_release_ns=.." */
void downtime_print(unsigned int cycle);

#endif /* PVSR_TEST_GUEST_DOWNTIME_H */
