// SPDX-License-Identifier: GPL-2.0
/*
 * The pause barrier.
 *
 * VCPUOP_down of another vCPU is asynchronous and takes effect wherever
 * that vCPU happens to be, so the boot vCPU first brings every other vCPU
 * to a known place: the park IPI's handler saves its state (park.h) and
 * its context with pvsr_setjmp and spins, events masked, touching nothing
 * Xen may tear down (no hypercalls, no vcpu_info, no event channels),
 * until it is either taken down or told to resume. An idle vCPU blocked in
 * Xen only wakes for an event, and an IPI sent while it was between
 * unmasking and blocking can be missed, so the boot vCPU pokes it again
 * until it parks.
 *
 * The same spin is where a vCPU continues after a cancelled suspend
 * (VCPUOP_up of its unchanged context), and where a rebuilt context
 * "returns" to after a real resume (pvsr_setjmp() == 1).
 *
 * Every suspend has its own generation, carried by the barrier word and
 * by every slot state written during it. A vCPU released by suspend N may
 * still be spinning on its way out when the boot vCPU starts suspend N+1:
 * it waits for "RELEASE of generation N, or any later generation", so the
 * new HOLD lets it go instead of holding it (masked, deaf to the new park
 * IPI) until the park times out.
 */
#include "kernel/barrier.h"
#include "kernel/evtchn_registry.h"
#include "kernel/trace.h"

static unsigned int barrier_word(unsigned int gen,
				 enum pvsr_barrier_phase phase)
{
	return (gen << PVSR_BARRIER_GEN_SHIFT) | phase;
}

static unsigned int word_gen(unsigned int word)
{
	return word >> PVSR_BARRIER_GEN_SHIFT;
}

static enum pvsr_barrier_phase word_phase(unsigned int word)
{
	return word & PVSR_BARRIER_PHASE_MASK;
}

/* Slot states carry the low 24 bits of the generation. */
static unsigned int slot_state(unsigned int gen, enum pvsr_vcpu_outcome outcome)
{
	return (gen << PVSR_SLOT_GEN_SHIFT) | outcome;
}

static bool slot_is(const struct pvsr_vcpu_slot *slot, unsigned int gen,
		    enum pvsr_vcpu_outcome outcome)
{
	return pvsr_load(&slot->state) == slot_state(gen, outcome);
}

bool pvsr_barrier_member(const struct pvsr *p, unsigned int vcpu)
{
	return vcpu != 0 && vcpu < p->nr_vcpus && vcpu < PVSR_MAX_VCPUS &&
	       (pvsr_load(&p->members[vcpu / 64]) >> (vcpu % 64)) & 1;
}

enum pvsr_vcpu_outcome pvsr_barrier_outcome(const struct pvsr *p,
					    unsigned int vcpu)
{
	unsigned int s = pvsr_load(&p->slots[vcpu].state);

	if ((s >> PVSR_SLOT_GEN_SHIFT) != (p->generation & 0xffffffU))
		return PVSR_VCPU_NOT_INVOLVED;
	return s & PVSR_SLOT_OUTCOME_MASK;
}

void pvsr_barrier_begin(struct pvsr *p, struct pvsr_report *r)
{
	uint64_t members[PVSR_MEMBER_WORDS] = { 0 };
	unsigned int v, n = 1;

	p->generation++;
	for (v = 1; v < p->nr_vcpus; v++) {
		struct pvsr_vcpu_slot *s = &p->slots[v];

		if (!p->ops->vcpu_online(v))
			continue;
		members[v / 64] |= 1ULL << (v % 64);
		n++;
		s->parked_ns = s->up_ns = s->resumed_ns = 0;
		s->deferred = 0;
		s->park.saved = false;
		pvsr_store(&s->state,
			   slot_state(p->generation, PVSR_VCPU_NOT_INVOLVED));
	}
	r->nr_vcpus = n;
	for (v = 0; v < PVSR_MEMBER_WORDS; v++)
		pvsr_store(&p->members[v], members[v]);
	pvsr_store(&p->barrier, barrier_word(p->generation, PVSR_BARRIER_HOLD));
}

