/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvsr trace events: what happened when, on which vCPU, during the last
 * suspend. Off unless the kernel attaches a buffer (pvsr_trace_attach);
 * recording is a lock-free append that parked vCPUs may do too, since it
 * touches only the buffer. scripts/trace turns the guest's printout into
 * a timeline.
 */
#ifndef PVSR_KERNEL_TRACE_H
#define PVSR_KERNEL_TRACE_H

#include "hypercall/xen_abi.h"

#define PVSR_TRACE_EVENTS 512

/* One per line of kernel/trace_events.h: PVSR_TR_BEGIN, ... */
enum pvsr_trace_kind {
#define PVSR_TRACE_EVENT(id, name, doc) PVSR_TR_##id,
#include "kernel/trace_events.h"
#undef PVSR_TRACE_EVENT
	PVSR_TR_KIND_COUNT
};

struct pvsr_trace_event {
	uint64_t ns; /* ops->now_ns() of the recording vCPU */
	uint16_t vcpu;
	uint16_t kind;
	int32_t arg;
};

struct pvsr_trace {
	unsigned int next; /* events claimed (may exceed the size) */
	struct pvsr_trace_event ev[PVSR_TRACE_EVENTS];
};

struct pvsr;

/* Record into t from now on (NULL: stop recording). */
void pvsr_trace_attach(struct pvsr *p, struct pvsr_trace *t);
/* Forget the events of the previous suspend. */
void pvsr_trace_reset(struct pvsr_trace *t);
/* Append one event, if a buffer is attached; full: counted, not kept. */
void pvsr_trace_event(struct pvsr *p, unsigned int vcpu,
		      enum pvsr_trace_kind kind, int arg);
/* Events kept, and events lost because the buffer was full. */
unsigned int pvsr_trace_count(const struct pvsr_trace *t);
unsigned int pvsr_trace_dropped(const struct pvsr_trace *t);
const char *pvsr_trace_kind_name(enum pvsr_trace_kind kind);

#endif /* PVSR_KERNEL_TRACE_H */
