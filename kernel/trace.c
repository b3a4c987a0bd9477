// SPDX-License-Identifier: GPL-2.0
/*
 * pvsr trace events (see trace.h).
 */
#include "kernel/pvsr.h"
#include "kernel/trace.h"

static const char *const kind_names[PVSR_TR_KIND_COUNT] = {
	[PVSR_TR_BEGIN] = "begin",
	[PVSR_TR_PARK_SENT] = "park-sent",
	[PVSR_TR_PARKED] = "parked",
	[PVSR_TR_DOWN] = "down",
	[PVSR_TR_HOOKS_DOWN] = "hooks-down",
	[PVSR_TR_CLOSED] = "channels-closed",
	[PVSR_TR_PRE_SUSPEND] = "pre-suspend",
	[PVSR_TR_RETURNED] = "hypercall-returned",
	[PVSR_TR_POST_SUSPEND] = "post-suspend",
	[PVSR_TR_VCPU_UP] = "vcpu-up",
	[PVSR_TR_RESUMED] = "resumed",
	[PVSR_TR_RELEASED] = "released",
	[PVSR_TR_END] = "end",
	[PVSR_TR_DEFERRED] = "deferred",
	[PVSR_TR_PREPARED] = "prepared",
};

const char *pvsr_trace_kind_name(enum pvsr_trace_kind kind)
{
	if ((unsigned int)kind >= PVSR_TR_KIND_COUNT)
		return "unknown";
	return kind_names[kind];
}

void pvsr_trace_attach(struct pvsr *p, struct pvsr_trace *t)
{
	if (t)
		pvsr_trace_reset(t);
	__atomic_store_n(&p->trace, t, __ATOMIC_RELEASE);
}

void pvsr_trace_reset(struct pvsr_trace *t)
{
	__atomic_store_n(&t->next, 0, __ATOMIC_RELEASE);
}

void pvsr_trace_event(struct pvsr *p, unsigned int vcpu,
		      enum pvsr_trace_kind kind, int arg)
{
	struct pvsr_trace *t = __atomic_load_n(&p->trace, __ATOMIC_ACQUIRE);
	struct pvsr_trace_event *e;
	unsigned int i;

	if (!t)
		return;
	i = __atomic_fetch_add(&t->next, 1, __ATOMIC_ACQ_REL);
	if (i >= PVSR_TRACE_EVENTS)
		return;
	e = &t->ev[i];
	e->ns = p->ops->now_ns();
	e->vcpu = vcpu;
	e->kind = kind;
	e->arg = arg;
}

unsigned int pvsr_trace_count(const struct pvsr_trace *t)
{
	unsigned int n = __atomic_load_n(&t->next, __ATOMIC_ACQUIRE);

	return n < PVSR_TRACE_EVENTS ? n : PVSR_TRACE_EVENTS;
}

unsigned int pvsr_trace_dropped(const struct pvsr_trace *t)
{
	unsigned int n = __atomic_load_n(&t->next, __ATOMIC_ACQUIRE);

	return n > PVSR_TRACE_EVENTS ? n - PVSR_TRACE_EVENTS : 0;
}
