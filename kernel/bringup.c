// SPDX-License-Identifier: GPL-2.0
/*
 * Bringing the parked vCPUs back (see bringup.h and enum pvsr_bringup).
 *
 * One hypercall round trip per step and vCPU is slow where it matters:
 * each VCPUOP_up makes a vCPU runnable that then competes with vCPU 0 for
 * a physical CPU while vCPU 0 still has the others to build. Batched,
 * vCPU 0 hands Xen every registration, then every context, and starts
 * them all at the end: a handful of multicalls for any number of vCPUs.
 * Xen runs a multicall's entries in order and keeps going after one
 * fails, with each entry's own result: the first failed entry is
 * reported exactly as the single call would be.
 */
#include "kernel/bringup.h"
#include "kernel/barrier.h"
#include "kernel/trace.h"
#include "hypercall/hypercall.h"

/* Every member's registration or VCPUOP_up fits one multicall. */
#define QUEUE_MAX PVSR_MAX_VCPUS
_Static_assert(PVSR_BRINGUP_BATCH <= QUEUE_MAX,
	       "a batch of contexts must fit the multicall queue");

/* A multicall being filled, and what each entry means for a report. */
struct call_queue {
	struct multicall_entry mc[QUEUE_MAX];
	unsigned int vcpu[QUEUE_MAX];
	int cmd[QUEUE_MAX]; /* Xen may scribble over mc[].args */
	enum pvsr_error code[QUEUE_MAX];
	unsigned int n;
};

/*
 * What a batch points Xen at; too large for a stack, and only vCPU 0
 * ever brings vCPUs up.
 */
static struct {
	struct call_queue q;
	struct vcpu_guest_context ctx[PVSR_BRINGUP_BATCH];
	struct vcpu_register_vcpu_info info[PVSR_MAX_VCPUS];
} batch;

static int rebuild_fail(struct pvsr_report *r, enum pvsr_error code,
			unsigned int vcpu, int hypercall, int subop, long rc)
{
	return pvsr_fail(&r->error, code, PVSR_STEP_REBUILD, vcpu, hypercall,
			 subop, rc);
}

static void queue_vcpu_op(struct call_queue *q, int cmd, unsigned int vcpu,
			  void *arg, enum pvsr_error code)
{
	struct multicall_entry *e = &q->mc[q->n];

	*e = (struct multicall_entry){
		.op = __HYPERVISOR_vcpu_op,
		.args = { (xen_ulong_t)cmd, vcpu, (xen_ulong_t)arg },
	};
	q->vcpu[q->n] = vcpu;
	q->cmd[q->n] = cmd;
	q->code[q->n] = code;
	q->n++;
}

/* Send the queued entries; the first that failed names the failure. */
static int queue_flush(struct call_queue *q, struct pvsr_report *r)
{
	unsigned int i, n = q->n;
	long rc;

	q->n = 0;
	if (!n)
		return 0;
	rc = pvsr_hyp_multicall(q->mc, n);
	if (rc)
		return rebuild_fail(r, PVSR_E_MULTICALL, q->vcpu[0],
				    __HYPERVISOR_multicall, -1, rc);
	for (i = 0; i < n; i++) {
		rc = (long)q->mc[i].result;
		if (rc)
			return rebuild_fail(r, q->code[i], q->vcpu[i],
					    __HYPERVISOR_vcpu_op, q->cmd[i],
					    rc);
	}
	return 0;
}

static int register_vcpu_info(struct pvsr *p, struct pvsr_report *r,
			      unsigned int v)
{
	long rc = p->ops->register_vcpu_info(v);

	if (rc)
		return rebuild_fail(r, PVSR_E_VCPU_INFO, v,
				    __HYPERVISOR_vcpu_op,
				    VCPUOP_register_vcpu_info, rc);
	return 0;
}

/* ---- one at a time ---------------------------------------------------- */

/* Let a parked, down vCPU run again; its resume latency starts now. */
static int vcpu_up(struct pvsr *p, struct pvsr_report *r, unsigned int v)
{
	long rc;

	p->slots[v].up_ns = p->ops->now_ns();
	pvsr_trace_event(p, 0, PVSR_TR_VCPU_UP, v);
	rc = pvsr_hyp_vcpu_op(VCPUOP_up, v, NULL);
	if (rc)
		return rebuild_fail(r, PVSR_E_VCPU_UP, v, __HYPERVISOR_vcpu_op,
				    VCPUOP_up, rc);
	return 0;
}

