// SPDX-License-Identifier: GPL-2.0
/* vCPU hotplug from the toolstack: see hotplug.h. */
#include "test-guest/hotplug.h"
#include "test-guest/smp.h"
#include "test-guest/events.h"
#include "test-guest/suspend.h"
#include "test-guest/time.h"
#include "test-guest/workload.h"
#include "test-guest/xenstore.h"
#include "hypercall/hypercall.h"

/* Generous: under nested TCG a vCPU may wait long for a pCPU. */
#define HOTPLUG_TIMEOUT_NS (30 * NSEC_PER_SEC)

static bool changed; /* the watch fired: read cpu/ again */
/* vCPUs from here on are held down by pvsr.offline=N (a test's choice). */
static unsigned int held_offline_from;
static unsigned int downs, ups, refused;
/* Refusals already reported, so a repeated event stays quiet. */
static bool refusal_reported[GUEST_MAX_VCPUS];

enum availability { AVAIL_UNKNOWN, AVAIL_ONLINE, AVAIL_OFFLINE };

static enum availability read_availability(unsigned int cpu)
{
	char path[32], value[16];
	int len;

	snprintf(path, sizeof(path), "cpu/%u/availability", cpu);
	len = xs_read(path, value, sizeof(value));
	if (len < 0)
		return AVAIL_UNKNOWN;
	if (!strcmp(value, "online"))
		return AVAIL_ONLINE;
	if (!strcmp(value, "offline"))
		return AVAIL_OFFLINE;
	return AVAIL_UNKNOWN;
}

void hotplug_boot_limit(void)
{
	unsigned int cpu;

	for (cpu = 1; cpu < guest_nr_online; cpu++) {
		if (read_availability(cpu) == AVAIL_OFFLINE) {
			console_printf(
				"pvsr-guest: vCPUs %u-%u offline (cpu/N/availability)\n",
				cpu, guest_nr_vcpus - 1);
			guest_nr_online = cpu;
			return;
		}
	}
}

static void on_cpu_event(const char *path, void *data)
{
	(void)path;
	(void)data;
	changed = true;
}

int hotplug_init(void)
{
	int rc;

	held_offline_from =
		guest_nr_vcpus - cmdline_get_ulong("pvsr.offline", 0);
	rc = xs_watch("cpu", on_cpu_event, NULL);

	if (rc < 0)
		return rc;
	changed = true;
	return 0;
}

static bool is_online(unsigned int cpu)
{
	return __atomic_load_n(&guest_cpus[cpu].online, __ATOMIC_ACQUIRE);
}

static void wait_until_down(unsigned int cpu)
{
	uint64_t deadline = time_now_ns() + HOTPLUG_TIMEOUT_NS;

	while (is_online(cpu) || pvsr_hyp_vcpu_op(VCPUOP_is_up, cpu, NULL)) {
		if (time_now_ns() > deadline)
			panic("hotplug: vCPU %u did not go down within 30 s (online %d, is_up %ld)",
			      cpu, is_online(cpu),
			      pvsr_hyp_vcpu_op(VCPUOP_is_up, cpu, NULL));
		pvsr_hyp_sched_yield();
	}
}

static void cpu_down(unsigned int cpu)
{
	uint64_t t0 = time_now_ns();

	__atomic_store_n(&guest_cpus[cpu].want_down, true, __ATOMIC_RELEASE);
	wait_until_down(cpu);
	__atomic_store_n(&guest_cpus[cpu].want_down, false, __ATOMIC_RELEASE);
	downs++;
	console_printf("# pvsr-hotplug vcpu=%u state=offline ns=%llu\n", cpu,
		       (unsigned long long)(time_now_ns() - t0));
}

/* Went down in this very domain: Xen still has the context it stopped in. */
static void cpu_up_again(unsigned int cpu)
{
	uint64_t deadline = time_now_ns() + HOTPLUG_TIMEOUT_NS;
	long rc = pvsr_hyp_vcpu_op(VCPUOP_up, cpu, NULL);

	if (rc)
		panic("hotplug: VCPUOP_up of vCPU %u failed: %ld", cpu, rc);
	while (!is_online(cpu)) {
		if (time_now_ns() > deadline)
			panic("hotplug: vCPU %u did not come back within 30 s",
			      cpu);
		pvsr_hyp_sched_yield();
	}
}

void hotplug_cpu_up(unsigned int cpu)
{
	struct guest_cpu *c = &guest_cpus[cpu];
	uint64_t t0 = time_now_ns();

	if (c->down_generation &&
	    c->down_generation == guest_domain_generation() + 1)
		cpu_up_again(cpu);
	else
		smp_bring_up(cpu); /* never up here: the context builder */
	ups++;
	console_printf("# pvsr-hotplug vcpu=%u state=online ns=%llu\n", cpu,
		       (unsigned long long)(time_now_ns() - t0));
}

static void refuse(unsigned int cpu)
{
	char msg[120];

	refused++;
	if (refusal_reported[cpu])
		return;
	refusal_reported[cpu] = true;
	snprintf(
		msg, sizeof(msg),
		"hotplug: vCPU %u carries the workloads' IPI ring: it stays online",
		cpu);
	console_printf("# %s\n", msg);
	if (xs_write(XS_ERROR_PATH, msg))
		console_printf("# hotplug: could not write %s\n",
			       XS_ERROR_PATH);
}

void hotplug_poll(void)
{
	unsigned int cpu;

	if (!changed)
		return;
	changed = false;
	for (cpu = 1; cpu < held_offline_from; cpu++) {
		enum availability want = read_availability(cpu);

		if (cpu < guest_nr_online) {
			if (want == AVAIL_OFFLINE)
				refuse(cpu);
			else
				refusal_reported[cpu] = false;
		} else if (want == AVAIL_ONLINE && !is_online(cpu)) {
			hotplug_cpu_up(cpu);
		} else if (want == AVAIL_OFFLINE && is_online(cpu)) {
			cpu_down(cpu);
		}
	}
}

/*
 * Closes its channels first, so no event finds a vCPU that is gone, and
 * records the domain it went down in (+1: 0 means never down).
 */
void hotplug_play_dead(void)
{
	struct guest_cpu *c = this_cpu();
	long rc;

	events_disable_local();
	events_unbind_cpu(c->id);
	c->down_generation = guest_domain_generation() + 1;
	__atomic_store_n(&c->online, false, __ATOMIC_RELEASE);
	rc = pvsr_hyp_vcpu_op(VCPUOP_down, c->id, NULL);
	if (rc)
		panic("hotplug: VCPUOP_down of vCPU %u on itself failed: %ld",
		      c->id, rc);
	/* VCPUOP_up in the same domain: back here, as it was. */
	cpu_local_setup();
	workload_cpu_start();
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
}

unsigned int hotplug_downs(void)
{
	return downs;
}

unsigned int hotplug_ups(void)
{
	return ups;
}

unsigned int hotplug_refused(void)
{
	return refused;
}
