/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PVSR_TEST_GUEST_EVENTS_H
#define PVSR_TEST_GUEST_EVENTS_H

#include "hypercall/xen_abi.h"
#include "arch/x86/traps.h"

typedef void (*event_handler_t)(evtchn_port_t port, void *data,
				struct pvsr_regs *regs);

/* Route port (bound to vCPU cpu) to fn; only cpu's upcall takes it. */
void events_set_handler(evtchn_port_t port, unsigned int cpu,
			event_handler_t fn, void *data);



/* Bind VIRQ virq / a new IPI port to vCPU cpu, unmasked; panics on error. */
evtchn_port_t events_bind_virq(unsigned int virq, unsigned int cpu,
			       event_handler_t fn, void *data);
evtchn_port_t events_bind_ipi(unsigned int cpu, event_handler_t fn,
			      void *data);
void events_send(evtchn_port_t port);
/* Let upcalls in on the calling vCPU; delivers anything pending. */
void events_enable_local(void);
void events_disable_local(void);
#endif /* PVSR_TEST_GUEST_EVENTS_H */
