/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event-channel registry: what every port means.
 *
 * A port number is only a name Xen hands out for one domain. After a real
 * resume every channel is gone, and rebinding hands out new numbers; after
 * a cancelled suspend the channels we did not close still work. So the
 * guest never keeps port numbers: it registers the meaning of each
 * channel (VIRQ n on vCPU v, IPI k on vCPU v, a port left unbound for
 * another domain to connect to, like the suspend event channel, or a
 * channel the toolstack made, like xenstore or the console, whose port
 * comes from start_info)
 * with its handler, and asks the registry for the current port when it
 * needs one (to send an IPI) or for the handler when an event arrives.
 *
 * Around a suspend the registry closes the channels we bound (all, or one
 * vCPU's) remembering their meaning, and rebinds them to new ports with
 * the same meaning and handler. A failure part-way backs out what the call
 * did and reports the step, vCPU, hypercall, subop, Xen errno and port.
 *
 * Storage is fixed (no allocator) and lives in a struct the caller owns.
 * Binding, closing and rebinding all vCPUs' channels are done by one vCPU
 * at a time (the suspend path runs on vCPU 0); pvsr_evtchn_rebind_vcpu()
 * for different vCPUs may run concurrently, as each touches only its own
 * entries. Lookups and dispatch only read.
 */
#ifndef PVSR_KERNEL_EVTCHN_REGISTRY_H
#define PVSR_KERNEL_EVTCHN_REGISTRY_H

#include "kernel/pvsr.h"

#define PVSR_EVTCHN_MAX_VCPUS 64
/* Per vCPU: VIRQ_TIMER, VIRQ_DEBUG and a few IPIs; plus global ones. */
#define PVSR_EVTCHN_PER_VCPU 5
#define PVSR_EVTCHN_GLOBAL 16
#define PVSR_EVTCHN_MAX \
	(PVSR_EVTCHN_MAX_VCPUS * PVSR_EVTCHN_PER_VCPU + PVSR_EVTCHN_GLOBAL)
/* Ports of the 2-level ABI, the one pvsr uses. */
#define PVSR_EVTCHN_NR_PORTS EVTCHN_2L_NR_CHANNELS
/* Port 0 is never a valid channel: it means "no port". */
#define PVSR_EVTCHN_NO_PORT 0

enum pvsr_evtchn_kind {
	PVSR_EVTCHN_FREE = 0,
	PVSR_EVTCHN_VIRQ, /* index = VIRQ number */
	PVSR_EVTCHN_IPI, /* index = the guest's IPI number */
	PVSR_EVTCHN_START_INFO, /* index = the guest's id (store, console) */
	/*
	 * index = the guest's id; a port for domain `remote` to bind to.
	 * Kept open across a suspend (the toolstack that asked for it may
	 * be bound to it right now), allocated again after a real resume:
	 * the guest then tells the other side the new port.
	 */
	PVSR_EVTCHN_UNBOUND,
};

typedef void (*pvsr_evtchn_handler_t)(evtchn_port_t port, void *data);

struct pvsr_evtchn {
	enum pvsr_evtchn_kind kind;
	unsigned int vcpu;
	unsigned int index;
	domid_t remote; /* PVSR_EVTCHN_UNBOUND: who may connect */
	evtchn_port_t port; /* PVSR_EVTCHN_NO_PORT while closed */
	pvsr_evtchn_handler_t handler;
	void *data;
};

struct pvsr_evtchn_registry {
	struct pvsr_evtchn entry[PVSR_EVTCHN_MAX];
	/* port -> entry index + 1 (0: not ours), for dispatch. */
	uint16_t by_port[PVSR_EVTCHN_NR_PORTS];
};

void pvsr_evtchn_init(struct pvsr_evtchn_registry *reg);

/*
 * Bind VIRQ virq (or IPI ipi) on vCPU vcpu through the hypercall API,
 * unmask it and record it. Returns the new port, or -PVSR_E_INVAL (bad
 * argument, or that meaning is registered already), -PVSR_E_REGISTRY_FULL
 * or -PVSR_E_BIND (Xen refused; step PVSR_STEP_NONE) with *detail.
 */
int pvsr_evtchn_bind_virq(struct pvsr_evtchn_registry *reg, unsigned int virq,
			  unsigned int vcpu, pvsr_evtchn_handler_t handler,
			  void *data, struct pvsr_error_detail *detail);
int pvsr_evtchn_bind_ipi(struct pvsr_evtchn_registry *reg, unsigned int ipi,
			 unsigned int vcpu, pvsr_evtchn_handler_t handler,
			 void *data, struct pvsr_error_detail *detail);

/*
 * Allocate a port (EVTCHNOP_alloc_unbound) that domain remote may bind
 * to, unmask it and record it as id. Returns the port or an error, as
 * pvsr_evtchn_bind_virq(). pvsr_evtchn_close_*() leave it open;
 * pvsr_evtchn_rebind_*() (vCPU 0's) allocate it again after
 * pvsr_evtchn_forget_ports(), on a new port.
 */
int pvsr_evtchn_alloc_unbound(struct pvsr_evtchn_registry *reg, unsigned int id,
			      domid_t remote, pvsr_evtchn_handler_t handler,
			      void *data, struct pvsr_error_detail *detail);

/*
 * Record a channel the toolstack made (its port is in start_info; we do
 * not bind or close it) and unmask it. Called again with the same id after
 * a resume, it moves the entry to the new port. Returns 0 or -PVSR_E_*:
 * if Xen refuses the unmask, -PVSR_E_BIND the first time (step NONE),
 * -PVSR_E_REBIND when moving (step REBIND).
 */
int pvsr_evtchn_add_start_info(struct pvsr_evtchn_registry *reg,
			       unsigned int id, evtchn_port_t port,
			       pvsr_evtchn_handler_t handler, void *data,
			       struct pvsr_error_detail *detail);

/* Close one channel we bound and forget it entirely. */
int pvsr_evtchn_unbind(struct pvsr_evtchn_registry *reg, evtchn_port_t port,
		       struct pvsr_error_detail *detail);

/*
 * EVTCHNOP_close every channel we bound on vCPU vcpu (or on all vCPUs),
 * keeping meaning and handler. start_info channels are not ours and stay;
 * unbound ports for another domain stay too.
 * On failure: -PVSR_E_EVTCHN_CLOSE with *detail (step TEARDOWN), after
 * rebinding the channels this call had closed, so that the guest keeps
 * running as before (those get new ports).
 */
int pvsr_evtchn_close_vcpu(struct pvsr_evtchn_registry *reg, unsigned int vcpu,
			   struct pvsr_error_detail *detail);
int pvsr_evtchn_close_all(struct pvsr_evtchn_registry *reg,
			  struct pvsr_error_detail *detail);

/*
 * After a real resume no channel exists any more: mark every entry
 * closed, without hypercalls. start_info entries wait for their new port
 * (pvsr_evtchn_add_start_info).
 */
void pvsr_evtchn_forget_ports(struct pvsr_evtchn_registry *reg);

/*
 * Bind every closed VIRQ/IPI/unbound entry of vCPU vcpu (or of all vCPUs;
 * unbound ports belong to vCPU 0) to a new port, unmasked, same meaning
 * and handler. On failure:
 * -PVSR_E_REBIND with *detail (step REBIND), after closing again the
 * channels this call had bound (the entries stay registered, closed).
 */
int pvsr_evtchn_rebind_vcpu(struct pvsr_evtchn_registry *reg, unsigned int vcpu,
			    struct pvsr_error_detail *detail);
int pvsr_evtchn_rebind_all(struct pvsr_evtchn_registry *reg,
			   struct pvsr_error_detail *detail);

/*
 * An event arrived on port: call its handler. Returns 0, or
 * -PVSR_E_NOT_FOUND for a port that is not ours (spurious events happen
 * around a resume and are ignored).
 */
int pvsr_evtchn_dispatch(const struct pvsr_evtchn_registry *reg,
			 evtchn_port_t port);

/* The entry bound to port, or NULL. */
const struct pvsr_evtchn *
pvsr_evtchn_lookup(const struct pvsr_evtchn_registry *reg, evtchn_port_t port);

/*
 * The current port of a meaning (vcpu is ignored for START_INFO), or
 * -PVSR_E_NOT_FOUND if not registered or closed right now.
 */
int pvsr_evtchn_port_of(const struct pvsr_evtchn_registry *reg,
			enum pvsr_evtchn_kind kind, unsigned int vcpu,
			unsigned int index);

/*
 * Send IPI ipi to vCPU vcpu. Returns 0, -PVSR_E_NOT_FOUND (no such IPI
 * bound) or -PVSR_E_PARK_IPI with *detail (Xen refused; the park IPI is
 * the IPI the suspend path sends).
 */
int pvsr_evtchn_send_ipi(const struct pvsr_evtchn_registry *reg,
			 unsigned int ipi, unsigned int vcpu,
			 struct pvsr_error_detail *detail);

/* Registered entries (any state), and those with a port right now. */
unsigned int pvsr_evtchn_count(const struct pvsr_evtchn_registry *reg);
unsigned int pvsr_evtchn_count_bound(const struct pvsr_evtchn_registry *reg);

#endif /* PVSR_KERNEL_EVTCHN_REGISTRY_H */
