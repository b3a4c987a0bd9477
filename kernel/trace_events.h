/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pvsr trace events, written once. Each line is
 *   PVSR_TRACE_EVENT(ID, "name", "who records it: what arg holds")
 * kernel/trace.h makes enum pvsr_trace_kind (PVSR_TR_<ID>) from it,
 * kernel/trace.c the names the guest prints, and scripts/trace reads this
 * file to decode and explain them. Order is the enum's order: add new
 * events at the end. No include guard: included with PVSR_TRACE_EVENT
 * defined, several times.
 */
PVSR_TRACE_EVENT(BEGIN, "begin", "vCPU 0: suspend requested")
PVSR_TRACE_EVENT(PARK_SENT, "park-sent", "vCPU 0: park IPI to vCPU arg")
PVSR_TRACE_EVENT(PARKED, "parked", "vCPU v: context saved, spinning")
PVSR_TRACE_EVENT(DOWN, "down", "vCPU 0: vCPU arg is down")
PVSR_TRACE_EVENT(HOOKS_DOWN, "hooks-down", "vCPU 0: suspend hooks done")
PVSR_TRACE_EVENT(CLOSED, "channels-closed", "vCPU 0: channels closed")
PVSR_TRACE_EVENT(PRE_SUSPEND, "pre-suspend",
		 "vCPU 0: start_info/shared_info ready")
PVSR_TRACE_EVENT(RETURNED, "hypercall-returned",
		 "vCPU 0: suspend hypercall returned arg")
PVSR_TRACE_EVENT(POST_SUSPEND, "post-suspend",
		 "vCPU 0: shared_info, P2M, vcpu_info (arg 1: new domain)")
PVSR_TRACE_EVENT(VCPU_UP, "vcpu-up", "vCPU 0: vCPU arg brought up")
PVSR_TRACE_EVENT(RESUMED, "resumed", "vCPU v: per-vCPU resume done")
PVSR_TRACE_EVENT(RELEASED, "released", "vCPU 0: barrier released")
PVSR_TRACE_EVENT(END, "end", "vCPU 0: pvsr_suspend returns arg")
PVSR_TRACE_EVENT(DEFERRED, "deferred",
		 "vCPU v: park IPI let pass inside a preempted hypercall")
PVSR_TRACE_EVENT(PREPARED, "prepared",
		 "vCPU 0: events-on hook phase done (arg: its result)")
