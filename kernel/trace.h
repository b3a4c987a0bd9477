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

enum pvsr_trace_kind {
	PVSR_TR_BEGIN, /* vCPU 0: suspend requested */
	PVSR_TR_PARK_SENT, /* vCPU 0: park IPI to arg (re-poke if > 0) */
	PVSR_TR_PARKED, /* vCPU v: context saved, spinning */
	PVSR_TR_DOWN, /* vCPU 0: arg is down */
	PVSR_TR_HOOKS_DOWN, /* vCPU 0: suspend hooks done */
	PVSR_TR_CLOSED, /* vCPU 0: channels closed */
	PVSR_TR_PRE_SUSPEND, /* vCPU 0: start_info/shared_info ready */
	PVSR_TR_RETURNED, /* vCPU 0: hypercall returned arg */
	PVSR_TR_POST_SUSPEND, /* vCPU 0: shared_info, P2M, vcpu_info */
	PVSR_TR_VCPU_UP, /* vCPU 0: arg brought up */
	PVSR_TR_RESUMED, /* vCPU v: per-vCPU resume done */
	PVSR_TR_RELEASED, /* vCPU 0: barrier released */
	PVSR_TR_END, /* vCPU 0: pvsr_suspend returns arg */
	PVSR_TR_DEFERRED, /* vCPU v: park IPI let pass inside a hypercall */
	PVSR_TR_PREPARED, /* vCPU 0: events-on suspend hooks done */
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
