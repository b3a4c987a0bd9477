// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario runner: which KTAP cases run, in which order, and for the
 * suspend scenarios the loop that waits for the toolstack's requests.
 *
 *   boot          the boot checks, then power off;
 *   save-restore  the boot checks, "ready", then per xl save/restore:
 *   checkpoint    pvsr_suspend() and the resume checks (resume_<k>_*),
 *   migrate       "resumed <k>"; power off when the harness asks;
 *   remus         the same for xl remus checkpoints (each one cancelled);
 *   soak          any mix of the above, each cycle judged on its own;
 *   hotplug       the same, with vCPUs taken down and up by xl vcpu-set.
 *
 * With pvsr.cycles=K the plan is known up front, so a guest that stops
 * early shows up as missing results, never as a pass. pvsr.cycles=0 is an
 * open-ended run (a soak, a remus window): the plan is printed last, at
 * power-off, and a log without it is incomplete.
 */
#include "test-guest/guest.h"
#include "test-guest/scenario.h"
#include "test-guest/resume_check.h"
#include "test-guest/resume_quick.h"
#include "test-guest/suspend.h"
#include "test-guest/xenstore.h"
#include "test-guest/control.h"
#include "test-guest/smp.h"
#include "test-guest/time.h"
#include "test-guest/workload.h"
#include "test-guest/workload_check.h"
#include "test-guest/suspend_window.h"
#include "test-guest/user_task.h"
#include "test-guest/downtime.h"
#include "test-guest/suspend_channel.h"
#include "test-guest/hotplug.h"

/* Everything the boot scenario checks, in order. */
static const struct ktap_case *const boot_tables[] = {
	boot_cases, smp_cases, pt_cases, suspend_cases, xenstore_cases,
};

struct scenario {
	const char *name;
	int expected_return; /* of the suspend hypercall; -2: no suspend */
};

static const struct scenario scenarios[] = {
	{ "boot", -2 },
	{ "save-restore", 0 },
	{ "checkpoint", 1 },
	{ "migrate", 0 },
	{ "remus", 1 },
	{ "soak", -1 },
	{ "hotplug", -1 },
	/* Any return: the harness checks each cycle's (moves, checkpoints). */
	{ "two-host", -1 },
};

unsigned int ktap_count(const struct ktap_case *cases)
{
	unsigned int n = 0;

	while (cases[n].name)
		n++;
	return n;
}

void ktap_run_all(const struct ktap_case *cases)
{
	for (; cases->name; cases++)
		ktap_run(cases->name, cases->run);
}

static unsigned int boot_count(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(boot_tables); i++)
		n += ktap_count(boot_tables[i]);
	return n;
}

static void run_boot_checks(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(boot_tables); i++)
		ktap_run_all(boot_tables[i]);
	ktap_diag("boot checks: %u of %u failed", ktap_failures(),
		  ktap_reported());
}

static const struct scenario *find_scenario(void)
{
	size_t len;
	const char *s = cmdline_get("pvsr.scenario", &len);
	unsigned int i;

	if (!s)
		return &scenarios[0];
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (len == strlen(scenarios[i].name) &&
		    !strncmp(s, scenarios[i].name, len))
			return &scenarios[i];
	return NULL;
}

/* The suspend scenarios' state, driven from vCPU 0's main loop. */
static bool suspend_requested;
static unsigned int cycles_done;
static bool open_ended; /* pvsr.cycles=0: the plan comes last */

static void on_suspend(void)
{
	suspend_requested = true;
}

/*
 * vCPUs left offline through every suspend come up now, in whatever
 * domain this is, through the same context builder (Xen's restore left
 * them down and uninitialised, as it should).
 */
static void offline_vcpus_come_up(struct ktap_ctx *ctx)
{
	struct workload_stats s;
	unsigned int cpu;
	uint64_t deadline;

	for (cpu = guest_nr_online; cpu < guest_nr_vcpus; cpu++) {
		if (!__atomic_load_n(&guest_cpus[cpu].online, __ATOMIC_ACQUIRE))
			hotplug_cpu_up(cpu);
		deadline = time_now_ns() + 20 * NSEC_PER_SEC;
		do {
			workload_snapshot(cpu, &s);
			if (s.ticks >= 3)
				break;
			time_delay_ns(10 * NSEC_PER_MSEC);
		} while (time_now_ns() < deadline);
		KTAP_EXPECT(ctx, s.ticks >= 3,
			    "vCPU %u came up but its timer does not tick", cpu);
		KTAP_EXPECT(ctx, s.identity_errors == 0,
			    "vCPU %u runs on a foreign stack", cpu);
	}
}

unsigned int scenario_cycles_done(void)
{
	return __atomic_load_n(&cycles_done, __ATOMIC_ACQUIRE);
}

static bool quick_checks(void)
{
	return resume_checks_mode() == RESUME_CHECKS_QUICK;
}

static unsigned int final_count(void)
{
	return (guest_nr_online < guest_nr_vcpus) + quick_checks();
}

