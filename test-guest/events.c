// SPDX-License-Identifier: GPL-2.0
/*
 * Event channel upcall, 2-level ABI: the selector word says which words
 * of the pending bitmap to scan; each pending, unmasked port is cleared
 * and dispatched.
 */
#include "test-guest/guest.h"
#include "test-guest/traps.h"
#include "test-guest/events.h"

static event_handler_t handlers[EVTCHN_2L_NR_CHANNELS];
static void *handler_data[EVTCHN_2L_NR_CHANNELS];

void events_set_handler(evtchn_port_t port, event_handler_t fn, void *data)
{
	if (port >= EVTCHN_2L_NR_CHANNELS)
		return;
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
	struct vcpu_info *vi = this_cpu()->vcpu_info;
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
