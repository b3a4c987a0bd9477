/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvsr's error codes and the detail record every failure fills.
 *
 * They live in the bottom layer so that both kernel/ and arch/x86/ report
 * failures the same way while dependencies keep pointing down
 * (test-guest -> kernel -> arch/x86 -> hypercall).
 */
#ifndef PVSR_HYPERCALL_PVSR_ERROR_H
#define PVSR_HYPERCALL_PVSR_ERROR_H

#include "hypercall/xen_abi.h"

/*
 * One code per way the suspend path can fail. Returned negated
 * (-PVSR_E_...) by pvsr functions; the detail goes to the caller's
 * struct pvsr_error_detail.
 */
enum pvsr_error {
	PVSR_OK = 0,
	PVSR_E_INVAL, /* bad argument or malformed request */
	PVSR_E_BUSY, /* a suspend is already running */
	PVSR_E_NOT_BOOT_VCPU, /* pvsr_suspend() called off vCPU 0 */
	PVSR_E_PARK_IPI, /* could not send the park IPI to a vCPU */
	PVSR_E_PARK_TIMEOUT, /* a vCPU never reached the pause barrier */
	PVSR_E_VCPU_DOWN, /* VCPUOP_down of a parked vCPU failed */
	PVSR_E_HOOK, /* a subsystem suspend hook failed */
	PVSR_E_EVTCHN_CLOSE, /* EVTCHNOP_close of a registered port failed */
	PVSR_E_PRE_SUSPEND, /* arch pre-suspend (canonicalising MFNs) failed */
	PVSR_E_SUSPEND, /* SCHEDOP_shutdown(SHUTDOWN_suspend) failed */
	PVSR_E_SHARED_INFO, /* mapping the new shared_info failed */
	PVSR_E_P2M, /* unused since PVSR_E_P2M_SPACE; keeps the numbering */
	PVSR_E_VCPU_INFO, /* VCPUOP_register_vcpu_info failed */
	PVSR_E_REBIND, /* rebinding an event channel failed */
	PVSR_E_VCPU_INIT, /* VCPUOP_initialise of a parked vCPU failed */
	PVSR_E_VCPU_UP, /* VCPUOP_up of a parked vCPU failed */
	PVSR_E_RESUME_TIMEOUT, /* a vCPU never reported "resumed" */
	PVSR_E_REGISTRY_FULL, /* no room left in the event-channel registry */
	PVSR_E_NOT_FOUND, /* no such port / hook / vCPU */
	PVSR_E_BAD_RESUME, /* a rebuilt vCPU came back wrong (panics) */
	PVSR_E_BIND, /* the first bind of an event channel failed */
	PVSR_E_TIMER, /* a vCPU's timer could not be set up after resume */
	PVSR_E_HOOKS_FULL, /* no room left in the hook table */
	PVSR_E_PARK_STATE, /* a parking vCPU could not save its arch state */
	PVSR_E_ARCH_INIT, /* the CPU's FPU state does not fit the park area */
	PVSR_E_P2M_SPACE, /* the P2M frame list does not fit the given space */
	PVSR_E_MULTICALL, /* Xen refused a multicall batch as a whole */
	PVSR_E_COUNT
};

/* Which step of the protocol a failure happened in. */
enum pvsr_step {
	PVSR_STEP_NONE = 0,
	PVSR_STEP_REQUEST,
	PVSR_STEP_PARK,
	PVSR_STEP_DOWN,
	PVSR_STEP_PREPARE, /* hooks' events-on phase, before the barrier */
	PVSR_STEP_HOOKS,
	PVSR_STEP_TEARDOWN,
	PVSR_STEP_PRE_SUSPEND,
	PVSR_STEP_HYPERCALL,
	PVSR_STEP_POST_SUSPEND,
	PVSR_STEP_REBIND,
	PVSR_STEP_REBUILD,
	PVSR_STEP_RELEASE,
	PVSR_STEP_COUNT
};

#define PVSR_NO_VCPU (-1)

/* What went wrong, filled for the caller; never a global. */
struct pvsr_error_detail {
	enum pvsr_error code;
	enum pvsr_step step;
	int vcpu; /* PVSR_NO_VCPU if not about one vCPU */
	int hypercall; /* __HYPERVISOR_* number, or -1 */
	int subop; /* e.g. VCPUOP_down, EVTCHNOP_close, or -1 */
	long xen_errno; /* Xen's (negative) return value, or 0 */
	unsigned int port; /* event channel concerned, if any */
	const char *hook; /* name of the failing hook, if any */
	/*
	 * A size that did not fit (PVSR_E_P2M_SPACE: pages of P2M frame
	 * list), or 0: how much was needed, how much there was.
	 */
	unsigned long needed, available;
};

const char *pvsr_strerror(enum pvsr_error code);
const char *pvsr_step_name(enum pvsr_step step);

/*
 * Record a failure: fills *detail (if not NULL; port, hook, needed and
 * available are reset, for the caller to set when they apply) and returns
 * -code, so that a
 * failure site reads "return pvsr_fail(detail, ...);".
 */
int pvsr_fail(struct pvsr_error_detail *detail, enum pvsr_error code,
	      enum pvsr_step step, int vcpu, int hypercall, int subop,
	      long xen_errno);

#endif /* PVSR_HYPERCALL_PVSR_ERROR_H */
