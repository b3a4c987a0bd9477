// SPDX-License-Identifier: GPL-2.0
/*
 * pvsr error codes: names for people and a detail record for callers.
 */
#include "hypercall/pvsr_error.h"

static const char *const error_names[PVSR_E_COUNT] = {
	[PVSR_OK] = "success",
	[PVSR_E_INVAL] = "invalid argument or malformed request",
	[PVSR_E_BUSY] = "a suspend is already in progress",
	[PVSR_E_NOT_BOOT_VCPU] = "suspend must run on vCPU 0",
	[PVSR_E_PARK_IPI] = "could not send the park IPI",
	[PVSR_E_PARK_TIMEOUT] = "a vCPU did not reach the pause barrier",
	[PVSR_E_VCPU_DOWN] = "VCPUOP_down of a parked vCPU failed",
	[PVSR_E_HOOK] = "a subsystem suspend hook failed",
	[PVSR_E_EVTCHN_CLOSE] = "closing an event channel failed",
	[PVSR_E_PRE_SUSPEND] = "arch pre-suspend failed",
	[PVSR_E_SUSPEND] = "the suspend hypercall failed",
	[PVSR_E_SHARED_INFO] = "mapping shared_info failed",
	[PVSR_E_P2M] = "republishing the P2M frame list failed",
	[PVSR_E_VCPU_INFO] = "registering vcpu_info failed",
	[PVSR_E_REBIND] = "rebinding an event channel failed",
	[PVSR_E_VCPU_INIT] = "VCPUOP_initialise of a vCPU failed",
	[PVSR_E_VCPU_UP] = "VCPUOP_up of a vCPU failed",
	[PVSR_E_RESUME_TIMEOUT] = "a vCPU did not report back after resume",
	[PVSR_E_REGISTRY_FULL] = "the event-channel registry is full",
	[PVSR_E_NOT_FOUND] = "no such object",
	[PVSR_E_BAD_RESUME] = "a rebuilt vCPU returned 0 from pvsr_setjmp",
	[PVSR_E_BIND] = "binding an event channel failed",
	[PVSR_E_TIMER] = "setting up a vCPU's timer after resume failed",
	[PVSR_E_HOOKS_FULL] = "the hook table is full",
	[PVSR_E_PARK_STATE] = "a vCPU could not save its state at park",
	[PVSR_E_ARCH_INIT] = "the CPU's FPU state does not fit the park area",
	[PVSR_E_P2M_SPACE] =
		"the P2M frame list does not fit the space the kernel gave",
	[PVSR_E_MULTICALL] = "Xen refused a multicall batch as a whole",
};

static const char *const step_names[PVSR_STEP_COUNT] = {
	[PVSR_STEP_NONE] = "none",
	[PVSR_STEP_REQUEST] = "request",
	[PVSR_STEP_PARK] = "park",
	[PVSR_STEP_DOWN] = "down",
	[PVSR_STEP_PREPARE] = "prepare",
	[PVSR_STEP_HOOKS] = "hooks",
	[PVSR_STEP_TEARDOWN] = "teardown",
	[PVSR_STEP_PRE_SUSPEND] = "pre-suspend",
	[PVSR_STEP_HYPERCALL] = "hypercall",
	[PVSR_STEP_POST_SUSPEND] = "post-suspend",
	[PVSR_STEP_REBIND] = "rebind",
	[PVSR_STEP_REBUILD] = "rebuild",
	[PVSR_STEP_RELEASE] = "release",
};

const char *pvsr_strerror(enum pvsr_error code)
{
	if ((unsigned int)code >= PVSR_E_COUNT || !error_names[code])
		return "unknown pvsr error";
	return error_names[code];
}

const char *pvsr_step_name(enum pvsr_step step)
{
	if ((unsigned int)step >= PVSR_STEP_COUNT || !step_names[step])
		return "unknown step";
	return step_names[step];
}

int pvsr_fail(struct pvsr_error_detail *detail, enum pvsr_error code,
	      enum pvsr_step step, int vcpu, int hypercall, int subop,
	      long xen_errno)
{
	if (detail) {
		detail->code = code;
		detail->step = step;
		detail->vcpu = vcpu;
		detail->hypercall = hypercall;
		detail->subop = subop;
		detail->xen_errno = xen_errno;
		/*
		 * Left from an earlier failure they would mislead: the
		 * caller that knows a port or a hook names it after this.
		 */
		detail->port = 0;
		detail->hook = NULL;
		detail->needed = 0;
		detail->available = 0;
	}
	return -(int)code;
}