static int restart_serial(struct pvsr *p, struct pvsr_report *r,
			  unsigned int limit)
{
	unsigned int v;
	int rc;

	for (v = 1; v < limit; v++) {
		if (!pvsr_barrier_member(p, v))
			continue;
		rc = vcpu_up(p, r, v);
		if (rc)
			return rc;
	}
	return 0;
}

static int rebuild_serial(struct pvsr *p, struct pvsr_report *r)
{
	struct vcpu_guest_context *ctx = &batch.ctx[0];
	unsigned int v;
	long rc;

	for (v = 1; v < p->nr_vcpus; v++) {
		if (!pvsr_barrier_member(p, v))
			continue;
		rc = register_vcpu_info(p, r, v);
		if (rc)
			return rc;
		pvsr_arch_vcpu_context(p->arch, v, &p->slots[v].jb,
				       &p->slots[v].park, ctx);
		rc = pvsr_hyp_vcpu_op(VCPUOP_initialise, v, ctx);
		if (rc)
			return rebuild_fail(r, PVSR_E_VCPU_INIT, v,
					    __HYPERVISOR_vcpu_op,
					    VCPUOP_initialise, rc);
		rc = vcpu_up(p, r, v);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- batched ------------------------------------------------------------ */

/* One multicall of VCPUOP_up for every member below limit. */
static int restart_batched(struct pvsr *p, struct pvsr_report *r,
			   unsigned int limit)
{
	uint64_t now = p->ops->now_ns();
	unsigned int v;

	for (v = 1; v < limit; v++) {
		if (!pvsr_barrier_member(p, v))
			continue;
		p->slots[v].up_ns = now;
		pvsr_trace_event(p, 0, PVSR_TR_VCPU_UP, v);
		queue_vcpu_op(&batch.q, VCPUOP_up, v, NULL, PVSR_E_VCPU_UP);
	}
	return queue_flush(&batch.q, r);
}

/*
 * Every member's vcpu_info in one multicall (those whose location the
 * kernel does not say, one by one through the ops), before any
 * VCPUOP_initialise: a vCPU from 32 on cannot be initialised without it.
 */
static int register_all(struct pvsr *p, struct pvsr_report *r)
{
	unsigned int v;
	int rc;

	for (v = 1; v < p->nr_vcpus; v++) {
		if (!pvsr_barrier_member(p, v))
			continue;
		if (pvsr_arch_vcpu_info_location(p->arch, v, &batch.info[v])) {
			queue_vcpu_op(&batch.q, VCPUOP_register_vcpu_info, v,
				      &batch.info[v], PVSR_E_VCPU_INFO);
			continue;
		}
		rc = register_vcpu_info(p, r, v);
		if (rc)
			return rc;
	}
	return queue_flush(&batch.q, r);
}

/* VCPUOP_initialise of every member, PVSR_BRINGUP_BATCH per multicall. */
static int initialise_all(struct pvsr *p, struct pvsr_report *r)
{
	unsigned int v, k = 0;
	int rc;

	for (v = 1; v < p->nr_vcpus; v++) {
		if (!pvsr_barrier_member(p, v))
			continue;
		pvsr_arch_vcpu_context(p->arch, v, &p->slots[v].jb,
				       &p->slots[v].park, &batch.ctx[k]);
		queue_vcpu_op(&batch.q, VCPUOP_initialise, v, &batch.ctx[k],
			      PVSR_E_VCPU_INIT);
		if (++k < PVSR_BRINGUP_BATCH)
			continue;
		k = 0;
		rc = queue_flush(&batch.q, r);
		if (rc)
			return rc;
	}
	return queue_flush(&batch.q, r);
}

/*
 * Step by step, each step one batch (or a few): a step that fails stops
 * the next, so no vCPU is initialised without its vcpu_info or started
 * after a failed initialise of any.
 */
static int rebuild_batched(struct pvsr *p, struct pvsr_report *r)
{
	int rc = register_all(p, r);

	if (!rc)
		rc = initialise_all(p, r);
	if (!rc)
		rc = restart_batched(p, r, p->nr_vcpus);
	return rc;
}

int pvsr_bringup_rebuild(struct pvsr *p, struct pvsr_report *r)
{
	batch.q.n = 0;
	if (p->bringup == PVSR_BRINGUP_SERIAL)
		return rebuild_serial(p, r);
	return rebuild_batched(p, r);
}

int pvsr_bringup_restart(struct pvsr *p, struct pvsr_report *r,
			 unsigned int limit)
{
	batch.q.n = 0;
	if (p->bringup == PVSR_BRINGUP_SERIAL)
		return restart_serial(p, r, limit);
	return restart_batched(p, r, limit);
}
