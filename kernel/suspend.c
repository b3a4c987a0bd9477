// SPDX-License-Identifier: GPL-2.0
/*
 * pvsr_suspend(): the protocol, top to bottom (see DESIGN.md).
 *
 * Every step before the hypercall can fail and is undone in reverse, so a
 * failed suspend leaves all vCPUs running and all channels bound. After
 * the hypercall there is no going back: a failure there panics rather
 * than leave a half-resumed guest.
 */
#include "kernel/pvsr.h"
#include "kernel/barrier.h"
#include "kernel/bringup.h"
#include "kernel/hooks.h"
#include "kernel/trace.h"
#include "kernel/evtchn_registry.h"
#include "hypercall/hypercall.h"

static const char *const phase_names[PVSR_PHASE_COUNT] = {
	[PVSR_PHASE_PREPARE] = "prepare",
	[PVSR_PHASE_PARK] = "park",
	[PVSR_PHASE_DOWN] = "down",
	[PVSR_PHASE_TEARDOWN] = "teardown",
	[PVSR_PHASE_HYPERCALL] = "hypercall",
	[PVSR_PHASE_REBIND] = "rebind",
	[PVSR_PHASE_REBUILD] = "rebuild",
	[PVSR_PHASE_HOOKS] = "hooks",
	[PVSR_PHASE_COMPLETE] = "complete",
	[PVSR_PHASE_TOTAL] = "total",
};

const char *pvsr_phase_name(enum pvsr_phase phase)
{
	if ((unsigned int)phase >= PVSR_PHASE_COUNT)
		return "unknown phase";
	return phase_names[phase];
}

int pvsr_init(struct pvsr *p, const struct pvsr_ops *ops,
	      struct pvsr_evtchn_registry *evtchns, struct pvsr_arch *arch,
	      unsigned int park_ipi, unsigned int nr_vcpus,
	      struct pvsr_vcpu_slot *slots)
{
	int rc;

	if (!p || !ops || !evtchns || !slots || !nr_vcpus ||
	    nr_vcpus > PVSR_MAX_VCPUS)
		return -PVSR_E_INVAL;
	if (arch) {
		rc = pvsr_arch_park_init(arch, NULL);
		if (rc)
			return rc;
	}
	p->ops = ops;
	p->evtchns = evtchns;
	p->arch = arch;
	p->park_ipi = park_ipi;
	p->nr_vcpus = nr_vcpus;
	p->nr_hooks = 0;
	p->busy = 0;
	p->barrier = PVSR_BARRIER_IDLE;
	p->resume_kind = PVSR_RESUME_BACKOUT;
	p->generation = 0;
	for (rc = 0; rc < PVSR_MEMBER_WORDS; rc++)
		p->members[rc] = 0;
	p->bringup = PVSR_BRINGUP_BATCHED;
	p->slots = slots;
	p->trace = NULL;
	return 0;
}

/* A hypercall's failure, with where it happened. */
static int xen_fail(struct pvsr_report *r, enum pvsr_error code,
		    enum pvsr_step step, int vcpu, int hypercall, int subop,
		    long rc)
{
	return pvsr_fail(&r->error, code, step, vcpu, hypercall, subop, rc);
}

static void phase_done(struct pvsr *p, struct pvsr_report *r,
		       enum pvsr_phase phase, uint64_t *mark)
{
	uint64_t now = p->ops->now_ns();

	r->phase_ns[phase] = now - *mark;
	*mark = now;
}

static int down_fail(struct pvsr_report *r, unsigned int vcpu, int hypercall,
		     int subop, long rc)
{
	return xen_fail(r, PVSR_E_VCPU_DOWN, PVSR_STEP_DOWN, vcpu, hypercall,
			subop, rc);
}

/*
 * VCPUOP_down is asynchronous: wait until Xen says the vCPU is down. Once
 * VCPUOP_down went through, the vCPU counts as taken down (*done) even if
 * the wait fails, so that a back-out brings it up again.
 */
