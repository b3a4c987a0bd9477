/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvsr: multiprocessor suspend/resume for Xen PV x86-64 guests.
 *
 * The public API of the module. A guest kernel registers its per-subsystem
 * suspend hooks, binds its event channels through the registry
 * (kernel/evtchn_registry.h) and calls pvsr_suspend() from vCPU 0 when the
 * toolstack asks (xenstore control/shutdown = "suspend").
 */
#ifndef PVSR_KERNEL_PVSR_H
#define PVSR_KERNEL_PVSR_H

#include "hypercall/xen_abi.h"
#include "kernel/arch.h"

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
	PVSR_E_P2M, /* republishing the P2M frame list failed */
	PVSR_E_VCPU_INFO, /* VCPUOP_register_vcpu_info failed */
	PVSR_E_REBIND, /* rebinding an event channel failed */
	PVSR_E_VCPU_INIT, /* VCPUOP_initialise of a parked vCPU failed */
	PVSR_E_VCPU_UP, /* VCPUOP_up of a parked vCPU failed */
	PVSR_E_RESUME_TIMEOUT, /* a vCPU never reported "resumed" */
	PVSR_E_REGISTRY_FULL, /* no room left in the event-channel registry */
	PVSR_E_NOT_FOUND, /* no such port / hook / vCPU */
	PVSR_E_BAD_RESUME, /* a rebuilt vCPU came back wrong (panics) */
	PVSR_E_COUNT
};

/* Which step of the protocol a failure happened in. */
enum pvsr_step {
	PVSR_STEP_NONE = 0,
	PVSR_STEP_REQUEST,
	PVSR_STEP_PARK,
	PVSR_STEP_DOWN,
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
};

const char *pvsr_strerror(enum pvsr_error code);
const char *pvsr_step_name(enum pvsr_step step);

/*
 * Record a failure: fills *detail (if not NULL; port and hook are reset,
 * for the caller to set when they apply) and returns -code, so that a
 * failure site reads "return pvsr_fail(detail, ...);".
 */
int pvsr_fail(struct pvsr_error_detail *detail, enum pvsr_error code,
	      enum pvsr_step step, int vcpu, int hypercall, int subop,
	      long xen_errno);

/* ------------------------------------------------------------------ */
/* The suspend protocol.                                              */

#define PVSR_MAX_VCPUS 64

/* Phases of one suspend, timed with the guest's clock (report.phase_ns). */
enum pvsr_phase {
	PVSR_PHASE_PARK, /* IPIs until every other vCPU is parked */
	PVSR_PHASE_DOWN, /* VCPUOP_down of the parked vCPUs */
	PVSR_PHASE_TEARDOWN, /* hooks, channel close, arch pre-suspend */
	PVSR_PHASE_HYPERCALL, /* SCHEDOP_shutdown(SHUTDOWN_suspend) */
	PVSR_PHASE_REBIND, /* shared_info, P2M, vcpu_info, vCPU 0 channels */
	PVSR_PHASE_REBUILD, /* contexts, VCPUOP_initialise/up, "resumed" */
	PVSR_PHASE_TOTAL,
	PVSR_PHASE_COUNT
};

/* How the suspend hypercall came back, as the vCPUs and hooks see it. */
enum pvsr_resume_kind {
	PVSR_RESUME_NEW_DOMAIN, /* returned 0: restored or migrated */
	PVSR_RESUME_CANCELLED, /* returned 1: same domain (checkpoint) */
	PVSR_RESUME_BACKOUT, /* failed before the hypercall: undo */
};

/* What happened to one vCPU (report.vcpu[]). */
enum pvsr_vcpu_outcome {
	PVSR_VCPU_NOT_INVOLVED = 0, /* offline, or the boot vCPU */
	PVSR_VCPU_PARKED, /* parked, not back yet */
	PVSR_VCPU_REBUILT, /* new context, VCPUOP_initialise + up */
	PVSR_VCPU_RESTARTED, /* same context, VCPUOP_up */
	PVSR_VCPU_NEVER_PARKED, /* did not reach the barrier */
};

struct pvsr_vcpu_report {
	enum pvsr_vcpu_outcome outcome;
	uint64_t park_ns; /* IPI to parked */
	uint64_t resume_ns; /* VCPUOP_up to "resumed" */
};

struct pvsr_report {
	int hypercall_ret; /* 0 new domain, 1 cancelled, <0 error, -99 not reached */
	enum pvsr_resume_kind kind;
	uint64_t phase_ns[PVSR_PHASE_COUNT];
	unsigned int nr_vcpus; /* vCPUs online when the suspend began */
	struct pvsr_vcpu_report vcpu[PVSR_MAX_VCPUS];
	struct pvsr_error_detail error;
};

const char *pvsr_phase_name(enum pvsr_phase phase);

/*
 * A subsystem's part in the suspend: suspend() before the event channels
 * are torn down (a non-zero return aborts the suspend, reported as
 * PVSR_E_HOOK with the hook's name and the value in xen_errno), resume()
 * after every vCPU is back. Suspend hooks run in reverse registration
 * order, resume hooks in registration order.
 */
