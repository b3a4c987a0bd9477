/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event channels of the test guest (pvsr's registry underneath).
 */
#ifndef PVSR_TEST_GUEST_EVENTS_H
#define PVSR_TEST_GUEST_EVENTS_H

#include "test-guest/guest.h"
#include "kernel/evtchn_registry.h"

extern struct pvsr_evtchn_registry guest_evtchns;

void events_init(void);

/* Bind a VIRQ / an IPI on vCPU cpu, unmasked; panics on failure. */
void events_bind_virq(unsigned int virq, unsigned int cpu,
		      pvsr_evtchn_handler_t fn, void *data);
void events_bind_ipi(enum guest_ipi ipi, unsigned int cpu,
		     pvsr_evtchn_handler_t fn, void *data);
/*
 * Close and forget every channel cpu_local_setup() bound for cpu (a vCPU
 * going offline): its next bring-up binds them afresh.
 */
void events_unbind_cpu(unsigned int cpu);
/* Ring vCPU cpu's doorbell ipi; lost if it is not bound right now. */
void events_send_ipi(unsigned int cpu, enum guest_ipi ipi);
void events_send(evtchn_port_t port);

/* Let upcalls in on the calling vCPU; delivers anything pending. */
void events_enable_local(void);
void events_disable_local(void);

#endif /* PVSR_TEST_GUEST_EVENTS_H */
