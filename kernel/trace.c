// SPDX-License-Identifier: GPL-2.0
/*
 * pvsr trace events (see trace.h).
 */
#include "kernel/pvsr.h"
#include "kernel/trace.h"

/* In enum order: the enum is made from the same lines (trace.h). */
static const char *const kind_names[PVSR_TR_KIND_COUNT] = {
#define PVSR_TRACE_EVENT(id, name, doc) name,
#include "kernel/trace_events.h"
#undef PVSR_TRACE_EVENT
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