void pvsr_barrier_set_phase(struct pvsr *p, enum pvsr_barrier_phase phase)
{
	pvsr_store(&p->barrier, barrier_word(p->generation, phase));
}

bool pvsr_busy(const struct pvsr *p)
{
	return pvsr_load(&p->busy);
}

/* Until generation gen reaches phase, or a later suspend has begun. */
static void wait_phase(struct pvsr *p, unsigned int gen,
		       enum pvsr_barrier_phase phase)
{
	unsigned int w;

	while ((w = pvsr_load(&p->barrier)),
	       word_gen(w) == gen && word_phase(w) < phase)
		pvsr_arch_cpu_relax();
}

static void report_resumed(struct pvsr *p, struct pvsr_vcpu_slot *slot,
			   unsigned int vcpu, unsigned int gen)
{
	enum pvsr_resume_kind kind = pvsr_load(&p->resume_kind);
	struct pvsr_error_detail detail = { 0 };

	/* Before anything runs on this vCPU again: its FPU state. */
	pvsr_arch_park_restore(p->arch, &slot->park);
	/*
	 * Also in a back-out: a vCPU whose channels cannot be bound again
	 * would run on deaf, as vCPU 0 would (back_out() panics the same).
	 */
	if (p->ops->vcpu_resume(vcpu, kind, &detail))
		p->ops->panic("per-vCPU resume failed", &detail);
	slot->resumed_ns = p->ops->now_ns();
	pvsr_trace_event(p, vcpu, PVSR_TR_RESUMED, kind);
	pvsr_store(&slot->state,
		   slot_state(gen, kind == PVSR_RESUME_NEW_DOMAIN ?
					   PVSR_VCPU_REBUILT :
					   PVSR_VCPU_RESTARTED));
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

/*
 * A vCPU whose park IPI interrupted a preempted hypercall must not park
 * there: Xen would re-issue the hypercall when the vCPU runs again, and
 * after a real resume that is a new domain, where the arguments (machine
 * frame numbers in an mmu_update or mmuext_op batch) name frames that are
 * not ours any more. So the handler lets the IPI pass and returns; Xen
 * finishes the hypercall, and the boot vCPU pokes again soon (every
 * PVSR_PARK_DEFER_REPOKE_NS) until the IPI lands outside one. The pending
 * event also makes Xen preempt the hypercall at its next check, so each
 * poke costs at most one continuation.
 */
static bool defer_for_hypercall(struct pvsr *p, struct pvsr_vcpu_slot *slot,
				unsigned int vcpu, unsigned long pc)
{
	if (!pvsr_arch_in_preempted_hypercall(pc))
		return false;
	__atomic_add_fetch(&slot->deferred, 1, __ATOMIC_RELEASE);
	pvsr_trace_event(p, vcpu, PVSR_TR_DEFERRED, 0);
	return true;
}

enum pvsr_park_result pvsr_park_this_vcpu(struct pvsr *p,
					  unsigned long interrupted_pc)
{
	unsigned int vcpu = p->ops->this_vcpu();
	unsigned int w = pvsr_load(&p->barrier), gen = word_gen(w);
	struct pvsr_vcpu_slot *slot;

	if (word_phase(w) != PVSR_BARRIER_HOLD || !pvsr_barrier_member(p, vcpu))
		return PVSR_PARK_IGNORED; /* a late or spurious park IPI */
	slot = &p->slots[vcpu];
	if (pvsr_load(&slot->state) != slot_state(gen, PVSR_VCPU_NOT_INVOLVED))
		return PVSR_PARK_IGNORED; /* a re-poke found us parked */
	if (defer_for_hypercall(p, slot, vcpu, interrupted_pc))
		return PVSR_PARK_DEFERRED;
	if (pvsr_arch_park_save(p->arch, &slot->park, vcpu, &slot->error)) {
		pvsr_store(&slot->state,
			   slot_state(gen, PVSR_VCPU_PARK_FAILED));
		return PVSR_PARK_FAILED; /* the boot vCPU backs out */
	}
	if (pvsr_setjmp(&slot->jb) == 0) {
		if (slot_is(slot, gen, PVSR_VCPU_PARKED))
			rebuilt_returned_zero(p, vcpu);
		slot->parked_ns = p->ops->now_ns();
		pvsr_trace_event(p, vcpu, PVSR_TR_PARKED, 0);
		pvsr_store(&slot->state, slot_state(gen, PVSR_VCPU_PARKED));
		wait_phase(p, gen, PVSR_BARRIER_RESUME);
	}
	/*
	 * Here after a cancelled suspend or a back-out (same context, let
	 * run again), or in a new domain on a rebuilt context.
	 */
	report_resumed(p, slot, vcpu, gen);
	wait_phase(p, gen, PVSR_BARRIER_RELEASE);
	return PVSR_PARK_DONE;
}

/* A member that could not park, or -1 if none. */
static int first_failed(struct pvsr *p)
{
	unsigned int v;

	for (v = 1; v < p->nr_vcpus; v++)
		if (pvsr_barrier_member(p, v) &&
		    pvsr_barrier_outcome(p, v) == PVSR_VCPU_PARK_FAILED)
			return v;
	return -1;
}

static int first_unparked(struct pvsr *p)
{
	unsigned int v;

	for (v = 1; v < p->nr_vcpus; v++)
		if (pvsr_barrier_member(p, v) &&
		    pvsr_barrier_outcome(p, v) != PVSR_VCPU_PARKED)
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

/* Poke members not parked yet; only_deferred: those inside a hypercall. */
static int poke_unparked(struct pvsr *p, struct pvsr_report *r,
			 bool only_deferred)
{
	unsigned int v;
	int rc;

	for (v = 1; v < p->nr_vcpus; v++) {
		if (!pvsr_barrier_member(p, v) ||
		    pvsr_barrier_outcome(p, v) != PVSR_VCPU_NOT_INVOLVED)
			continue;
		if (only_deferred && !pvsr_load(&p->slots[v].deferred))
			continue;
		rc = poke(p, v, r);
		if (rc)
			return rc;
	}
	return 0;
}

static int park_failed(struct pvsr *p, struct pvsr_report *r, unsigned int vcpu)
{
	r->error = p->slots[vcpu].error;
	return -(int)r->error.code;
}

int pvsr_barrier_park_all(struct pvsr *p, struct pvsr_report *r)
{
	uint64_t start = p->ops->now_ns(), last_poke = start;
	uint64_t last_defer_poke = start;
	unsigned int v;
	int laggard, failed, rc;

	for (v = 1; v < p->nr_vcpus; v++)
		p->slots[v].park_sent_ns = start;
	rc = poke_unparked(p, r, false);
	if (rc)
		return rc;
	while ((laggard = first_unparked(p)) >= 0) {
		uint64_t now = p->ops->now_ns();

		failed = first_failed(p);
		if (failed >= 0)
			return park_failed(p, r, failed);
		if (now - start > PVSR_PARK_TIMEOUT_NS)
			return pvsr_fail(&r->error, PVSR_E_PARK_TIMEOUT,
					 PVSR_STEP_PARK, laggard, -1, -1, 0);
		if (now - last_poke > PVSR_PARK_REPOKE_NS) {
			rc = poke_unparked(p, r, false);
			last_poke = last_defer_poke = now;
		} else if (now - last_defer_poke > PVSR_PARK_DEFER_REPOKE_NS) {
			rc = poke_unparked(p, r, true);
			last_defer_poke = now;
		}
		if (rc)
			return rc;
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
		while (pvsr_barrier_outcome(p, v) == PVSR_VCPU_PARKED) {
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
