// SPDX-License-Identifier: GPL-2.0
/*
 * The PV console: a ring shared with xenconsoled in dom0, found through
 * start_info. Non-debug Xen refuses CONSOLEIO_write from a domU, so this
 * ring is the guest's only voice.
 */
#include "test-guest/guest.h"
#include "hypercall/hypercall.h"

static struct xencons_interface *console_ring;
static evtchn_port_t console_port;

/* Owner vCPU + 1, so a vCPU that crashes while printing can still print. */
static unsigned int console_owner;

void console_init(void)
{
	unsigned long pfn = mfn_to_pfn(guest_start_info->console.domU.mfn);

	console_ring = pfn_to_virt(pfn);
	console_port = guest_start_info->console.domU.evtchn;
}

static void console_notify(void)
{
	struct evtchn_send send = { .port = console_port };

	pvsr_hyp_event_channel_op(EVTCHNOP_send, &send);
}

static void ring_write(const char *s, size_t len)
{
	struct xencons_interface *ring = console_ring;

	while (len) {
		XENCONS_RING_IDX cons, prod;

		cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
		prod = ring->out_prod;
		if (prod - cons >= sizeof(ring->out)) {
			/* Full: let xenconsoled drain it. */
			console_notify();
			pvsr_hyp_sched_yield();
			continue;
		}
		while (len && prod - cons < sizeof(ring->out)) {
			ring->out[MASK_XENCONS_IDX(prod, ring->out)] = *s++;
			prod++;
			len--;
		}
		__atomic_store_n(&ring->out_prod, prod, __ATOMIC_RELEASE);
		console_notify();
	}
}

/*
 * Before the domain shuts down: give xenconsoled the chance to take what
 * is still in the ring, or the last lines (the KTAP summary, a crash
 * dump) are lost with the domain. Bounded: a dom0 that stopped reading
 * must not keep us from shutting down.
 */
void console_flush(void)
{
	unsigned int tries;

	if (!console_ring)
		return;
	for (tries = 0; tries < 10000; tries++) {
		if (__atomic_load_n(&console_ring->out_cons,
				    __ATOMIC_ACQUIRE) ==
		    __atomic_load_n(&console_ring->out_prod, __ATOMIC_ACQUIRE))
			return;
		console_notify();
		pvsr_hyp_sched_yield();
	}
}

void console_write(const char *s, size_t len)
{
	unsigned int me = this_cpu_id() + 1;
	unsigned int expected = 0;
	bool nested;

	if (!console_ring)
		return;
	nested = __atomic_load_n(&console_owner, __ATOMIC_RELAXED) == me;
	while (!nested && !__atomic_compare_exchange_n(
				  &console_owner, &expected, me, false,
				  __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		expected = 0;
		__builtin_ia32_pause();
	}
	ring_write(s, len);
	if (!nested)
		__atomic_store_n(&console_owner, 0, __ATOMIC_RELEASE);
}

void console_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, n);
}