static void final_report(void)
{
	/* Quick cycles proved no progress: the run proves it once, here. */
	if (quick_checks())
		ktap_run("final_progress", resume_check_final_progress);
	if (guest_nr_online < guest_nr_vcpus)
		ktap_run("offline_vcpus_come_up", offline_vcpus_come_up);
	ktap_diag(
		"pvsr-guest: %u vCPU(s) taken down and %u brought up by the toolstack, %u request(s) refused",
		hotplug_downs(), hotplug_ups(), hotplug_refused());
	ktap_diag(
		"pvsr-guest: %u suspend request(s) refused because they arrived during a suspend",
		control_refused_during_suspend());
	ktap_diag("pvsr-guest: %u suspend cycles, %u of %u tests failed",
		  cycles_done, ktap_failures(), ktap_reported());
	if (open_ended)
		ktap_end_open_ended();
}

static const struct control_ops scenario_control = {
	.final_report = final_report,
	.on_suspend = on_suspend,
};

static void publish(const char *state)
{
	int rc = xs_publish_state(state);

	if (rc)
		ktap_diag("publishing state '%s' failed: %s", state,
			  xs_strerror(rc));
}

/*
 * A vCPU that never reached the barrier: its event state right after the
 * back-out, before anything else runs on vCPU 0 (seen: a vCPU starved by
 * yielding parked vCPUs, its upcall mask set and its park IPI pending).
 */
static void diag_unparked(const struct pvsr_report *r)
{
	unsigned int v;

	if (r->error.code != PVSR_E_PARK_TIMEOUT)
		return;
	for (v = 1; v < r->nr_vcpus && v < PVSR_MAX_VCPUS; v++)
		if (r->vcpu[v].outcome == PVSR_VCPU_NEVER_PARKED)
			workload_diag_cpu(v);
}

static void run_one_cycle(const struct scenario *sc)
{
	static struct resume_context ctx;
	static struct pvsr_report report;
	char state[32];
	unsigned int failed;

	__atomic_add_fetch(&cycles_done, 1, __ATOMIC_RELEASE);
	ctx.window_unacked = window_open();
	resume_check_prepare(&ctx, cycles_done, sc->expected_return);
	ctx.rc = pvsr_suspend(&guest_pvsr, &report);
	diag_unparked(&report);
	control_after_suspend();
	window_close();
	ctx.report = &report;
	control_done();
	guest_print_report(cycles_done, ctx.rc, &report);
	console_printf("# pvsr-request cycle=%u via=%s\n", cycles_done,
		       control_request_via());
	downtime_print(cycles_done);
	guest_print_trace(cycles_done);
	failed = resume_check_run(&ctx);
	snprintf(state, sizeof(state), "resumed %u", cycles_done);
	publish(failed ? "failed" : state);
}

/* Serve control/shutdown until the harness asks for a power-off. */
static void serve_requests(const struct scenario *sc)
{
	for (;;) {
		control_poll();
		hotplug_poll();
		if (suspend_requested) {
			suspend_requested = false;
			run_one_cycle(sc);
		}
		xs_heartbeat();
		/* vCPU 0's own ring-3 task, live across every suspend. */
		utask_run(NSEC_PER_MSEC, false);
		time_delay_ns(20 * NSEC_PER_MSEC);
	}
}

void scenario_main(void)
{
	const struct scenario *sc = find_scenario();
	unsigned long cycles = cmdline_get_ulong("pvsr.cycles", 1);
	int rc;

	if (!sc) {
		ktap_begin(1);
		ktap_report("scenario_known", false, NULL);
		ktap_diag("unknown pvsr.scenario on the command line: %s",
			  guest_cmdline);
		return;
	}
	if (sc->expected_return == -2) {
		ktap_begin(boot_count());
		run_boot_checks();
		return;
	}
	open_ended = cycles == 0;
	if (open_ended)
		ktap_begin_open_ended();
	else
		ktap_begin(boot_count() + cycles * resume_check_count() +
			   final_count());
	run_boot_checks();
	guest_trace_init();
	/* First, so that its stamps hug the quiesced window. */
	rc = pvsr_hook_register(&guest_pvsr, &downtime_hook);
	if (rc)
		panic("registering the downtime hook failed: %s",
		      pvsr_strerror(-rc));
	rc = pvsr_hook_register(&guest_pvsr, &xs_pvsr_hook);
	if (rc)
		panic("registering the xenstore hook failed: %s",
		      pvsr_strerror(-rc));
	rc = control_init(&scenario_control);
	if (rc)
		panic("watching control/shutdown failed: %s", xs_strerror(rc));
	rc = hotplug_init();
	if (rc)
		panic("watching cpu/ for hotplug failed: %s", xs_strerror(rc));
	if (suspend_channel_init())
		ktap_diag(
			"no suspend event channel: requests come through control/shutdown only");
	publish(ktap_failures() ? "failed" : "ready");
	serve_requests(sc);
}
