// SPDX-License-Identifier: GPL-2.0
/*
 * Event channel upcall, 2-level ABI: the selector word says which words
 * of the pending bitmap to scan; each pending, unmasked port is cleared
 * and dispatched.
 */
#include "test-guest/guest.h"
#include "test-guest/traps.h"
#include "test-guest/events.h"
#include "hypercall/hypercall.h"

#define PENDING_WORDS (EVTCHN_2L_NR_CHANNELS / (8 * sizeof(xen_ulong_t)))

static event_handler_t handlers[EVTCHN_2L_NR_CHANNELS];
static void *handler_data[EVTCHN_2L_NR_CHANNELS];

/*
 * The pending bitmap is shared by all vCPUs; only the selector is per
 * vCPU. Each vCPU must take only the ports bound to it, or one vCPU's
 * upcall eats another's timer tick and re-arms the wrong timer.
 */
static xen_ulong_t port_owned[GUEST_MAX_VCPUS][PENDING_WORDS];

static void set_owner(evtchn_port_t port, unsigned int cpu)
{
	unsigned int c;
	xen_ulong_t bit = (xen_ulong_t)1 << (port % 64);

	for (c = 0; c < GUEST_MAX_VCPUS; c++)
		__atomic_and_fetch(&port_owned[c][port / 64], ~bit,
				   __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&port_owned[cpu][port / 64], bit, __ATOMIC_SEQ_CST);
}

void events_set_handler(evtchn_port_t port, unsigned int cpu,
			event_handler_t fn, void *data)
{
	if (port >= EVTCHN_2L_NR_CHANNELS || cpu >= GUEST_MAX_VCPUS)
		return;
	set_owner(port, cpu);
	handler_data[port] = data;
	__atomic_store_n(&handlers[port], fn, __ATOMIC_RELEASE);
}

static void dispatch(evtchn_port_t port, struct pvsr_regs *regs)
{
	event_handler_t fn = __atomic_load_n(&handlers[port],
					     __ATOMIC_ACQUIRE);

	/* Spurious events (e.g. a port closed since) are dropped. */
	if (fn)
		fn(port, handler_data[port], regs);
}

void guest_event_upcall(struct pvsr_regs *regs)
{
	struct guest_cpu *cpu = this_cpu();
	struct vcpu_info *vi = cpu->vcpu_info;
	struct shared_info *s = guest_shared_info;
	xen_ulong_t sel;

	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0,
				  __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int word = __builtin_ctzl(sel);
		xen_ulong_t bits;

		sel &= sel - 1;
		bits = __atomic_load_n(&s->evtchn_pending[word],
				       __ATOMIC_ACQUIRE) &
		       ~__atomic_load_n(&s->evtchn_mask[word],
					__ATOMIC_ACQUIRE) &
		       __atomic_load_n(&port_owned[cpu->id][word],
				       __ATOMIC_ACQUIRE);
		while (bits) {
			unsigned int bit = __builtin_ctzl(bits);
			evtchn_port_t port = word * 64 + bit;

			bits &= bits - 1;
			__atomic_and_fetch(&s->evtchn_pending[word],
					   ~(1UL << bit), __ATOMIC_SEQ_CST);
			dispatch(port, regs);
		}
	}
}

static void unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	pvsr_hyp_event_channel_op(EVTCHNOP_unmask, &op);
}

evtchn_port_t events_bind_virq(unsigned int virq, unsigned int cpu,
			       event_handler_t fn, void *data)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = cpu };
	long rc = pvsr_hyp_event_channel_op(EVTCHNOP_bind_virq, &op);

	if (rc)
		panic("EVTCHNOP_bind_virq(%u) on vCPU %u failed: %ld", virq,
		      cpu, rc);
	events_set_handler(op.port, cpu, fn, data);
	unmask(op.port);
	return op.port;
}

evtchn_port_t events_bind_ipi(unsigned int cpu, event_handler_t fn,
			      void *data)
{
	struct evtchn_bind_ipi op = { .vcpu = cpu };
	long rc = pvsr_hyp_event_channel_op(EVTCHNOP_bind_ipi, &op);

	if (rc)
		panic("EVTCHNOP_bind_ipi on vCPU %u failed: %ld", cpu, rc);
	events_set_handler(op.port, cpu, fn, data);
	unmask(op.port);
	return op.port;
}

void events_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };

	pvsr_hyp_event_channel_op(EVTCHNOP_send, &op);
}

void events_disable_local(void)
{
	__atomic_store_n(&this_cpu()->vcpu_info->evtchn_upcall_mask, 1,
			 __ATOMIC_SEQ_CST);
}

void events_enable_local(void)
{
	struct vcpu_info *vi = this_cpu()->vcpu_info;

	__atomic_store_n(&vi->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
	/* Xen only delivers on its way back to us: give it a way back. */
	if (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
		pvsr_hyp_xen_version(XENVER_version, NULL);
}
