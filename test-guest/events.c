// SPDX-License-Identifier: GPL-2.0
/*
 * Event channels of the test guest, through pvsr's registry: the guest
 * never keeps a port number, it asks the registry, because after a real
 * resume every port is new.
 *
 * The upcall (2-level ABI): the selector word says which words of the
 * pending bitmap to scan. The bitmap is shared by all vCPUs, so each vCPU
 * takes only the ports bound to it; otherwise one vCPU's upcall eats
 * another's timer tick and re-arms the wrong timer.
 */
#include "test-guest/guest.h"
#include "test-guest/traps.h"
#include "test-guest/events.h"
#include "test-guest/hcall_batch.h"
#include "test-guest/suspend_window.h"
#include "test-guest/user_task.h"
#include "hypercall/hypercall.h"

struct pvsr_evtchn_registry guest_evtchns;

void events_init(void)
{
	pvsr_evtchn_init(&guest_evtchns);
}

/* Ports the registry does not know (stale after a resume) go to vCPU 0. */
static unsigned int port_owner(evtchn_port_t port)
{
	const struct pvsr_evtchn *ch = pvsr_evtchn_lookup(&guest_evtchns, port);

	if (!ch || ch->kind == PVSR_EVTCHN_START_INFO)
		return 0;
	return ch->vcpu;
}

static void scan_word(unsigned int me, unsigned int word)
{
	struct shared_info *s = guest_shared_info;
	xen_ulong_t bits;

	bits = __atomic_load_n(&s->evtchn_pending[word], __ATOMIC_ACQUIRE) &
	       ~__atomic_load_n(&s->evtchn_mask[word], __ATOMIC_ACQUIRE);
	while (bits) {
		unsigned int bit = __builtin_ctzl(bits);
		evtchn_port_t port = word * 64 + bit;

		bits &= bits - 1;
		if (port_owner(port) != me)
			continue;
		__atomic_and_fetch(&s->evtchn_pending[word], ~(1UL << bit),
				   __ATOMIC_SEQ_CST);
		/* Spurious events (a port closed since) are dropped. */
		pvsr_evtchn_dispatch(&guest_evtchns, port);
	}
}

void guest_event_upcall(struct pvsr_regs *regs)
{
	struct guest_cpu *cpu = this_cpu();
	struct vcpu_info *vi = cpu->vcpu_info;
	xen_ulong_t sel;

	if (hcall_batch_hold_off(regs))
		return;
	cpu->upcall_pc = regs->rip;
	cpu->upcall_from_user = pvsr_regs_from_user(regs);
	if (cpu->upcall_from_user) {
		utask_check_event_frame(cpu, regs);
		window_event_from_user(cpu);
	}
	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int word = __builtin_ctzl(sel);

		sel &= sel - 1;
		scan_word(cpu->id, word);
	}
}

static void bind_failed(const char *what, unsigned int index, unsigned int cpu,
			int rc, const struct pvsr_error_detail *d)
{
	panic("binding %s %u on vCPU %u failed: %s (Xen %ld)", what, index, cpu,
	      pvsr_strerror(-rc), d->xen_errno);
}

void events_bind_virq(unsigned int virq, unsigned int cpu,
		      pvsr_evtchn_handler_t fn, void *data)
{
	struct pvsr_error_detail d = { 0 };
	int rc = pvsr_evtchn_bind_virq(&guest_evtchns, virq, cpu, fn, data, &d);

	if (rc < 0)
		bind_failed("VIRQ", virq, cpu, rc, &d);
}

void events_bind_ipi(enum guest_ipi ipi, unsigned int cpu,
		     pvsr_evtchn_handler_t fn, void *data)
{
	struct pvsr_error_detail d = { 0 };
	int rc = pvsr_evtchn_bind_ipi(&guest_evtchns, ipi, cpu, fn, data, &d);

	if (rc < 0)
		bind_failed("IPI", ipi, cpu, rc, &d);
}

/* Forget one meaning of cpu's, closing its port if it has one. */
static void unbind_one(enum pvsr_evtchn_kind kind, unsigned int index,
		       unsigned int cpu)
{
	struct pvsr_error_detail d = { 0 };
	int port = pvsr_evtchn_port_of(&guest_evtchns, kind, cpu, index);
	int rc;

	if (port < 0)
		return;
	rc = pvsr_evtchn_unbind(&guest_evtchns, port, &d);
	if (rc)
		panic("unbinding port %d of vCPU %u failed: %s (Xen %ld)", port,
		      cpu, pvsr_strerror(-rc), d.xen_errno);
}

void events_unbind_cpu(unsigned int cpu)
{
	unsigned int ipi;

	unbind_one(PVSR_EVTCHN_VIRQ, VIRQ_TIMER, cpu);
	for (ipi = 0; ipi < GUEST_NR_IPIS; ipi++)
		unbind_one(PVSR_EVTCHN_IPI, ipi, cpu);
}

void events_send_ipi(unsigned int cpu, enum guest_ipi ipi)
{
	/* Not bound yet (boot) or closed (suspend): the doorbell is lost. */
	pvsr_evtchn_send_ipi(&guest_evtchns, ipi, cpu, NULL);
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