static int take_down(struct pvsr_report *r, unsigned int vcpu,
		     unsigned int *done)
{
	long rc = pvsr_hyp_vcpu_op(VCPUOP_down, vcpu, NULL);

	if (rc)
		return down_fail(r, vcpu, __HYPERVISOR_vcpu_op, VCPUOP_down,
				 rc);
	*done = vcpu + 1;
	while ((rc = pvsr_hyp_vcpu_op(VCPUOP_is_up, vcpu, NULL)) > 0) {
		rc = pvsr_hyp_sched_yield();
		if (rc)
			return down_fail(r, vcpu, __HYPERVISOR_sched_op,
					 SCHEDOP_yield, rc);
	}
	if (rc)
		return down_fail(r, vcpu, __HYPERVISOR_vcpu_op, VCPUOP_is_up,
				 rc);
	return 0;
}

static int down_all(struct pvsr *p, struct pvsr_report *r, unsigned int *done)
{
	unsigned int v;
	int rc;

	for (v = 1; v < p->nr_vcpus; v++) {
		if (!pvsr_barrier_member(p, v))
			continue;
		rc = take_down(r, v, done);
		if (rc)
			return rc;
		pvsr_trace_event(p, 0, PVSR_TR_DOWN, v);
	}
	return 0;
}

static void fill_vcpu_report(struct pvsr *p, struct pvsr_report *r)
{
	unsigned int v;

	for (v = 1; v < p->nr_vcpus && v < PVSR_MAX_VCPUS; v++) {
		const struct pvsr_vcpu_slot *s = &p->slots[v];

		if (!pvsr_barrier_member(p, v))
			continue;
		r->vcpu[v].outcome = pvsr_barrier_outcome(p, v);
		r->vcpu[v].deferred = pvsr_load(&s->deferred);
		/* A member that never parked says so (its slot cannot). */
		if (r->vcpu[v].outcome == PVSR_VCPU_NOT_INVOLVED)
			r->vcpu[v].outcome = PVSR_VCPU_NEVER_PARKED;
		if (s->parked_ns >= s->park_sent_ns)
			r->vcpu[v].park_ns = s->parked_ns - s->park_sent_ns;
		if (s->resumed_ns >= s->up_ns && s->up_ns)
			r->vcpu[v].resume_ns = s->resumed_ns - s->up_ns;
	}
}

/* Every field of the report, before anything can fail. */
static void report_init(struct pvsr_report *r)
{
	unsigned int v;

	for (v = 0; v < PVSR_PHASE_COUNT; v++)
		r->phase_ns[v] = 0;
	for (v = 0; v < PVSR_MAX_VCPUS; v++) {
		r->vcpu[v].outcome = PVSR_VCPU_NOT_INVOLVED;
		r->vcpu[v].deferred = 0;
		r->vcpu[v].park_ns = 0;
		r->vcpu[v].resume_ns = 0;
	}
	r->error = (struct pvsr_error_detail){ .vcpu = PVSR_NO_VCPU,
					       .hypercall = -1,
					       .subop = -1 };
	r->hypercall_called = false;
	r->hypercall_ret = 0;
	r->kind = PVSR_RESUME_BACKOUT;
	r->nr_vcpus = 0;
}

/* Let every parked vCPU run its resume work, wait, release them. */
static int bring_back(struct pvsr *p, struct pvsr_report *r,
		      enum pvsr_resume_kind kind, unsigned int down_limit)
{
	int rc;

	pvsr_store(&p->resume_kind, kind);
	pvsr_barrier_set_phase(p, PVSR_BARRIER_RESUME);
	if (kind == PVSR_RESUME_NEW_DOMAIN)
		rc = pvsr_bringup_rebuild(p, r);
	else
		rc = pvsr_bringup_restart(p, r, down_limit);
	if (!rc)
		rc = pvsr_barrier_wait_resumed(p, r);
	return rc;
}

/*
 * Release the parked vCPUs, then, events on again, the hooks' events-on
 * phase (phase "complete"): the vCPUs run again during it.
 */
static void finish(struct pvsr *p, struct pvsr_report *r, uint64_t start,
		   uint64_t *mark, enum pvsr_resume_kind kind)
{
	fill_vcpu_report(p, r);
	pvsr_trace_event(p, 0, PVSR_TR_RELEASED, 0);
	pvsr_barrier_set_phase(p, PVSR_BARRIER_RELEASE);
	p->ops->mask_events(false);
	pvsr_hooks_complete_from(p, 0, kind);
	phase_done(p, r, PVSR_PHASE_COMPLETE, mark);
	/* The end of the last phase: the phases add up to the total. */
	r->phase_ns[PVSR_PHASE_TOTAL] = *mark - start;
	pvsr_store(&p->busy, 0);
}

