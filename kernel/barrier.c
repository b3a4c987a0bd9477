// SPDX-License-Identifier: GPL-2.0
/*
 * The pause barrier.
 *
 * VCPUOP_down of another vCPU is asynchronous and takes effect wherever
 * that vCPU happens to be, so the boot vCPU first brings every other vCPU
 * to a known place: the park IPI's handler saves its context with
 * pvsr_setjmp and spins, events masked, touching nothing Xen may tear
 * down (no hypercalls, no vcpu_info, no event channels), until it is
 * either taken down or told to resume. An idle vCPU blocked in Xen only
 * wakes for an event, and an IPI sent while it was between unmasking and
 * blocking can be missed, so the boot vCPU pokes it again until it parks.
 *
 * The same spin is where a vCPU continues after a cancelled suspend
 * (VCPUOP_up of its unchanged context), and where a rebuilt context
 * "returns" to after a real resume (pvsr_setjmp() == 1).
 */
#include "kernel/barrier.h"
#include "kernel/evtchn_registry.h"
#include "kernel/trace.h"

bool pvsr_barrier_member(const struct pvsr *p, unsigned int vcpu)
{
	return vcpu != 0 && vcpu < p->nr_vcpus && p->ops->vcpu_online(vcpu);
}

bool pvsr_busy(const struct pvsr *p)
{
	return pvsr_load(&p->busy);
}

static void wait_phase(struct pvsr *p, enum pvsr_barrier_phase phase)
{
	while (pvsr_load(&p->barrier) < (int)phase)
		pvsr_arch_cpu_relax();
}

static void report_resumed(struct pvsr *p, struct pvsr_vcpu_slot *slot,
			   unsigned int vcpu)
{
	enum pvsr_resume_kind kind = pvsr_load(&p->resume_kind);
	struct pvsr_error_detail detail = { 0 };

	/*
	 * Also in a back-out: a vCPU whose channels cannot be bound again
	 * would run on deaf, as vCPU 0 would (back_out() panics the same).
	 */
	if (p->ops->vcpu_resume(vcpu, kind, &detail))
		p->ops->panic("per-vCPU resume failed", &detail);
	slot->resumed_ns = p->ops->now_ns();
	pvsr_trace_event(p, vcpu, PVSR_TR_RESUMED, kind);
	pvsr_store(&slot->state, kind == PVSR_RESUME_NEW_DOMAIN ?
					 PVSR_VCPU_REBUILT :
					 PVSR_VCPU_RESTARTED);
}

/*
 * Only a context rebuilt with the wrong faked return value comes back
 * here: continuing would re-park a vCPU the boot vCPU counts as back.
 */
static void rebuilt_returned_zero(struct pvsr *p, unsigned int vcpu)
{
	struct pvsr_error_detail detail = {
		.code = PVSR_E_BAD_RESUME,
		.step = PVSR_STEP_REBUILD,
		.vcpu = (int)vcpu,
		.hypercall = -1,
		.subop = -1,
	};

	p->ops->panic("impossible state", &detail);
}

void pvsr_park_this_vcpu(struct pvsr *p)
{
	unsigned int vcpu = p->ops->this_vcpu();
	struct pvsr_vcpu_slot *slot;

	if (vcpu == 0 || vcpu >= p->nr_vcpus ||
	    pvsr_load(&p->barrier) != PVSR_BARRIER_HOLD)
		return; /* a late or spurious park IPI */
	slot = &p->slots[vcpu];
	if (pvsr_load(&slot->state) == PVSR_VCPU_PARKED)
		return; /* a re-poke that found us parked already */
	if (pvsr_setjmp(&slot->jb) == 0) {
		if (pvsr_load(&slot->state) == PVSR_VCPU_PARKED)
			rebuilt_returned_zero(p, vcpu);
		slot->parked_ns = p->ops->now_ns();
		pvsr_trace_event(p, vcpu, PVSR_TR_PARKED, 0);
		pvsr_store(&slot->state, PVSR_VCPU_PARKED);
		wait_phase(p, PVSR_BARRIER_RESUME);
	}
	/*
	 * Here after a cancelled suspend or a back-out (same context, let
	 * run again), or in a new domain on a rebuilt context.
	 */
	report_resumed(p, slot, vcpu);
	wait_phase(p, PVSR_BARRIER_RELEASE);
}

static int first_unparked(struct pvsr *p)
{
	unsigned int v;

	for (v = 1; v < p->nr_vcpus; v++)
		if (pvsr_barrier_member(p, v) &&
		    pvsr_load(&p->slots[v].state) != PVSR_VCPU_PARKED)
			return v;
	return -1;
}

static int poke(struct pvsr *p, unsigned int vcpu, struct pvsr_report *r)
{
	int rc;

	pvsr_trace_event(p, 0, PVSR_TR_PARK_SENT, vcpu);
	rc = pvsr_evtchn_send_ipi(p->evtchns, p->park_ipi, vcpu, &r->error);

	if (rc == -PVSR_E_NOT_FOUND)
		rc = pvsr_fail(&r->error, PVSR_E_PARK_IPI, PVSR_STEP_PARK, vcpu,
			       -1, -1, 0);
	if (rc)
		r->error.step = PVSR_STEP_PARK;
	return rc;
}

static int poke_unparked(struct pvsr *p, struct pvsr_report *r)
{
	unsigned int v;
	int rc;

	for (v = 1; v < p->nr_vcpus; v++) {
		if (!pvsr_barrier_member(p, v) ||
		    pvsr_load(&p->slots[v].state) == PVSR_VCPU_PARKED)
			continue;
		rc = poke(p, v, r);
		if (rc)
			return rc;
	}
	return 0;
}

int pvsr_barrier_park_all(struct pvsr *p, struct pvsr_report *r)
{
	uint64_t start = p->ops->now_ns(), last_poke = start;
	unsigned int v;
	int laggard, rc;

	for (v = 1; v < p->nr_vcpus; v++)
		p->slots[v].park_sent_ns = start;
	rc = poke_unparked(p, r);
	if (rc)
		return rc;
	while ((laggard = first_unparked(p)) >= 0) {
		uint64_t now = p->ops->now_ns();

		if (now - start > PVSR_PARK_TIMEOUT_NS)
			return pvsr_fail(&r->error, PVSR_E_PARK_TIMEOUT,
					 PVSR_STEP_PARK, laggard, -1, -1, 0);
		if (now - last_poke > PVSR_PARK_REPOKE_NS) {
			rc = poke_unparked(p, r);
			if (rc)
				return rc;
			last_poke = now;
		}
		p->ops->relax();
	}
	return 0;
}

int pvsr_barrier_wait_resumed(struct pvsr *p, struct pvsr_report *r)
{
	uint64_t start = p->ops->now_ns();
	unsigned int v;

	for (v = 1; v < p->nr_vcpus; v++) {
		if (!pvsr_barrier_member(p, v))
			continue;
		while (pvsr_load(&p->slots[v].state) == PVSR_VCPU_PARKED) {
			if (p->ops->now_ns() - start > PVSR_RESUME_TIMEOUT_NS)
				return pvsr_fail(&r->error,
						 PVSR_E_RESUME_TIMEOUT,
						 PVSR_STEP_REBUILD, v, -1, -1,
						 0);
			p->ops->relax();
		}
	}
	return 0;
}
