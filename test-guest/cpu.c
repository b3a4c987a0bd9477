// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU setup and the idle loop. cpu_local_setup() runs on each vCPU
 * itself, at boot and again after every resume: its event channels are
 * gone then and the timer must be re-armed.
 */
#include "test-guest/smp.h"
#include "test-guest/events.h"
#include "test-guest/workload.h"
#include "hypercall/hypercall.h"

static void on_timer(evtchn_port_t port, void *data, struct pvsr_regs *regs)
{
	(void)port, (void)data, (void)regs;
	workload_timer_event();
}

static void on_ping(evtchn_port_t port, void *data, struct pvsr_regs *regs)
{
	(void)port, (void)data, (void)regs;
	workload_ping_event();
}

static void on_pong(evtchn_port_t port, void *data, struct pvsr_regs *regs)
{
	(void)port, (void)data, (void)regs;
	workload_pong_event();
}

static void on_park(evtchn_port_t port, void *data, struct pvsr_regs *regs)
{
	(void)port, (void)data, (void)regs;
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
	cpu->timer_port = events_bind_virq(VIRQ_TIMER, cpu->id, on_timer,
					   NULL);
	cpu->ipi_port[IPI_PING] = events_bind_ipi(cpu->id, on_ping, NULL);
	cpu->ipi_port[IPI_PONG] = events_bind_ipi(cpu->id, on_pong, NULL);
	cpu->ipi_port[IPI_PARK] = events_bind_ipi(cpu->id, on_park, NULL);
	events_enable_local();
}

void cpu_idle_loop(void)
{
	workload_cpu_start();
	for (;;) {
		/* Block unmasks events and sleeps, atomically. */
		events_disable_local();
		pvsr_hyp_sched_block();
	}
}