/*
 * Undo everything before the hypercall, as far as it got: vCPUs below
 * down_limit were taken down, hooks and channels as flagged.
 */
struct backout {
	unsigned int down_limit;
	bool hooks_down;
	bool channels_closed;
	bool arch_pre_done;
};

static int back_out(struct pvsr *p, struct pvsr_report *r,
		    const struct backout *b, uint64_t start, uint64_t *mark)
{
	struct pvsr_error_detail first = r->error;
	struct pvsr_error_detail later;
	int rc = 0;

	if (b->arch_pre_done && pvsr_arch_post_suspend(p->arch, false, &later))
		p->ops->panic("cannot undo arch pre-suspend", &later);
	/* Its own per-vCPU resume, as each parked vCPU does (timer too). */
	if (b->channels_closed &&
	    p->ops->vcpu_resume(0, PVSR_RESUME_BACKOUT, &later))
		p->ops->panic("cannot rebind vCPU 0's channels", &later);
	if (bring_back(p, r, PVSR_RESUME_BACKOUT, b->down_limit))
		p->ops->panic("cannot restart the parked vCPUs", &r->error);
	if (b->hooks_down)
		pvsr_hooks_resume_from(p, 0, PVSR_RESUME_BACKOUT);
	r->error = first;
	rc = -(int)first.code;
	finish(p, r, start, mark, PVSR_RESUME_BACKOUT);
	pvsr_trace_event(p, 0, PVSR_TR_END, rc);
	return rc;
}

/* Everything up to and including the hypercall; 0/1 or back-out. */
static int go_down(struct pvsr *p, struct pvsr_report *r, uint64_t start,
		   uint64_t *mark)
{
	struct backout b = { 0 };
	long ret;
	int rc;

	rc = pvsr_barrier_park_all(p, r);
	phase_done(p, r, PVSR_PHASE_PARK, mark);
	if (rc) {
		b.down_limit = 0;
		return back_out(p, r, &b, start, mark);
	}
	rc = down_all(p, r, &b.down_limit);
	phase_done(p, r, PVSR_PHASE_DOWN, mark);
	if (rc)
		return back_out(p, r, &b, start, mark);
	b.down_limit = p->nr_vcpus;
	rc = pvsr_hooks_suspend(p, &r->error);
	if (rc)
		return back_out(p, r, &b, start, mark);
	b.hooks_down = true;
	pvsr_trace_event(p, 0, PVSR_TR_HOOKS_DOWN, 0);
	rc = pvsr_evtchn_close_all(p->evtchns, &r->error);
	if (rc)
		return back_out(p, r, &b, start, mark);
	b.channels_closed = true;
	pvsr_trace_event(p, 0, PVSR_TR_CLOSED, 0);
	rc = pvsr_arch_pre_suspend(p->arch, &r->error);
	if (rc)
		return back_out(p, r, &b, start, mark);
	b.arch_pre_done = true;
	pvsr_trace_event(p, 0, PVSR_TR_PRE_SUSPEND, 0);
	phase_done(p, r, PVSR_PHASE_TEARDOWN, mark);

	ret = pvsr_hyp_sched_suspend(pvsr_arch_start_info_mfn(p->arch));
	r->hypercall_called = true;
	r->hypercall_ret = (int)ret;
	/*
	 * In a new domain the clock cannot be read until vCPU 0's vcpu_info
	 * is registered again (come_back()); a failed call is the same
	 * domain, where it still can.
	 */
	if (ret < 0) {
		pvsr_trace_event(p, 0, PVSR_TR_RETURNED, (int)ret);
		phase_done(p, r, PVSR_PHASE_HYPERCALL, mark);
		xen_fail(r, PVSR_E_SUSPEND, PVSR_STEP_HYPERCALL, 0,
			 __HYPERVISOR_sched_op, SCHEDOP_shutdown, ret);
		return back_out(p, r, &b, start, mark);
	}
	return ret ? 1 : 0;
}

/*
 * A new domain has forgotten vCPU 0's vcpu_info, whose time fields the
 * clock reads: until it is registered again (and the clock told), any
 * clock reading is stale, from another host's time base.
 */
