/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU hotplug driven by the toolstack (xl vcpu-set): libxl writes
 * cpu/N/availability = "online" or "offline" and the guest takes the vCPU
 * down or brings it up itself, as a real PV kernel does.
 *
 * The vCPUs online at boot (the first guest_nr_online) carry the IPI ring
 * of the workloads and stay online; the ones above (maxvcpus > vcpus in
 * the xl config, or pvsr.offline=N) come and go. Bring-up goes through
 * the same context builder as boot and resume, except for a vCPU that
 * went down in this very domain: Xen keeps its context, and VCPUOP_up
 * lets it return from its own VCPUOP_down (as Linux relies on too).
 *
 * Changes are carried out by vCPU 0's main loop, between suspends, so a
 * suspend never starts while a vCPU is half up or half down.
 */
#ifndef PVSR_TEST_GUEST_HOTPLUG_H
#define PVSR_TEST_GUEST_HOTPLUG_H

#include "test-guest/guest.h"

/*
 * At boot, after xs_init() and before the secondaries come up: leave down
 * the vCPUs the toolstack says are offline.
 */
void hotplug_boot_limit(void);
/* Watch cpu/ for the toolstack's changes. Returns 0 or a -XS_E_*. */
int hotplug_init(void);
/* vCPU 0's main loop: carry out what the toolstack asked for. */
void hotplug_poll(void);
/* Bring up a hot-pluggable vCPU that is down (panics on failure). */
void hotplug_cpu_up(unsigned int cpu);
/* On the vCPU itself (idle loop): go down; returns when brought back. */
void hotplug_play_dead(void);
/* vCPUs taken down and brought up so far, and refused requests. */
unsigned int hotplug_downs(void);
unsigned int hotplug_ups(void);
unsigned int hotplug_refused(void);

#endif /* PVSR_TEST_GUEST_HOTPLUG_H */
