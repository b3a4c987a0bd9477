// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU setup and the idle loop. cpu_local_setup() runs on each vCPU
 * itself, at boot and again after every resume: its event channels are
 * gone then and the timer must be re-armed.
 */
#include "test-guest/smp.h"
#include "test-guest/events.h"
#include "test-guest/workload.h"
#include "test-guest/suspend.h"
#include "test-guest/suspend_window.h"
#include "test-guest/hotplug.h"
#include "hypercall/hypercall.h"

static void on_timer(evtchn_port_t port, void *data)
{
	(void)port;
	(void)data;
	workload_timer_event();
}

static void on_ping(evtchn_port_t port, void *data)
{
	(void)port;
	(void)data;
	workload_ping_event();
}

static void on_pong(evtchn_port_t port, void *data)
{
	(void)port;
	(void)data;
	workload_pong_event();
}

void cpu_local_setup(void)
{
	struct guest_cpu *cpu = this_cpu();
	long rc;

	/* Xen's default 10 ms periodic timer would double our ticks. */
	rc = pvsr_hyp_vcpu_op(VCPUOP_stop_periodic_timer, cpu->id, NULL);
	if (rc)
		panic("VCPUOP_stop_periodic_timer on vCPU %u failed: %ld",
		      cpu->id, rc);
	events_bind_virq(VIRQ_TIMER, cpu->id, on_timer, NULL);
	events_bind_ipi(IPI_PING, cpu->id, on_ping, NULL);
	events_bind_ipi(IPI_PONG, cpu->id, on_pong, NULL);
	events_bind_ipi(IPI_PARK, cpu->id, guest_park_handler, NULL);
	events_enable_local();
}

void cpu_idle_loop(void)
{
	workload_cpu_start();
	for (;;) {
		if (__atomic_load_n(&this_cpu()->want_down, __ATOMIC_ACQUIRE))
			hotplug_play_dead();
		window_cpu_step();
		/* Block unmasks events and sleeps, atomically. */
		events_disable_local();
		pvsr_hyp_sched_block();
	}
}