static void boot_vcpu_clock_back(struct pvsr *p, struct pvsr_report *r)
{
	long rc = p->ops->register_vcpu_info(0);

	if (rc) {
		xen_fail(r, PVSR_E_VCPU_INFO, PVSR_STEP_POST_SUSPEND, 0,
			 __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, rc);
		p->ops->panic("vcpu_info of vCPU 0", &r->error);
	}
	/*
	 * Xen filled the registered area from vCPU 0's stale shared_info
	 * slot (upcall mask included, often 0) and marked every event
	 * pending: mask again, or the rest of the resume runs with upcalls
	 * on, and every multicall entry is preempted to deliver them.
	 */
	p->ops->mask_events(true);
	if (p->ops->clock_resume)
		p->ops->clock_resume();
}

/* After the hypercall: the boot vCPU's own state, then the others. */
static void come_back(struct pvsr *p, struct pvsr_report *r, bool new_domain,
		      uint64_t *mark)
{
	enum pvsr_resume_kind kind = new_domain ? PVSR_RESUME_NEW_DOMAIN :
						  PVSR_RESUME_CANCELLED;

	r->kind = kind;
	if (pvsr_arch_post_suspend(p->arch, new_domain, &r->error))
		p->ops->panic("arch post-suspend failed", &r->error);
	if (new_domain)
		boot_vcpu_clock_back(p, r);
	pvsr_trace_event(p, 0, PVSR_TR_RETURNED, r->hypercall_ret);
	phase_done(p, r, PVSR_PHASE_HYPERCALL, mark);
	if (new_domain)
		pvsr_evtchn_forget_ports(p->evtchns);
	pvsr_trace_event(p, 0, PVSR_TR_POST_SUSPEND, new_domain);
	if (p->ops->vcpu_resume(0, kind, &r->error))
		p->ops->panic("vCPU 0 resume failed", &r->error);
	phase_done(p, r, PVSR_PHASE_REBIND, mark);
	if (bring_back(p, r, kind, p->nr_vcpus))
		p->ops->panic("bringing the parked vCPUs back failed",
			      &r->error);
	phase_done(p, r, PVSR_PHASE_REBUILD, mark);
	pvsr_hooks_resume_from(p, 0, kind);
	phase_done(p, r, PVSR_PHASE_HOOKS, mark);
}

/* The events-on phase of the hooks, before anything is quiesced. */
static int prepare(struct pvsr *p, struct pvsr_report *r, uint64_t start,
		   uint64_t *mark)
{
	int rc = pvsr_hooks_prepare(p, &r->error);

	phase_done(p, r, PVSR_PHASE_PREPARE, mark);
	pvsr_trace_event(p, 0, PVSR_TR_PREPARED, rc);
	if (rc) {
		r->phase_ns[PVSR_PHASE_TOTAL] = *mark - start;
		pvsr_trace_event(p, 0, PVSR_TR_END, rc);
		pvsr_store(&p->busy, 0);
	}
	return rc;
}

int pvsr_suspend(struct pvsr *p, struct pvsr_report *r)
{
	uint64_t start, mark;
	int expected = 0, rc;

	report_init(r);
	if (p->ops->this_vcpu() != 0)
		return pvsr_fail(&r->error, PVSR_E_NOT_BOOT_VCPU,
				 PVSR_STEP_REQUEST, p->ops->this_vcpu(), -1, -1,
				 0);
	if (!__atomic_compare_exchange_n(&p->busy, &expected, 1, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return pvsr_fail(&r->error, PVSR_E_BUSY, PVSR_STEP_REQUEST,
				 PVSR_NO_VCPU, -1, -1, 0);
	start = mark = p->ops->now_ns();
	if (p->trace)
		pvsr_trace_reset(p->trace);
	pvsr_trace_event(p, 0, PVSR_TR_BEGIN, 0);
	rc = prepare(p, r, start, &mark);
	if (rc)
		return rc;
	pvsr_barrier_begin(p, r);
	/* Xen wants vCPU 0's upcalls masked at the suspend hypercall. */
	p->ops->mask_events(true);
	rc = go_down(p, r, start, &mark);
	if (rc < 0)
		return rc;
	come_back(p, r, rc == 0, &mark);
	finish(p, r, start, &mark, r->kind);
	pvsr_trace_event(p, 0, PVSR_TR_END, rc);
	return rc;
}