struct pvsr_hook {
	const char *name;
	int (*suspend)(void *data);
	void (*resume)(void *data, enum pvsr_resume_kind kind);
	void *data;
};

#define PVSR_MAX_HOOKS 16

/*
 * What pvsr needs from the kernel that embeds it. All are called on the
 * boot vCPU unless said otherwise.
 */
struct pvsr_ops {
	unsigned int (*this_vcpu)(void); /* any vCPU */
	bool (*vcpu_online)(unsigned int vcpu);
	uint64_t (*now_ns)(void); /* monotonic, any vCPU */
	/* Mask (true) or unmask event upcalls on the calling vCPU. */
	void (*mask_events)(bool mask);
	/* Wait a little (e.g. SCHEDOP_yield); must not need events. */
	void (*relax)(void);
	/* Register vcpu's vcpu_info (vcpu is the caller or down). */
	long (*register_vcpu_info)(unsigned int vcpu);
	/*
	 * Optional. After a resume into a new domain, on vCPU 0 right after
	 * its vcpu_info is registered again and before pvsr reads the clock:
	 * make now_ns() continue from where it was (the new host's system
	 * time is unrelated to the old one's).
	 */
	void (*clock_resume)(void);
	/*
	 * On each resumed vCPU itself, events masked, before it reports
	 * back: its per-CPU setup (rebind its channels, re-arm its timer).
	 * Also called on the boot vCPU. Non-zero is fatal after the
	 * hypercall.
	 */
	int (*vcpu_resume)(unsigned int vcpu, enum pvsr_resume_kind kind,
			   struct pvsr_error_detail *detail);
	/* An impossible state after the hypercall: never returns. */
	__noreturn void (*panic)(const char *what,
				 const struct pvsr_error_detail *d);
};

struct pvsr_evtchn_registry;
struct pvsr_arch;
struct pvsr_trace;

/* Timeouts (ns of guest time). */
#define PVSR_PARK_TIMEOUT_NS (10ULL * 1000 * 1000 * 1000)
#define PVSR_PARK_REPOKE_NS (50ULL * 1000 * 1000)
#define PVSR_RESUME_TIMEOUT_NS (30ULL * 1000 * 1000 * 1000)

enum pvsr_barrier_phase {
	PVSR_BARRIER_IDLE, /* no suspend running */
	PVSR_BARRIER_HOLD, /* park and stay parked */
	PVSR_BARRIER_RESUME, /* parked vCPUs may run their resume work */
	PVSR_BARRIER_RELEASE, /* everyone back: return to what you did */
};

struct pvsr_vcpu_slot;

/* One instance per guest; the embedding kernel owns the storage. */
struct pvsr {
	const struct pvsr_ops *ops;
	struct pvsr_evtchn_registry *evtchns;
	struct pvsr_arch *arch;
	unsigned int park_ipi; /* the registry's IPI index */
	unsigned int nr_vcpus; /* vCPUs the domain has */
	struct pvsr_hook hooks[PVSR_MAX_HOOKS];
	unsigned int nr_hooks;
	/* Pause barrier state, shared with the parked vCPUs. */
	int busy;
	int barrier; /* enum pvsr_barrier_phase */
	int resume_kind; /* enum pvsr_resume_kind */
	unsigned int generation; /* suspends so far */
	struct pvsr_vcpu_slot *slots; /* PVSR_MAX_VCPUS of them */
	struct pvsr_trace *trace; /* NULL unless pvsr_trace_attach() */
};

/* Storage for the per-vCPU barrier state (the caller provides it). */
struct pvsr_vcpu_slot {
	int state; /* enum pvsr_vcpu_outcome, shared */
	struct pvsr_jmp_buf jb; /* the parked context */
	uint64_t park_sent_ns;
	uint64_t parked_ns;
	uint64_t up_ns;
	uint64_t resumed_ns;
} __aligned(64);

int pvsr_init(struct pvsr *p, const struct pvsr_ops *ops,
	      struct pvsr_evtchn_registry *evtchns, struct pvsr_arch *arch,
	      unsigned int park_ipi, unsigned int nr_vcpus,
	      struct pvsr_vcpu_slot *slots);

/* Returns 0 or -PVSR_E_INVAL (no name) / -PVSR_E_REGISTRY_FULL. */
int pvsr_hook_register(struct pvsr *p, const struct pvsr_hook *hook);

/*
 * Suspend the domain (on vCPU 0, events may be on). Returns 0 after a
 * resume into a new domain, 1 after a cancelled suspend, or a negative
 * -PVSR_E_* with report->error filled; a failure before the hypercall
 * leaves the guest as it was. report is always filled.
 */
int pvsr_suspend(struct pvsr *p, struct pvsr_report *report);

/*
 * The park IPI handler calls this on its vCPU, events masked. It saves
 * the context, parks, and returns once the suspend is over (possibly in
 * a new domain, on a rebuilt context). A park IPI with no suspend
 * running is ignored.
 */
void pvsr_park_this_vcpu(struct pvsr *p);

/* True while a suspend runs (control/shutdown requests are refused). */
bool pvsr_busy(const struct pvsr *p);

#endif /* PVSR_KERNEL_PVSR_H */
